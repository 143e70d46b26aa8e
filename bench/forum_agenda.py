"""Benchmark of the forum agenda (issue 12, R-MAF-3): the builder and the agenda PDF.

    .venv/bin/python bench/forum_agenda.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ecaf_bench_agenda

- The pure builder (``meetings.agenda.build_agenda``) on 15 cases heard by 12 attendees (the
  exact dynamic programme) and on 40 cases heard by 30 (the heuristic), attendees named as a
  council's practitioners are (bench/dataset.py's name pools): the median time of several
  builds, and the total attendee minutes of its order against the same cases in nomination
  order.
- The forum agenda PDF with 20 cases on it (two sessions of 10), built through the services
  on a register from bench/dataset.py: the median of several renders of
  ``meetings.forum_pdf.agenda_pdf`` (queries and WeasyPrint) and of the whole request through
  the test client (print logged per case). Must stay under a second.
- ``Case.objects.get(pk=...)`` in the same run as the baseline.

Everything the run writes to the database is rolled back at the end. A script, not a test.
"""

import argparse
import io
import logging
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.access_model import percentile, signed_in_client  # noqa: E402
from bench.dataset import build_dataset, name_pools, setup_django  # noqa: E402


def practitioner_names(rng: random.Random, count: int) -> list[str]:
    pools = name_pools(rng)
    shares = [share for share, _ in pools]
    names: set[str] = set()
    while len(names) < count:
        pool = rng.choices([pool for _, pool in pools], weights=shares)[0]
        given = rng.choice(pool.girls if rng.random() < 0.7 else pool.boys)
        names.add(f"{given} {rng.choice(pool.surnames)}")
    return sorted(names)


def nominations(rng: random.Random, cases: int, attendees: int):
    """``cases`` nominations heard by ``attendees`` people: a presenter each and one to three
    other agencies' practitioners, some of whom hear several cases."""
    from meetings.agenda import Nomination

    people = practitioner_names(rng, attendees)
    result = []
    for key in range(cases):
        heard_by = {people[key % attendees]}
        heard_by |= set(rng.sample(people, rng.randint(1, 3)))
        result.append(
            Nomination(
                key=key,
                is_review=rng.random() < 0.35,
                attendees=frozenset(heard_by),
                level_of_need=rng.choice([2, 2, 3, 3, 4]),
                review_overdue_days=rng.choice([0, 0, 0, 5, 30]),
                waiting_days=rng.randint(0, 60),
            )
        )
    return result


def time_builder(cases: int, attendees: int, repeats: int, seed: int) -> dict:
    from meetings.agenda import build_agenda

    values = nominations(random.Random(seed), cases, attendees)
    minutes = sum(v.minutes for v in values)  # room for every case: the order is what is timed
    times, agenda = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        agenda = build_agenda(values, minutes)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "cases": cases,
        "attendees": len({a for v in values for a in v.attendees}),
        "method": agenda.method,
        "median_ms": statistics.median(times),
        "max_ms": max(times),
        "attendee_minutes": agenda.attendee_minutes,
        "nomination_order_minutes": agenda.nomination_order_minutes,
    }


def forum_with_cases(dataset, cases: int):
    """A forum of two sessions with ``cases`` cases of the register nominated (half each) and
    the agenda built by the coordinator through the services."""
    from django.utils import timezone

    from agencies.models import Membership
    from cases.models import Case
    from deadlines.rules import add_working_days
    from meetings.models import Nomination, NominationAttendee, NominationKind
    from meetings.services.agenda import agenda_build
    from meetings.services.forums import forum_schedule, forum_session_add, season_create

    coordinator = dataset.coordinator
    season = season_create(by=coordinator, name=f"Bench forums {time.time_ns()}", area="Bench")
    day = add_working_days(timezone.localdate(), 20)
    forum = forum_schedule(
        season=season,
        by=coordinator,
        held_on=day,
        venue="Burleigh Community College",
        nomination_deadline=timezone.make_aware(
            datetime.combine(day - timedelta(days=5), clock(12))
        ),
        chair=coordinator,
    )
    sessions = [
        forum_session_add(
            forum=forum, by=coordinator, cluster=cluster, starts_at=start, ends_at=end
        )
        for cluster, start, end in (
            ("Wreake Valley and all feeder schools", clock(9), clock(12, 30)),
            ("Longslade and all feeder schools", clock(13, 30), clock(17)),
        )
    ]
    agency_of = dict(
        Membership.objects.filter(user__in=dataset.practitioners).values_list(
            "user_id", "agency_id"
        )
    )
    rng = random.Random(12)
    chosen = list(
        Case.objects.filter(tenant=dataset.tenant).select_related("child").order_by("pk")[:cases]
    )
    for index, case in enumerate(chosen):
        session = sessions[index % 2]
        # Set up as rows: the register's cases have no logged CAF for nomination_create.
        nomination = Nomination.objects.create(
            tenant=dataset.tenant,
            session=session,
            case=case,
            kind=NominationKind.NEW,
            nominated_by=case.assessor,
            nominated_by_agency=case.assessor_agency,
        )
        NominationAttendee.objects.create(
            nomination=nomination, agency=case.assessor_agency, user=case.assessor
        )
        for user in rng.sample(dataset.practitioners, 2):
            if user.pk != case.assessor_id and user.pk in agency_of:
                NominationAttendee.objects.get_or_create(
                    nomination=nomination, user=user, defaults={"agency_id": agency_of[user.pk]}
                )
    for session in sessions:
        agenda_build(session=session, by=coordinator)
    return forum


def time_pdf(dataset, repeats: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from pypdf import PdfReader

    from cases.models import Case
    from meetings.forum_pdf import agenda_pdf
    from meetings.models import NominationState

    forum = forum_with_cases(dataset, 20)
    scheduled = sum(
        s.nominations.filter(state=NominationState.SCHEDULED).count() for s in forum.sessions.all()
    )
    coordinator = dataset.coordinator
    renders, pages = [], 0
    for attempt in range(repeats + 1):
        started = time.perf_counter()
        pdf, _ = agenda_pdf(
            forum, printed_by=coordinator, printed_at=timezone.localtime(), base_url="http://x/"
        )
        if attempt:  # the first loads WeasyPrint and its fonts
            renders.append((time.perf_counter() - started) * 1000)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    client = signed_in_client(coordinator)
    url = f"/forums/{forum.pk}/agenda.pdf"
    requests, queries = [], 0
    for attempt in range(repeats + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        if attempt:
            requests.append(elapsed)
            queries = len(captured)
    case_ids = list(Case.objects.filter(tenant=dataset.tenant).values_list("pk", flat=True)[:50])
    baseline = []
    for pk in case_ids * 4:
        started = time.perf_counter()
        Case.objects.get(pk=pk)
        baseline.append((time.perf_counter() - started) * 1000)
    return {
        "scheduled": scheduled,
        "pages": pages,
        "render_median": statistics.median(renders),
        "render_p95": percentile(renders, 0.95),
        "render_min": min(renders),
        "request_median": statistics.median(requests),
        "request_p95": percentile(requests, 0.95),
        "request_min": min(requests),
        "request_queries": queries,
        "baseline_median": statistics.median(baseline),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    setup_django(args.database_url)
    for noisy in ("django.request", "axes"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    dataset = build_dataset(children=args.children, cases=args.cases)

    print("The builder (pure Python, no database):")
    for cases, attendees in ((15, 12), (40, 30)):
        r = time_builder(cases, attendees, args.repeats, seed=cases)
        saved = r["nomination_order_minutes"] - r["attendee_minutes"]
        print(
            f"  {r['cases']} cases, {r['attendees']} attendees, {r['method']}: median "
            f"{r['median_ms']:.1f} ms (max {r['max_ms']:.1f}); attendee time "
            f"{r['attendee_minutes']} min against {r['nomination_order_minutes']} in "
            f"nomination order ({saved} min, "
            f"{100 * saved / r['nomination_order_minutes']:.0f}% less)"
        )
    with transaction.atomic():
        r = time_pdf(dataset, args.repeats)
        transaction.set_rollback(True)
    print(f"\nThe forum agenda PDF, {r['scheduled']} cases in 2 sessions, {r['pages']} pages:")
    print(
        f"  agenda_pdf(): median {r['render_median']:.0f} ms, p95 {r['render_p95']:.0f} ms, "
        f"min {r['render_min']:.0f} ms ({args.repeats} renders after a warm-up)"
    )
    print(
        f"  GET /forums/<id>/agenda.pdf: median {r['request_median']:.0f} ms, p95 "
        f"{r['request_p95']:.0f} ms, min {r['request_min']:.0f} ms, {r['request_queries']} "
        "queries (print logged per case)"
    )
    print(f"  baseline Case.objects.get(pk=...): median {r['baseline_median']:.2f} ms")
    verdict = "under" if r["request_median"] < 1000 else "OVER"
    print(
        f"  median {verdict} the 1 second budget; load average {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
