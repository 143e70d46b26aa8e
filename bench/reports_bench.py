"""Benchmark of issue 15: the audit trail search, the case history and person activity pages,
the oversight dashboard and the Annex A export, with 200,000 cases and 10,000,000 audit
entries in PostgreSQL.

    .venv/bin/python bench/reports_bench.py --database-url postgres://postgres@127.0.0.1:5432/bench15

The data come from bench/reports_data.py (built once, then reused). For each measure the script
prints the median and p95 of ``--repeats`` runs after a warm-up, the queries each run made
(CaptureQueriesContext) and the time of the slowest of them, beside a primary-key lookup as the
baseline of the same run; then EXPLAIN (ANALYZE, BUFFERS) of the main audit query of each
search that took longer than ``--explain-over`` milliseconds. A script, not a test.

Measured:
- the audit search as its selectors run (``audit_entries`` + ``page_before``), for each log,
  each filter (none, person, agency, case, child, kind of action, dates) as the CAF team's
  manager (the whole tenant) and as an agency's manager (their agency), first page and a page
  deep in the keyset (a cursor a year back), and the page itself through the test client;
- the pages of the other branches of issue 15 where they are merged (``--pages``): the case
  history, a person's activity, the dashboard and the Annex A export (CSV and XLSX).

FINDINGS (EXPLAIN ANALYZE at 10,000,000 entries, main at e679ecb; see the README):
see the end of the printed output and the report; summarised in the README's bench section.
"""

import argparse
import inspect
import os
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.access_model import percentile, signed_in_client  # noqa: E402
from bench.dataset import setup_django  # noqa: E402
from bench.reports_data import build_reports_data  # noqa: E402

WARM_UP = 1
AUDIT_TABLE = re.compile(r'FROM "audit_(changelogentry|accesslogentry)"')


class Result:
    def __init__(self, group: str, label: str):
        self.group, self.label = group, label
        self.times: list[float] = []
        self.queries: list[int] = []
        self.rows: int | None = None
        self.slowest: tuple[float, str, tuple] = (0.0, "", ())
        self.main: tuple[float, str, tuple] = (0.0, "", ())
        self.note = ""

    def line(self) -> str:
        if not self.times:
            return f"{self.group:<34} {self.label:<44} {self.note}"
        return (
            f"{self.group:<34} {self.label:<44} {statistics.median(self.times):>9.1f} "
            f"{percentile(self.times, 0.95):>9.1f} {max(self.queries):>4} "
            f"{self.slowest[0]:>9.1f} {'' if self.rows is None else self.rows:>6} {self.note}"
        )


class Timer:
    """Each statement a run sends, timed, with its SQL and parameters."""

    def __init__(self):
        self.run: list[tuple[float, str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.run.append(((time.perf_counter() - started) * 1000, sql, params))


def measure(group: str, label: str, function, repeats: int) -> Result:
    """``function`` run ``repeats`` times after a warm-up: time, queries, slowest statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(group, label)
    for n in range(repeats + WARM_UP):
        timer = Timer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            started = time.perf_counter()
            value = function()
            elapsed = (time.perf_counter() - started) * 1000
        if n < WARM_UP:
            continue
        result.times.append(elapsed)
        result.queries.append(len(captured.captured_queries))
        if isinstance(value, int):
            result.rows = value
        for ms, sql, params in timer.run:
            if ms > result.slowest[0]:
                result.slowest = (ms, sql, params)
            reads_audit = AUDIT_TABLE.search(sql) and sql.lstrip().upper().startswith("SELECT")
            if reads_audit and ms > result.main[0]:
                result.main = (ms, sql, params)
    return result


def explain(sql: str, params) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def samples(dataset, caf_manager, agency_manager) -> dict:
    """The values the filters are given: busy and quiet people, a busy case and its child."""
    from agencies.models import User
    from cases.models import Case

    agency = dataset.agencies[0]
    staff = list(
        User.objects.filter(memberships__agency=agency, memberships__role="practitioner")
        .order_by("pk")
        .values_list("username", flat=True)
    )
    busy_case = Case.objects.filter(assessor_agency=agency).order_by("-intention_logged_at").first()
    old_case = Case.objects.filter(assessor_agency=agency).order_by("intention_logged_at").first()
    other = dataset.agencies[2]
    return {
        "agency": agency,
        "other_agency": other,
        "busy_user": staff[0],
        "quiet_user": staff[-1],
        "busy_case": busy_case,
        "old_case": old_case,
    }


def audit_filters(sample: dict, today: date) -> list[tuple[str, dict]]:
    """(label, keyword arguments of the search): each filter the page offers."""
    week_ago = today - timedelta(days=7)
    year_ago = today - timedelta(days=365)
    return [
        ("no filter", {}),
        ("person (busiest)", {"username": sample["busy_user"]}),
        ("person (quiet)", {"username": sample["quiet_user"]}),
        ("agency (own)", {"agency_id": sample["agency"].pk}),
        ("case (recent, busy)", {"case_id": sample["busy_case"].pk}),
        ("case (three years old)", {"case_id": sample["old_case"].pk}),
        ("child", {"child_id": sample["busy_case"].child_id}),
        ("kind: printed", {"kind": "print"}),
        ("dates: last 7 days", {"date_from": week_ago, "date_to": today}),
        ("dates: a week a year ago", {"date_from": year_ago, "date_to": year_ago + timedelta(7)}),
        (
            "person + dates (a year ago)",
            {
                "username": sample["busy_user"],
                "date_from": year_ago,
                "date_to": year_ago + timedelta(7),
            },
        ),
    ]


def audit_selector_runs(tenant_id, scope, log, filters, repeats, group) -> list[Result]:
    """The search as the page runs it: first page, then a page a year deep in the keyset."""
    from audit import selectors

    accepted = set(inspect.signature(selectors.audit_entries).parameters)
    time_field = "timestamp" if log == "changes" else "at"
    results = []
    for label, kwargs in filters:
        if not set(kwargs) <= accepted:
            missing = ", ".join(sorted(set(kwargs) - accepted))
            result = Result(group, f"{log}: {label}")
            result.note = f"(no {missing} filter in audit_entries on this branch)"
            results.append(result)
            continue

        def entries(kwargs=kwargs):
            return selectors.audit_entries(
                tenant_id=tenant_id, scope_agency_ids=scope, log=log, **kwargs
            )

        def first(entries=entries):
            rows, _ = selectors.page_before(entries(), log=log, cursor=None)
            return len(rows)

        results.append(measure(group, f"{log}: {label} (first page)", first, repeats))
        year_ago = date.today() - timedelta(days=365)
        anchor = entries().filter(**{f"{time_field}__lt": year_ago}).values(time_field, "pk")
        anchor = anchor.first()
        if anchor is None:
            continue
        cursor = f"{anchor[time_field].isoformat()}_{anchor['pk']}"

        def deep(entries=entries, cursor=cursor):
            rows, _ = selectors.page_before(entries(), log=log, cursor=cursor)
            return len(rows)

        results.append(measure(group, f"{log}: {label} (a year deep)", deep, repeats))
    return results


def audit_page_runs(client, logs, sample, repeats, group) -> list[Result]:
    """The audit search page through the test client (the form as a manager fills it)."""
    results = []
    for log in logs:
        for label, query in (
            ("no filter", {}),
            ("person", {"username": sample["busy_user"]}),
            ("agency", {"agency": sample["agency"].pk}),
            ("case", {"case": f"CAF-{sample['busy_case'].pk:06d}"}),
        ):
            params = {"log": log, **query}

            def get(params=params):
                response = client.get("/audit/", params)
                if response.status_code != 200:
                    raise RuntimeError(f"/audit/ {params}: {response.status_code}")
                return None

            results.append(measure(group, f"{log}: {label}", get, repeats))
    return results


def baseline(dataset, repeats) -> list[Result]:
    from audit.models import AccessLogEntry, ChangeLogEntry
    from cases.models import Case

    case_ids = list(
        Case.objects.filter(tenant=dataset.tenant).order_by("?").values_list("pk", flat=True)[:50]
    )
    last = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    last_change = ChangeLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    state = {"n": 0}

    def case():
        state["n"] += 1
        Case.objects.get(pk=case_ids[state["n"] % len(case_ids)])

    def access_entry():
        state["n"] += 1
        AccessLogEntry.objects.get(pk=last - state["n"] * 99_991 % last)

    def change_entry():
        state["n"] += 1
        ChangeLogEntry.objects.filter(pk=last_change - state["n"] * 99_991 % last_change).first()

    return [
        measure("baseline", "Case by primary key", case, repeats),
        measure("baseline", "AccessLogEntry by primary key", access_entry, repeats),
        measure("baseline", "ChangeLogEntry by primary key", change_entry, repeats),
    ]


def page_runs(clients: dict, sample: dict, repeats: int) -> list[Result]:
    """The other pages of issue 15, where the branch that adds them is merged: each route is
    looked up by name and measured through the test client as the managers open it."""
    from django.urls import NoReverseMatch, reverse

    case = sample["busy_case"]
    candidates = [
        ("case history", "audit:case_history", [case.pk], {}),
        ("case history", "cases:history", [case.pk], {}),
        ("person activity", "audit:person", None, {}),
        ("dashboard", "reports:dashboard", [], {}),
        ("dashboard, one agency", "reports:dashboard", [], {"agency": sample["agency"].pk}),
        ("Annex A (CSV)", "reports:annex_a", [], {"format": "csv"}),
        ("Annex A (XLSX)", "reports:annex_a", [], {"format": "xlsx"}),
    ]
    results = []
    for label, name, args, query in candidates:
        try:
            url = reverse(name, args=args) if args is not None else None
        except NoReverseMatch:
            url = None
        if url is None:
            result = Result("pages", label)
            result.note = f"({name} not on this branch)"
            results.append(result)
            continue
        for who, client in clients.items():

            def get(client=client, url=url, query=query):
                response = client.get(url, query)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code}")
                content = b"".join(response) if response.streaming else response.content
                return len(content)

            results.append(measure(f"pages as {who}", label, get, repeats))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--explain-over", type=float, default=100.0, help="milliseconds")
    parser.add_argument("--skip-selectors", action="store_true")
    args = parser.parse_args()
    setup_django(args.database_url)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    from audit.selectors import audit_scope_for

    dataset, caf_manager, agency_managers = build_reports_data(
        children=300_000, cases=200_000, report=print
    )
    agency_manager = agency_managers[0]
    sample = samples(dataset, caf_manager, agency_manager)
    print(
        f"\nbusiest person {sample['busy_user']}, quiet person {sample['quiet_user']}, "
        f"case {sample['busy_case'].pk} (recent), {sample['old_case'].pk} (old), "
        f"agency {sample['agency'].name}"
    )
    results = baseline(dataset, args.repeats * 5)
    filters = audit_filters(sample, date.today())
    if not args.skip_selectors:
        for who, user in (("CAF manager", caf_manager), ("agency manager", agency_manager)):
            scope = audit_scope_for(user)
            for log in ("access", "changes"):
                results += audit_selector_runs(
                    dataset.tenant.pk, scope, log, filters, args.repeats, f"audit_entries, {who}"
                )
    clients = {"CAF manager": signed_in_client(caf_manager)}
    clients["agency manager"] = signed_in_client(agency_manager)
    for who, client in clients.items():
        results += audit_page_runs(
            client, ("access", "changes"), sample, args.repeats, f"/audit/ as {who}"
        )
    results += page_runs(clients, sample, args.repeats)

    print(
        f"\n{'':<34} {'':<44} {'median':>9} {'p95':>9} {'qry':>4} {'slowest':>9} {'rows':>6}"
        f"\n{'':<34} {'':<44} {'ms':>9} {'ms':>9} {'':>4} {'sql ms':>9}"
    )
    for result in results:
        print(result.line())
    print(f"\nEXPLAIN ANALYZE of the main audit query of each run over {args.explain_over} ms:")
    for result in results:
        if not result.times or statistics.median(result.times) < args.explain_over:
            continue
        ms, sql, params = result.main if result.main[1] else result.slowest
        if not sql:
            continue
        print(f"\n== {result.group} / {result.label}: {ms:.0f} ms\n{sql % tuple(params)}")
        for line in explain(sql, params):
            print("   ", line)


if __name__ == "__main__":
    main()
