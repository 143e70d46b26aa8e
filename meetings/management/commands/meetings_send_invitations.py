"""Send the forum invitations and reminders that are due, as the scheduled tasks do; for a
server without a Celery beat, from cron, or to catch up by hand."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from meetings.services.invitations import invitations_send_due, reminders_send_due


class Command(BaseCommand):
    help = "Email the forum invitations and reminders due by today (or --today)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to send for, YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as error:
                raise CommandError("--today must be a date written YYYY-MM-DD") from error
        invitations = invitations_send_due(today=today)
        reminders = reminders_send_due(today=today)
        self.stdout.write(f"{invitations} invitations and {reminders} reminders sent for {today}.")
