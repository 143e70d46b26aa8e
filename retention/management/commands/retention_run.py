"""python manage.py retention_run [--today YYYY-MM-DD] [--dry-run]: the daily retention run,
as on a given day, for the embedded default (no worker) and for testing."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from retention.jobs import retention_run


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = "Archive and purge the closed CAFs that are due (R-RET-1)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=_day, help="run as on this day (YYYY-MM-DD)")
        parser.add_argument(
            "--dry-run", action="store_true", help="change nothing; list what would be done"
        )

    def handle(self, *args, today=None, dry_run=False, **options):
        today = today or timezone.localdate()
        result = retention_run(today=today, dry_run=dry_run)
        if dry_run:
            for label, cases in (
                ("would archive", result.to_archive),
                ("would purge", result.to_purge),
                ("held", result.held),
            ):
                for case in cases:
                    self.stdout.write(f"{label}: {case.reference}")
        counts = result.run.counts
        self.stdout.write(
            f"Retention run as of {today:%Y-%m-%d}{' (dry run)' if dry_run else ''}: "
            f"{counts['archived']} archived, {counts['purged']} purged, {counts['held']} held, "
            f"{counts['errors']} errors."
        )
