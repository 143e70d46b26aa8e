"""Benchmark of Ofsted's Annex A list 2 export (issue 15): time and query count of the list as
CSV and as Excel for the CAF team (the whole tenant), at the size asked for.

    .venv/bin/python bench/annex_a_bench.py --children 1000000 --cases 200000 \\
        --database-url postgres://postgres@127.0.0.1:5432/ecaf_bench

The register comes from bench/dataset.py (built once, then reused). Cases without assessment
dates get them by one UPDATE spread over the last two years, so about a third fall in the list's
six months and the open ones count as current interventions. A script, not a test.
"""

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dataset import build_dataset, setup_django  # noqa: E402


def give_assessment_dates(tenant) -> None:
    from django.db.models import F, Value
    from django.db.models.functions import Mod

    from cases.models import Case

    undated = Case.objects.filter(tenant=tenant, assessment_started_on__isnull=True)
    if not undated.exists():
        return
    # Day offsets from the case id: deterministic, spread over two years, no random() per DB.
    for offset in range(0, 730, 73):
        undated.annotate(spread=Mod(F("id"), Value(730))).filter(
            spread__gte=offset, spread__lt=offset + 73
        ).update(
            assessment_started_on=date.fromordinal(date.today().toordinal() - offset - 36),
            assessment_completed_on=date.fromordinal(date.today().toordinal() - offset),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--tenant", help="the tenant's slug (default: bench<children>)")
    parser.add_argument("--database-url", help="default: $DATABASE_URL")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reports.exports import annex_a_file, annex_a_rows
    from reports.models import ExportKind

    call_command("migrate", verbosity=0)
    dataset = build_dataset(children=args.children, cases=args.cases, tenant_slug=args.tenant)
    give_assessment_dates(dataset.tenant)
    user = dataset.coordinator
    today = timezone.localdate()
    for kind in (ExportKind.ANNEX_A_CSV, ExportKind.ANNEX_A_XLSX):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            rows = []
            content, _ = annex_a_file(
                kind=kind,
                rows=(rows.append(row) or row for row in annex_a_rows(user, today)),
                as_at=today,
                user=user,
                produced_at=timezone.now(),
            )
            elapsed = time.perf_counter() - started
        print(
            f"{kind.label}: {len(rows)} children from {dataset.cases} cases in {elapsed:.2f} s, "
            f"{len(queries)} queries, {len(content) / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
