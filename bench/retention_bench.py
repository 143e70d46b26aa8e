"""Benchmark of the daily retention run (issue 14, R-RET-1): 200,000 closed CAFs, closed 0-10
years ago, on PostgreSQL; the archive scan and the purge run's duration and peak memory.

    .venv/bin/python bench/retention_bench.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ecaf_bench_retention

The children come from bench/dataset.py (its realistic register names, built once and
reused); the cases are bulk-loaded here (COPY), each closed on a day in the last ten years,
archived when it closed more than a year ago (as the daily archive would have left it), with
its agencies' access rows and, for one in five, a consent shared with another agency.

It prints: a primary-key lookup (the baseline), the archive scan (this script's own SQL: the
retention job's archive is another part of the issue) and the archive of the day's due cases,
the purge's due-case scan with its EXPLAIN ANALYZE, and ``purge_due_batch`` for a day's due
cases (the steady state: older ones were purged on earlier days) and for a week's (a catch-up
after the worker was down), with peak Python memory (tracemalloc) and the process's peak
resident size. Target: the daily run under 60 s. A script, not a test.
"""

import argparse
import random
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dataset import BATCH, _next_ids, _write, build_dataset, setup_django  # noqa: E402

CASES = 200_000
YEARS = 10


def load_closed_cases(dataset, count: int, rng: random.Random, today: date) -> None:
    """``count`` closed or archived cases, one per child, closed 0-``YEARS`` years ago."""
    from django.contrib.auth.models import Permission
    from django.db import transaction

    from cases.models import Case, CaseGroupObjectPermission, CaseState, Child
    from consent.models import Consent, ConsentGrant

    view = Permission.objects.get(content_type__app_label="cases", codename="view_case")
    children = list(
        Child.objects.filter(tenant=dataset.tenant).order_by("pk").values_list("pk", flat=True)
    )[:count]
    assessors = {}
    for user in dataset.practitioners:
        assessors.setdefault(user.memberships.first().agency_id, user)
    working = [agency for agency in dataset.agencies if agency.pk in assessors]
    started = time.perf_counter()
    done = 0
    with transaction.atomic():
        while done < len(children):
            batch = children[done : done + BATCH]
            first = _next_ids(Case, len(batch))
            consenting = [n for n in range(len(batch)) if rng.random() < 0.2]
            consent_first = _next_ids(Consent, len(consenting)) if consenting else 0
            consent_of = {n: consent_first + i for i, n in enumerate(consenting)}
            cases, perms, consents, grants = [], [], [], []
            for offset, child_id in enumerate(batch):
                pk = first + offset
                agency = working[(done + offset) % len(working)]
                assessor = assessors[agency.pk]
                closed_on = today - timedelta(days=rng.randrange(0, YEARS * 365))
                opened = datetime.combine(closed_on, datetime.min.time(), UTC) - timedelta(
                    days=rng.randrange(90, 700)
                )
                archived = closed_on <= today - timedelta(days=366)
                cases.append(
                    (
                        pk,
                        dataset.tenant.pk,
                        child_id,
                        assessor.pk,
                        agency.pk,
                        CaseState.ARCHIVED if archived else CaseState.CLOSED,
                        opened.isoformat(),
                        closed_on,
                        closed_on.replace(year=closed_on.year + 1, day=min(closed_on.day, 28))
                        if archived
                        else None,
                        opened.isoformat(),
                        "",
                    )
                )
                # Archived: the CAF team's only (R-RET-1); closed: the agency's too.
                groups = [dataset.caf_team.group_id] + ([] if archived else [agency.group_id])
                perms += [(group, view.pk, pk) for group in groups]
                if offset in consent_of:
                    consent_id = consent_of[offset]
                    consents.append(
                        (consent_id, pk, "parent", "A Parent", "Mother", "", True, True)
                        + ("named_only", "written", "A Parent", opened.date(), "")
                        + (assessor.pk, opened.isoformat(), "")
                    )
                    other = rng.choice([a for a in working if a.pk != agency.pk])
                    grants.append((consent_id, other.pk, opened.isoformat()))
            _write(
                Case,
                ["id", "tenant_id", "child_id", "assessor_id", "assessor_agency_id", "state"]
                + ["intention_logged_at", "closed_on", "archived_on", "updated_at"]
                + ["stepped_down_from"],
                cases,
            )
            _write(
                CaseGroupObjectPermission, ["group_id", "permission_id", "content_object_id"], perms
            )
            _write(
                Consent,
                ["id", "case_id", "given_by", "giver_name", "relationship"]
                + ["competence_evidence", "to_undertake", "to_record", "share_scope", "method"]
                + ["signed_name", "signed_on", "scan", "recorded_by_id", "recorded_at"]
                + ["withdrawal_note"],
                consents,
            )
            _write(ConsentGrant, ["consent_id", "agency_id", "granted_at"], grants)
            done += len(batch)
            print(f"  {done} closed cases ({time.perf_counter() - started:.0f} s)")


def timed(function, repeat: int = 1) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def explain(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(f"    {row[0]}" for row in cursor.fetchall())


def archive_due_ids(tenant_id: int, today: date) -> list[int]:
    """The archive run's scan, in SQL of its own: closed CAFs a year past their closure, not
    held (the national default policy)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id FROM cases_case c
            WHERE c.state = 'closed' AND c.closed_on <= %s AND c.tenant_id = %s
              AND NOT EXISTS (SELECT 1 FROM retention_legalhold h
                              WHERE h.lifted_at IS NULL
                                AND (h.case_id = c.id
                                     OR (h.tenant_id = c.tenant_id AND h.case_id IS NULL)))
            """,
            [today - timedelta(days=365), tenant_id],
        )
        return [row[0] for row in cursor.fetchall()]


def archive(ids: list[int], today: date, caf_team_group: int) -> int:
    """What archiving does to the rows (R-RET-1): state and date, and every access but the CAF
    team's removed, in one transaction."""
    from django.db import transaction

    from cases.models import Case, CaseGroupObjectPermission, CaseState

    with transaction.atomic():
        locked = list(
            Case.objects.filter(pk__in=ids, state=CaseState.CLOSED)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        CaseGroupObjectPermission.objects.filter(content_object_id__in=locked).exclude(
            group_id=caf_team_group
        ).delete()
        return Case.objects.filter(pk__in=locked).update(
            state=CaseState.ARCHIVED, archived_on=today
        )


def purge_run(today: date, batch: int) -> tuple[float, int, dict]:
    """``purge_due_batch`` as the job calls it, with tracemalloc's peak."""
    from retention.purge import purge_due_batch

    tracemalloc.start()
    started = time.perf_counter()
    counts = purge_due_batch(today=today, batch=batch, run=None)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL")
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Case, CaseState
    from retention.models import PurgeRecord
    from retention.purge import _not_held, due_for_purge

    if connection.vendor != "postgresql":
        raise SystemExit("Run it on PostgreSQL (--database-url postgres://...).")
    call_command("migrate", verbosity=0)
    today = date.today()
    slug = f"retention{args.cases}"
    if PurgeRecord.objects.filter(tenant__slug=slug).exists():
        raise SystemExit(
            "A run purged this register: drop and create the database, then run again."
        )
    dataset = build_dataset(children=args.cases, cases=0, tenant_slug=slug)
    cases = Case.objects.filter(tenant=dataset.tenant)
    if not cases.exists():
        load_closed_cases(dataset, args.cases, random.Random(20261203), today)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    total = cases.count()
    archived = cases.filter(state=CaseState.ARCHIVED).count()
    print(f"\n{total} cases in tenant {slug}: {archived} archived, {total - archived} closed")

    some = list(cases.order_by("?").values_list("pk", flat=True)[:100])
    lookup, _ = timed(lambda: [Case.objects.get(pk=pk) for pk in some])
    print(f"baseline: primary-key lookup of one case {lookup / len(some) * 1000:.2f} ms")

    seconds, due = timed(lambda: archive_due_ids(dataset.tenant.pk, today), repeat=5)
    print(f"archive scan: {len(due)} closed cases due, {seconds * 1000:.1f} ms (median of 5)")
    seconds, done = timed(lambda: archive(due, today, dataset.caf_team.group_id))
    print(f"archive of the day's due cases: {done} in {seconds:.2f} s")

    oldest = cases.filter(state=CaseState.ARCHIVED).order_by("closed_on").first().closed_on
    # The steady state: cases closed before ``oldest`` were purged on earlier days, so the day
    # ``oldest`` falls due purges one day's closures. Then a week's, as after an outage.
    first_day = oldest + timedelta(days=7 * 365)
    while not due_for_purge(today=first_day).exists():
        first_day += timedelta(days=1)
    for label, day in (("today's backlog", today), ("the daily run's", first_day)):
        scan = due_for_purge(today=day).filter(_not_held()).order_by("pk").values("pk")
        scan = scan[: args.batch]
        seconds, ids = timed(lambda scan=scan: list(scan.all()), repeat=5)
        print(
            f"purge due-case scan, {label} (as of {day}: {due_for_purge(today=day).count()} "
            f"due), one batch of {len(ids)}: {seconds * 1000:.1f} ms (median of 5)"
        )
        print(f"EXPLAIN ANALYZE of the due-case scan, {label}:")
        print(explain(scan))

    for label, day in (("a day's", first_day), ("a week's", first_day + timedelta(days=7))):
        seconds, peak, counts = purge_run(day, args.batch)
        per_case = seconds / counts["purged"] * 1000 if counts["purged"] else 0
        print(
            f"purge run, {label} due cases (as of {day}): {counts} in {seconds:.2f} s "
            f"({per_case:.1f} ms a case), peak Python memory {peak / 1e6:.1f} MB"
        )
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident size: {peak_rss:.0f} MB")


if __name__ == "__main__":
    main()
