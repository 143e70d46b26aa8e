"""Print the code a demo account's authenticator app would show now, so the demo can be
signed in to without a phone. Only for accounts set up with the published demo secret."""

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.management.commands.load_demo_data import demo_totp_key


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo account."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="a demo account (default: any)")

    def handle(self, *args, username: str | None = None, **options):
        devices = TOTPDevice.objects.filter(confirmed=True, key=demo_totp_key())
        if username:
            devices = devices.filter(user__username=username)
        device = devices.first()
        if device is None:
            raise CommandError(
                f"{username or 'No account'} is not a demo account with the demo authenticator."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
