from django.conf import settings
from django.db import models


class StaffSession(models.Model):
    """One signed-in browser of a member of staff, so they can see their other sessions and
    end them (ASVS 3.3.4). Written at sign-in, kept current as the session is used, removed at
    sign-out; the session itself stays in Django's session store."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField()
    last_active_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-last_active_at"], name="staff_session_recent")]

    def __str__(self) -> str:
        return f"{self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"
