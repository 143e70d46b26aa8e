"""Sign-in lockout (ASVS 2.2.1) with two limits, as a django-axes handler.

Failures are counted per (username, address): guessing one colleague's password locks that
account from that address only, so nobody can lock a colleague out from another machine, and
no user agent is asked (rotating it changed nothing for an attacker). Per address alone there
is a higher ceiling, so one machine spraying many usernames is stopped too, while an office
behind one address is not locked out by a few mistyped passwords. A successful sign-in
resets nothing: an insider cannot clear their guesses by signing in as themselves. A tenant
administrator unlocks an account (``agencies.services.staff_unlock_sign_in``).
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


class AccountAndAddressLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """Failures of this account from this address, or the limit itself once the address
        has passed its own ceiling (so axes' one comparison covers both). get_user_attempts
        follows AXES_LOCKOUT_PARAMETERS: [["username", "ip_address"], "ip_address"]."""
        per_account, per_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if per_address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(per_account, get_failure_limit(request, credentials))
        return per_account
