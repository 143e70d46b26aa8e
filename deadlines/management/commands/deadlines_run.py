from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deadlines.jobs import deadlines_run


class Command(BaseCommand):
    help = (
        "Send the reminders of items due or overdue (at most one per item, person and day) "
        "and, on Mondays or with --digest, the coordinators' weekly digest, as on --today."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="run as on this day, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--digest",
            action="store_true",
            help="send the weekly digest whatever the day (still once per person and week)",
        )
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction")

    def handle(self, *args, today=None, digest=False, batch=500, **options):
        if today:
            try:
                day = date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(f"--today: give a date as YYYY-MM-DD, not {today!r}") from error
        else:
            day = timezone.localdate()
        if batch < 1:
            raise CommandError("--batch: give a positive number")
        for run in deadlines_run(today=day, batch=batch, digest=True if digest else None):
            done = ", ".join(f"{name} {count}" for name, count in sorted(run.counts.items()))
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.stdout.write(
                f"{run.get_kind_display()} as of {day:%d/%m/%Y}: {run.get_state_display()} "
                f"in {seconds:.1f} s ({done or 'nothing to send'})"
            )
