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
- the audit search as its selectors run (main: ``audit_entries`` + ``page_before``; with the
  trail branch: ``trail_querysets`` + ``trail_page``), for each log,
  each filter (none, person, agency, case, child, kind of action, dates) as the CAF team's
  manager (the whole tenant) and as an agency's manager (their agency), first page and a page
  deep in the keyset (a cursor a year back), and the page itself through the test client;
  with the trail branch, the deep pages again with the keyset bounded by time (``at <= X``);
- the pages of the other branches of issue 15 where they are merged (``--pages``): the case
  history, a person's activity, the dashboard and the Annex A export (CSV and XLSX).

Findings on main (e679ecb: ``audit_entries`` + ``page_before``), EXPLAIN ANALYZE at 6,000,000
access and 4,000,000 change entries, one tenant:

1. Every page past the first is slow: the keyset condition ``at < X OR (at = X AND id < Y)``
   is not an index condition, so PostgreSQL walks ``(tenant_id, at DESC)`` from the newest
   entry and filters (a year deep: 2.45 million rows removed, 1.5-2.6 s). Written as
   ``at <= X AND (at < X OR id < Y)``, or as the row comparison ``(at, id) < (X, Y)`` (from
   which PostgreSQL 15 derives ``at <= X`` itself), the index starts at the cursor: 0.16 ms.
   No new index needed; the same holds for every filter (agency, person, scope).
2. The agency filter through the person's memberships (``user__memberships__agency_id`` and
   ``distinct()``) joins every entry of the agency's 21 people and sorts 470,000 wide rows on
   disk: 6.6-7.7 s for an agency's manager. Filtering on the entry's own ``agency_id`` (the
   agency acted for, indexed ``(agency_id, at DESC)``) answers in 1 ms.
3. The person filter by username joins ``agencies_user`` and bitmap-ANDs the actor index with
   the scope's OR (0.9-1.3 s for an agency manager on the change log). Resolving the person's
   id first and filtering ``actor_id = N`` walks ``(actor_id, timestamp DESC)``: 0.4 ms.
4. Left: an agency manager's person filter on someone whose entries are mostly outside the
   manager's agencies walks all that person's entries (0.5 s for 13,000 rows, cold); a
   partial index or a UNION of the scope's two branches would bound it, not needed at the
   people/agency mix of this register.
5. Recommended index shape for time order with a tie-break: ``(<filter column>, at DESC, id
   DESC)``; the existing ``(<filter column>, at DESC)`` indexes do as well with an
   Incremental Sort on the few rows sharing one instant, so no new index is required beyond
   the kind indexes (``(tenant, action, at DESC)``, ``(tenant, content_type, timestamp
   DESC)``) the trail branch adds.
6. With the trail branch merged (``TrailCursor.older``), the same keyset condition keeps its
   pages a year deep at 0.2-0.9 s (no filter, agency, kind); with ``at <= X`` added
   (``--parts keyset-check``) they take 10-36 ms.
7. The dashboard: correlated subqueries per case (first TAC held, latest level of need) were
   its slowest statements, now a join grouped once and a column kept on the case; the Annex A
   XLSX writer was quadratic (``sheet.max_row`` per row), now linear.
Figures after merging the other branches: the README's bench section.
"""

import argparse
import os
import re
import statistics
import sys
import time
from datetime import date, timedelta
from itertools import islice
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
        self.statements: list[tuple[float, str, tuple]] = []  # of the last run
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


HEADER = (
    f"{'':<34} {'':<44} {'median':>9} {'p95':>9} {'qry':>4} {'slowest':>9} {'rows':>6}\n"
    f"{'':<34} {'':<44} {'ms':>9} {'ms':>9} {'':>4} {'sql ms':>9}"
)


def measure(group: str, label: str, function, repeats: int, warm_up: int = WARM_UP) -> Result:
    """``function`` run ``repeats`` times after a warm-up: time, queries, slowest statement;
    printed as soon as measured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(group, label)
    for n in range(repeats + warm_up):
        timer = Timer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            started = time.perf_counter()
            value = function()
            elapsed = (time.perf_counter() - started) * 1000
        if n < warm_up:
            continue
        result.times.append(elapsed)
        result.statements = timer.run
        result.queries.append(len(captured.captured_queries))
        if isinstance(value, int):
            result.rows = value
        for ms, sql, params in timer.run:
            if ms > result.slowest[0]:
                result.slowest = (ms, sql, params)
            reads_audit = AUDIT_TABLE.search(sql) and sql.lstrip().upper().startswith("SELECT")
            if reads_audit and ms > result.main[0]:
                result.main = (ms, sql, params)
    print(result.line(), flush=True)
    return result


def explain(sql: str, params) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def samples(dataset) -> dict:
    """The values the filters are given: busy and quiet people, a busy case and its child."""
    from django.db import connection

    from agencies.models import User
    from cases.models import Case

    agency = dataset.agencies[0]
    staff = list(
        User.objects.filter(memberships__agency=agency, memberships__role="practitioner").order_by(
            "pk"
        )
    )
    cases = Case.objects.filter(assessor_agency=agency)
    with connection.cursor() as cursor:
        # The agency's case most looked at in the last 90 days.
        cursor.execute(
            "SELECT a.case_id FROM audit_accesslogentry a JOIN cases_case c ON c.id = a.case_id "
            "WHERE c.assessor_agency_id = %s AND a.at > now() - interval '90 days' "
            "GROUP BY a.case_id ORDER BY count(*) DESC LIMIT 1",
            [agency.pk],
        )
        busy_case = Case.objects.get(pk=cursor.fetchone()[0])
    return {
        "agency": agency,
        "busy_user": staff[0],
        "quiet_user": staff[-1],
        "busy_case": busy_case,
        "old_case": cases.order_by("intention_logged_at").first(),
    }


def audit_filters(sample: dict, today: date) -> list[tuple[str, dict]]:
    """(label, filters): each filter the search offers, in the trail's terms (person, agency,
    case, child, kind, dates)."""
    week_ago, year_ago = today - timedelta(days=7), today - timedelta(days=365)
    a_year_ago = {"date_from": year_ago, "date_to": year_ago + timedelta(days=7)}
    return [
        ("no filter", {}),
        ("person (busiest)", {"person": sample["busy_user"]}),
        ("person (quiet)", {"person": sample["quiet_user"]}),
        ("agency", {"agency_id": sample["agency"].pk}),
        ("case (recent, busy)", {"case_id": sample["busy_case"].pk}),
        ("case (three years old)", {"case_id": sample["old_case"].pk}),
        ("child", {"child_id": sample["busy_case"].child_id}),
        ("kind: printed", {"kind": "printed"}),
        ("kind: consent changes", {"kind": "consent"}),
        ("dates: last 7 days", {"date_from": week_ago, "date_to": today}),
        ("dates: a week a year ago", a_year_ago),
        ("person + a week a year ago", {"person": sample["busy_user"], **a_year_ago}),
    ]


class MainSearch:
    """The search as main's page runs it: one log at a time (``audit_entries``,
    ``page_before``); no child or kind filter."""

    logs = ("access", "changes")

    def __init__(self, tenant_id, scope):
        self.tenant_id, self.scope = tenant_id, scope

    def supports(self, filters: dict) -> bool:
        return not {"child_id", "kind"} & set(filters)

    def _entries(self, log, filters):
        from audit.selectors import audit_entries

        filters = dict(filters)
        if "person" in filters:
            filters["username"] = filters.pop("person").username
        return audit_entries(
            tenant_id=self.tenant_id, scope_agency_ids=self.scope, log=log, **filters
        )

    def page(self, log, filters, cursor=None) -> int:
        from audit.selectors import page_before

        rows, _ = page_before(self._entries(log, filters), log=log, cursor=cursor)
        return len(rows)

    def cursor_before(self, log, filters, day):
        time_field = "timestamp" if log == "changes" else "at"
        row = (
            self._entries(log, filters)
            .filter(**{f"{time_field}__lt": day})
            .values(time_field, "pk")
            .first()
        )
        return f"{row[time_field].isoformat()}_{row['pk']}" if row else None


class TrailSearchRun:
    """The search as the trail branch's page runs it: both logs merged by keyset
    (``trail_querysets``, ``trail_page``), entries in words."""

    logs = ("all",)

    def __init__(self, tenant_id, scope):
        self.tenant_id, self.scope = tenant_id, scope

    def supports(self, filters: dict) -> bool:
        return True

    def _rows(self, log, filters):
        from audit import selectors

        filters = dict(filters)
        if "person" in filters:
            filters["person_id"] = filters.pop("person").pk
        search = selectors.TrailSearch(log=log, **filters)
        return selectors.trail_querysets(
            tenant_id=self.tenant_id, scope_agency_ids=self.scope, search=search
        )

    def page(self, log, filters, cursor=None) -> int:
        from audit import selectors

        changes, access = self._rows(log, filters)
        entries, _ = selectors.trail_page(changes, access, cursor=cursor)
        return len(entries)

    def cursor_before(self, log, filters, day):
        from audit.selectors import TrailCursor

        changes, access = self._rows(log, filters)
        rows = access if access is not None else changes
        if rows is None:
            return None
        time_field = "at" if rows is access else "timestamp"
        row = rows.filter(**{f"{time_field}__lt": day}).order_by(f"-{time_field}", "-pk").first()
        if row is None:
            return None
        return TrailCursor(
            at=getattr(row, time_field), log="access" if rows is access else "changes", pk=row.pk
        )


def audit_selector_runs(search, filters, repeats, group) -> list[Result]:
    """Each filter: its first page, then a page a year deep in the keyset."""
    from django.utils import timezone

    year_ago = timezone.now() - timedelta(days=365)
    results = []
    for log in search.logs:
        for label, kwargs in filters:
            if not search.supports(kwargs):
                result = Result(group, f"{log}: {label}")
                result.note = "(no such filter on this branch)"
                print(result.line())
                results.append(result)
                continue

            def first(kwargs=kwargs, log=log):
                return search.page(log, kwargs)

            results.append(measure(group, f"{log}: {label}, first page", first, repeats))
            cursor = search.cursor_before(log, kwargs, year_ago)
            if cursor is None:
                continue

            def deep(kwargs=kwargs, log=log, cursor=cursor):
                return search.page(log, kwargs, cursor)

            results.append(measure(group, f"{log}: {label}, a year deep", deep, repeats))
    return results


def keyset_check_runs(tenant_id, users: dict, filters, repeats) -> list[Result]:
    """The trail's pages a year deep again, with its keyset bounded by time (``at <= X`` added
    to ``at < X OR (at = X AND id < Y)``), which lets the index start at the cursor."""
    from django.db.models import Q

    from audit.selectors import LOG_RANK, TrailCursor, audit_scope_for

    original = TrailCursor.older

    def bounded(self, log):
        if LOG_RANK[self.log] != LOG_RANK[log]:
            return original(self, log)
        time_field = "timestamp" if log == "changes" else "at"
        return Q(**{f"{time_field}__lte": self.at}) & original(self, log)

    wanted = ("no filter", "agency", "person (busiest)", "kind: printed", "kind: consent changes")
    chosen = [(label, kwargs) for label, kwargs in filters if label in wanted]
    results = []
    TrailCursor.older = bounded
    try:
        for who, user in users.items():
            search = TrailSearchRun(tenant_id, audit_scope_for(user))
            group = f"keyset at <= X, {who}"
            results += audit_selector_runs(search, chosen, repeats, group)
    finally:
        TrailCursor.older = original
    return results


def audit_page_runs(client, sample, repeats, group, trail: bool) -> list[Result]:
    """The audit search page through the test client, the form as a manager fills it."""
    person = (
        {"person": sample["busy_user"].pk} if trail else {"username": sample["busy_user"].username}
    )
    queries = [
        ("no filter", {}),
        ("person", person),
        ("agency", {"agency": sample["agency"].pk}),
        ("case", {"case": f"CAF-{sample['busy_case'].pk:06d}"}),
    ]
    if trail:
        queries += [
            ("child", {"child": sample["busy_case"].child_id}),
            ("kind: printed", {"kind": "printed"}),
        ]
    logs = ("all",) if trail else ("access", "changes")
    results = []
    for log in logs:
        for label, query in queries:
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
    today = date.today()
    quarter = {
        "date_from": (today - timedelta(days=91)).strftime("%d/%m/%Y"),
        "date_to": today.strftime("%d/%m/%Y"),
    }
    candidates = [
        ("case history", "cases:history", [case.pk], {}),
        ("person activity", "audit:person", [sample["busy_user"].pk], {}),
        ("dashboard", "reports:dashboard", [], {}),
        ("dashboard, one agency", "reports:dashboard", [], {"agency": sample["agency"].pk}),
        ("dashboard, area BS1", "reports:dashboard", [], {"area": "BS1"}),
        ("dashboard, last quarter", "reports:dashboard", [], quarter),
        ("dashboard API", "reports:api-dashboard", [], {}),
        ("Annex A preview page", "reports:annex_a", [], {}),
    ]
    results = []
    for label, name, args, query in candidates:
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            url = None
        if url is None:
            result = Result("pages", label)
            result.note = f"({name} not on this branch)"
            print(result.line())
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


def annex_a_runs(users: dict, repeats: int, full_xlsx: bool) -> list[Result]:
    """The Annex A export of the whole list as the export job writes it on the worker
    (``export_job_run``: the list read in chunks, the file written and stored), as CSV; as
    XLSX the file of the list's first 2,000, 4,000 and 8,000 rows, which shows how its time
    grows (the whole list as XLSX with ``--full-xlsx``: the job, once)."""
    try:
        from reports.annex_a import xlsx_bytes
        from reports.exports import FORMATS, annex_a_rows, export_job_run, returns_agency_id
        from reports.models import ExportJob
    except ImportError:
        result = Result("Annex A export", "export job")
        result.note = "(reports.exports not on this branch)"
        print(result.line())
        return [result]
    from django.conf import settings
    from django.utils import timezone

    def job_run(user, kind):
        job = ExportJob.objects.create(
            tenant_id=user.tenant_id,
            requested_by=user,
            agency_id=returns_agency_id(user),
            kind=kind,
            params={"as_at": date.today().isoformat()},
            expires_at=timezone.now() + timedelta(hours=settings.REPORT_EXPORT_KEEP_HOURS),
        )
        return export_job_run(job.pk).rows_total

    results = []
    for who, user in users.items():
        results.append(
            measure(
                f"Annex A export job as {who}",
                "CSV, the whole list",
                lambda user=user: job_run(user, FORMATS["csv"]),
                repeats,
                warm_up=0,
            )
        )
    user = users["CAF manager"]
    for size in (2000, 4000, 8000):

        def first_rows(size=size):
            rows = list(islice(annex_a_rows(user, date.today()), size))
            xlsx_bytes(rows, as_at=date.today(), produced_by="Bench", produced_at=timezone.now())
            return len(rows)

        results.append(
            measure(
                "Annex A XLSX as CAF manager",
                f"the list's first {size} rows",
                first_rows,
                1,
                warm_up=0,
            )
        )
    if full_xlsx:
        results.append(
            measure(
                "Annex A export job as CAF manager",
                "XLSX, the whole list",
                lambda: job_run(user, FORMATS["xlsx"]),
                1,
                warm_up=0,
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--explain-over", type=float, default=100.0, help="milliseconds")
    parser.add_argument(
        "--parts",
        default="selectors,keyset-check,audit-pages,pages,annex-a",
        help="what to measure, of: selectors,keyset-check,audit-pages,pages,annex-a",
    )
    parser.add_argument("--full-xlsx", action="store_true", help="the whole list as XLSX too")
    args = parser.parse_args()
    setup_django(args.database_url)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    from audit import selectors
    from audit.selectors import audit_scope_for

    dataset, caf_manager, agency_managers = build_reports_data(
        children=300_000, cases=200_000, report=print
    )
    agency_manager = agency_managers[0]
    sample = samples(dataset)
    print(
        f"\nbusiest person {sample['busy_user'].username}, quiet person "
        f"{sample['quiet_user'].username}, case {sample['busy_case'].pk} (recent), "
        f"{sample['old_case'].pk} (old), agency {sample['agency'].name}"
    )
    parts = set(args.parts.split(","))
    print(f"\n{HEADER}")
    results = baseline(dataset, args.repeats * 5)
    filters = audit_filters(sample, date.today())
    trail = hasattr(selectors, "trail_querysets")
    if "selectors" in parts:
        for who, user in (("CAF manager", caf_manager), ("agency manager", agency_manager)):
            scope = audit_scope_for(user)
            search = (TrailSearchRun if trail else MainSearch)(dataset.tenant.pk, scope)
            results += audit_selector_runs(search, filters, args.repeats, f"search, {who}")
    if "keyset-check" in parts and trail:
        users = {"CAF manager": caf_manager, "agency manager": agency_manager}
        results += keyset_check_runs(dataset.tenant.pk, users, filters, args.repeats)
    clients = {"CAF manager": signed_in_client(caf_manager)}
    clients["agency manager"] = signed_in_client(agency_manager)
    if "audit-pages" in parts:
        for who, client in clients.items():
            results += audit_page_runs(client, sample, args.repeats, f"/audit/ as {who}", trail)
    if "pages" in parts:
        results += page_runs(clients, sample, args.repeats)
    if "annex-a" in parts:
        users = {"CAF manager": caf_manager, "agency manager": agency_manager}
        results += annex_a_runs(users, max(1, args.repeats // 3), args.full_xlsx)
    print(f"\nEXPLAIN ANALYZE of the main audit query of each run over {args.explain_over} ms:")
    for result in results:
        if not result.times or statistics.median(result.times) < args.explain_over:
            continue
        ms, sql, params = result.main if result.main[1] else result.slowest
        if not sql:
            continue
        print(f"\n== {result.group} / {result.label}: {ms:.0f} ms")
        if len(result.statements) > 5 and not result.main[1]:
            print("   slowest statements of the last run:")
            for took, text, _ in sorted(result.statements, key=lambda run: -run[0])[:5]:
                tables = ", ".join(dict.fromkeys(re.findall(r'FROM "(\w+)"', text)))
                print(f"   {took:9.1f} ms  {tables}")
        print(sql % tuple(params))
        for line in explain(sql, params):
            print("   ", line)


if __name__ == "__main__":
    main()
