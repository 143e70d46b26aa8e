"""Benchmark of the CAF assessment (issue 11): the assessment page and its task list, and the
CAF team's validation queue, at 1,000 and 200,000 cases in one run.

    .venv/bin/python bench/assessment.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ecaf_bench_assess

The registers come from bench/dataset.py and their assessments from bench/assessment_data.py
(built once, then reused): by default a tenant of 10,000 children with 1,000 cases and one of
300,000 children with 200,000 cases. Through Django's test client, signed in through the real
pages (second factor included), it times for each size:

- the assessment page (``assessments:view``) and the task list (``assessments:tasks``) of the
  assessor's cases and, for the CAF coordinator, of any case with an assessment;
- the CAF team's queue (``assessments:queue``), its first and its last page, with every
  submitted assessment waiting (about 12,500 at 200,000 cases: a stress test), and its first
  page with a realistic few hundred waiting (the rest logged for the measure, vacuumed, and put
  back afterwards);
- ``Case.objects.get(pk=...)`` as the baseline;

and prints the median and p95 time and the queries each request made, then EXPLAIN ANALYZE
of the queue's main query (the slowest of its queries on the assessment tables) per size and
the slowest query of each page, so that what does not stay constant is named. A script, not a
test.
"""

import argparse
import logging
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.access_model import percentile, signed_in_client  # noqa: E402
from bench.assessment_data import build_assessments  # noqa: E402
from bench.dataset import build_dataset, setup_django  # noqa: E402

WARM_UP = 2
ASSESSMENT_TABLE = re.compile(r'"assessments_(assessment|validation)"')


def assessed_case_ids(dataset, user, count: int, states: tuple[str, ...]) -> list[int]:
    """Cases with an assessment in ``states`` that ``user`` may open, newest first: the
    assessor's own for a practitioner, any for the CAF team."""
    from agencies.roles import in_caf_team
    from assessments.models import Assessment

    assessments = Assessment.objects.filter(tenant=dataset.tenant, state__in=states)
    if not in_caf_team(user):
        assessments = assessments.filter(case__assessor=user)
    return list(assessments.order_by("-case_id").values_list("case_id", flat=True)[:count])


def pages(dataset, repeats: int) -> list[tuple[str, str, object, list[str]]]:
    """(user, page, client user, urls) to time."""
    from django.urls import reverse

    every_state = ("in_progress", "signed", "submitted", "returned", "logged")
    editable = ("in_progress", "returned")
    practitioner, coordinator = dataset.practitioner, dataset.coordinator
    runs = []
    for role, user in (("practitioner", practitioner), ("coordinator", coordinator)):
        viewed = assessed_case_ids(dataset, user, repeats + WARM_UP, every_state)
        written = assessed_case_ids(dataset, user, repeats + WARM_UP, editable)
        runs.append(
            (
                role,
                "assessment page",
                user,
                [reverse("assessments:view", args=[pk]) for pk in viewed],
            )
        )
        runs.append(
            (role, "task list", user, [reverse("assessments:tasks", args=[pk]) for pk in written])
        )
    queue = reverse("assessments:queue")
    runs.append(("coordinator", "queue", coordinator, [queue]))
    last = max(1, -(-waiting_counts(dataset) // queue_page_size()))
    runs.append(("coordinator", "queue, last page", coordinator, [f"{queue}?page={last}"]))
    return runs


def queue_page_size() -> int:
    """Rows on a page of the queue, as the page shows them (25 until it exists)."""
    try:
        from assessments.checks import QUEUE_PAGE_SIZE
    except ImportError:
        return 25
    return QUEUE_PAGE_SIZE


class Statements:
    """Each statement a request sends, timed to the microsecond: (SQL as written, with its
    placeholders; milliseconds; SQL as sent)."""

    def __init__(self):
        self.run: list[tuple[str, float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            sent = getattr(context["cursor"].cursor, "query", None)  # psycopg2: as sent
            sent = sent.decode() if isinstance(sent, bytes) else sql
            self.run.append((sql, elapsed, sent))


def timed_get(client, url: str):
    """One GET: milliseconds, status, the number of queries as assertNumQueries counts them
    (transaction statements included) and each statement timed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    statements = Statements()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(statements):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response.status_code, len(captured.captured_queries), statements.run


class Measure:
    def __init__(self):
        self.times: list[float] = []
        self.queries: list[int] = []
        self.sql_times: list[float] = []
        self.statuses: dict[int, int] = {}
        self.by_statement: dict[str, list[float]] = {}
        self.slowest: tuple[float, str] = (0.0, "")
        self.main_query: tuple[float, str] = (0.0, "")

    def add(self, elapsed: float, status: int, count: int, statements) -> None:
        self.times.append(elapsed)
        self.queries.append(count)
        self.sql_times.append(sum(ms for _, ms, _ in statements))
        self.statuses[status] = self.statuses.get(status, 0) + 1
        for sql, ms, sent in statements:
            shape = re.sub(r"\d+", "N", " ".join(sql.split()))  # limits, savepoint names
            self.by_statement.setdefault(shape, []).append(ms)
            if ms > self.slowest[0]:
                self.slowest = (ms, sent)
            reads = sql.lstrip().upper().startswith("SELECT")
            if reads and ASSESSMENT_TABLE.search(sql) and ms > self.main_query[0]:
                self.main_query = (ms, sent)


def time_interleaved(runs: list[tuple[object, list[str]]], repeats: int) -> list[Measure]:
    """Each (client, urls) ``repeats`` times after a warm-up, the sizes taking turns request
    by request, so that the load others put on the machine falls on both alike."""
    measures = [Measure() for _ in runs]
    for n in range(repeats + WARM_UP):
        for (client, urls), measure in zip(runs, measures, strict=True):
            elapsed, status, count, statements = timed_get(client, urls[n % len(urls)])
            if n >= WARM_UP:
                measure.add(elapsed, status, count, statements)
    return measures


QUEUE_TABLES = ("assessments_assessment", "assessments_validation", "cases_case")
MARK = "BENCH/"  # the log reference of the submissions decided to shorten the queue


def _vacuum() -> None:
    """Settle the tables as autovacuum would, so that the measure sees no dead rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in QUEUE_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def shorten_queue(dataset, waiting: int) -> int:
    """Leave only the ``waiting`` most recent submissions in the queue, the others logged as
    the CAF team would have (committed, marked, then vacuumed). Returns how many wait."""
    from django.db import connection, transaction

    from assessments.models import Assessment

    keep = list(
        Assessment.objects.filter(tenant=dataset.tenant, state="submitted")
        .order_by("-submitted_at", "-id")
        .values_list("pk", flat=True)[:waiting]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH decided AS (
                UPDATE assessments_assessment SET state = 'logged',
                       logged_on = (submitted_at AT TIME ZONE 'UTC')::date + 5,
                       logged_reference = %s || id
                 WHERE tenant_id = %s AND state = 'submitted' AND NOT id = ANY(%s)
             RETURNING id, case_id
            ), validations AS (
                UPDATE assessments_validation v SET outcome = 'logged', decided_at = now()
                  FROM decided WHERE v.assessment_id = decided.id AND v.outcome = 'pending'
            )
            UPDATE cases_case c SET state = 'logged' FROM decided WHERE c.id = decided.case_id
            """,
            [MARK, dataset.tenant.pk, keep],
        )
    _vacuum()
    return len(keep)


def restore_queue(dataset) -> None:
    """Put back in the queue what ``shorten_queue`` decided (also after an interrupted run)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH restored AS (
                UPDATE assessments_assessment SET state = 'submitted', logged_on = NULL,
                       logged_reference = ''
                 WHERE tenant_id = %s AND logged_reference LIKE %s
             RETURNING id, case_id
            ), validations AS (
                UPDATE assessments_validation v SET outcome = 'pending', decided_at = NULL
                  FROM restored
                 WHERE v.assessment_id = restored.id AND v.outcome = 'logged'
                   AND v.decided_by_id IS NULL
            )
            UPDATE cases_case c SET state = 'submitted' FROM restored
             WHERE c.id = restored.case_id
            """,
            [dataset.tenant.pk, MARK + "%"],
        )
        restored = cursor.rowcount
    if restored:
        _vacuum()


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [row[0] for row in cursor.fetchall()]


def reference_queue_sql(dataset) -> str:
    """The queue's query as the index ``assessment_queue`` serves it: used while the queue
    page is not there to capture its own."""
    from django.db import connection

    from assessments.models import Assessment

    queryset = (
        Assessment.objects.filter(tenant=dataset.tenant, state="submitted")
        .select_related("case__child", "case__assessor", "case__assessor_agency")
        .order_by("submitted_at", "id")[:50]
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.cursor.mogrify(sql, params).decode()


def pk_baselines(datasets, repeats: int) -> list[Measure]:
    from cases.models import Case

    measures = [Measure() for _ in datasets]
    ids = [
        list(
            Case.objects.filter(tenant=dataset.tenant)
            .order_by("?")
            .values_list("pk", flat=True)[: repeats + WARM_UP]
        )
        for dataset in datasets
    ]
    for n in range(repeats + WARM_UP):
        for pks, measure in zip(ids, measures, strict=True):
            started = time.perf_counter()
            Case.objects.get(pk=pks[n % len(pks)])
            elapsed = (time.perf_counter() - started) * 1000
            if n >= WARM_UP:
                measure.add(elapsed, 200, 1, [("pk", elapsed, "pk")])
    return measures


def measure(datasets, repeats: int, realistic_queue: int) -> dict:
    """Every page at every size, the sizes in turn; then the queue shortened to a realistic
    length at every size; the pk baseline last."""
    from django.urls import reverse

    results: dict = {dataset.cases: {"pages": {}, "plans": {}} for dataset in datasets}
    clients: dict = {}

    def client(user):
        if user.pk not in clients:
            clients[user.pk] = signed_in_client(user)
        return clients[user.pk]

    listed = [pages(dataset, repeats) for dataset in datasets]
    for n, (role, page, _, _) in enumerate(listed[0]):
        runs = [(dataset, of_size[n]) for dataset, of_size in zip(datasets, listed, strict=True)]
        for dataset, (_, _, _, urls) in runs:
            if not urls:
                print(f"  ({dataset.cases:,} cases: no case for {role} / {page})")
        runs = [(dataset, run) for dataset, run in runs if run[3]]
        found = time_interleaved([(client(user), urls) for _, (_, _, user, urls) in runs], repeats)
        for (dataset, _), result in zip(runs, found, strict=True):
            results[dataset.cases]["pages"][(role, page)] = result
    for dataset in datasets:
        done = results[dataset.cases]
        done["plans"]["all waiting, first page"] = explain_queue(
            dataset, done["pages"][("coordinator", "queue")]
        )
        done["plans"]["all waiting, last page"] = explain_queue(
            dataset, done["pages"][("coordinator", "queue, last page")]
        )
    queue = [reverse("assessments:queue")]
    try:
        waiting = [shorten_queue(dataset, realistic_queue) for dataset in datasets]
        found = time_interleaved(
            [(client(dataset.coordinator), queue) for dataset in datasets], repeats
        )
        for dataset, count, result in zip(datasets, waiting, found, strict=True):
            done = results[dataset.cases]
            done["pages"][("coordinator", f"queue, {count} waiting")] = result
            done["plans"][f"{count} waiting, first page"] = explain_queue(dataset, result)
    finally:
        for dataset in datasets:
            restore_queue(dataset)
    for dataset, result in zip(datasets, pk_baselines(datasets, repeats), strict=True):
        results[dataset.cases]["pages"][("-", "PK lookup (baseline)")] = result
    return results


def explain_queue(dataset, measure: Measure) -> tuple[str, str, list[str]]:
    """The queue's main query as the page ran it, with its plan; the reference query if the
    page made none on the assessment tables (not written yet)."""
    sql = measure.main_query[1]
    source = (
        f"the queue page's slowest read of the assessment tables ({measure.main_query[0]:.1f} ms)"
    )
    if not sql:
        sql = reference_queue_sql(dataset)
        source = "reference query (the queue page ran none on the assessment tables)"
    return source, sql, explain(sql)


def waiting_counts(dataset) -> int:
    from assessments.models import Validation

    return Validation.objects.filter(assessment__tenant=dataset.tenant, outcome="pending").count()


def print_results(datasets, results: dict) -> None:
    sizes = [dataset.cases for dataset in datasets]
    keys = []
    for size in sizes:
        for key in results[size]["pages"]:
            label = (key[0], re.sub(r"\d+ waiting", "N waiting", key[1]))
            if label not in keys:
                keys.append(label)

    def find(size, label):
        for key, measure in results[size]["pages"].items():
            if (key[0], re.sub(r"\d+ waiting", "N waiting", key[1])) == label:
                return key, measure
        return None, None

    header = "".join(
        f"{f'{size:,} cases p50':>19}{'p95':>10}{'queries':>9}{'in SQL':>10}" for size in sizes
    )
    print(f"\n{'user':<14}{'page':<26}{header}")
    for label in keys:
        row = f"{label[0]:<14}{label[1]:<26}"
        for size in sizes:
            _, measure = find(size, label)
            if measure is None:
                row += f"{'-':>19}{'':>10}{'':>9}{'':>10}"
                continue
            low, high = min(measure.queries), max(measure.queries)
            counts = f"{low}" if low == high else f"{low}-{high}"
            row += (
                f"{statistics.median(measure.times):>16.1f} ms"
                f"{percentile(measure.times, 0.95):>7.1f} ms{counts:>9}"
                f"{statistics.median(measure.sql_times):>7.1f} ms"
            )
        print(row)
    print("(p50/p95: the whole request; queries: as assertNumQueries counts them, BEGIN/COMMIT")
    print(" included; in SQL: median time spent in the database per request)")
    print("\nstatus codes (N waiting = the realistic queue, the rest logged for the measure):")
    if any(
        set(measure.statuses) != {200}
        for size in sizes
        for key, measure in results[size]["pages"].items()
        if key[0] != "-"
    ):
        print("  NOT ALL 200: the times of other answers do not measure the page.")
    for size in sizes:
        for key, measure in results[size]["pages"].items():
            if key[0] != "-":
                print(f"  {size:>7,} cases  {key[0]:<13}{key[1]:<26}{measure.statuses}")
    small, large = sizes[0], sizes[-1]
    print(f"\np50 at {large:,} cases / p50 at {small:,} cases:")
    for label in keys:
        _, a = find(small, label)
        _, b = find(large, label)
        if a and b:
            ratio = statistics.median(b.times) / statistics.median(a.times)
            print(f"  {label[0]:<14}{label[1]:<26}{ratio:5.1f}x")
    print(
        f"\nreads whose median more than doubled, by over 1 ms, from {small:,} to {large:,} cases"
        " (median ms at each size, times run):"
    )
    grew = []
    for label in keys:
        _, a = find(small, label)
        _, b = find(large, label)
        if not (a and b):
            continue
        for sql, times in b.by_statement.items():
            if not sql.startswith("SELECT"):  # writes wait on the disk others share
                continue
            before = statistics.median(a.by_statement.get(sql, [0.0]))
            after = statistics.median(times)
            if after - before > 1 and after > 2 * before:
                grew.append((after - before, label, before, after, len(times), sql))
    for _, label, before, after, runs, sql in sorted(grew, reverse=True)[:12]:
        name = f"{label[0]} {label[1]}"
        print(f"  {name:<34}{before:7.2f} -> {after:7.2f} ms  x{runs:<4}{sql[:110]}")
    if not grew:
        print("  none")
    print("\nslowest single query of each page (ms, at each size):")
    for label in keys:
        for size in sizes:
            _, measure = find(size, label)
            if measure and measure.slowest[1]:
                sql = " ".join(measure.slowest[1].split())
                name = f"{label[0]} {label[1]}"
                print(f"  {size:>7,} {name:<36}{measure.slowest[0]:7.1f} ms  {sql[:150]}")
    for size in sizes:
        for name, (source, sql, plan) in results[size]["plans"].items():
            print(f"\nEXPLAIN ANALYZE of the queue's main query, {size:,} cases, {name}: {source}")
            print(f"  {' '.join(sql.split())[:400]}")
            for line in plan:
                print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--registers",
        default="10000:1000,300000:200000",
        help="children:cases of each tenant, smallest first",
    )
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--realistic-queue", type=int, default=300, help="submissions waiting, realistic"
    )
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    setup_django(args.database_url)
    for noisy in ("django.request", "axes"):  # every stub's 404, every sign-in
        logging.getLogger(noisy).setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    datasets = []
    for spec in args.registers.split(","):
        children, cases = (int(n) for n in spec.split(":"))
        dataset = build_dataset(children=children, cases=cases)
        summary = build_assessments(dataset)
        restore_queue(dataset)  # in case an earlier run was interrupted
        datasets.append(dataset)
        print(
            f"tenant {dataset.tenant.slug}: {cases:,} cases, {summary.assessments:,} "
            f"assessments {summary.by_state}, {summary.sections:,} sections, "
            f"{waiting_counts(dataset):,} waiting for the CAF team"
        )
    load_before = os.getloadavg()[0]
    results = measure(datasets, args.repeats, args.realistic_queue)
    print(
        f"\ntest client, {args.repeats} requests each after {WARM_UP} warm-up; load average "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores"
    )
    print_results(datasets, results)


if __name__ == "__main__":
    main()
