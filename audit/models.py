"""The two append-only audit tables (R-AUDIT-1).

``ChangeLogEntry`` is django-auditlog's entry for every write, with indexed tenant, case and
child columns so managers can search millions of rows. ``AccessLogEntry`` records what
auditlog cannot: views, prints, exports, denied look-ups and failed logins.

Both refuse updates and deletes here and, on PostgreSQL, in the database itself (a trigger,
see migration 0002), so not even a raw query or ``auditlogflush`` can rewrite history.
"""

from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.db import models
from django.utils import timezone

from audit.context import current_actor


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted.")


class ChangeLogEntry(AppendOnlyModel, AbstractLogEntry):  # noqa: DJ008 (__str__ from auditlog)
    tenant = models.ForeignKey(
        "agencies.Tenant",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # Plain ids, not foreign keys: the trail outlives a purged case or child.
    case_id = models.BigIntegerField(null=True, blank=True)
    child_id = models.BigIntegerField(null=True, blank=True)
    # The agency the actor acted for; managers of other agencies do not see the entry.
    agency_id = models.BigIntegerField(null=True, blank=True)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "change log entry"
        verbose_name_plural = "change log entries"
        indexes = [
            models.Index(fields=["tenant", "-timestamp"], name="changelog_tenant_time"),
            models.Index(fields=["case_id", "-timestamp"], name="changelog_case_time"),
            models.Index(fields=["child_id", "-timestamp"], name="changelog_child_time"),
            models.Index(fields=["actor", "-timestamp"], name="changelog_actor_time"),
            models.Index(fields=["agency_id", "-timestamp"], name="changelog_agency_time"),
            # The kind filter (audit.kinds): content types of a kind, newest first.
            models.Index(
                fields=["tenant", "content_type", "-timestamp"], name="changelog_tenant_kind_time"
            ),
        ]

    def save(self, *args, **kwargs):
        # Scope columns come from the model's get_additional_data(); the actor from the
        # service or request that is acting (audit.context).
        extra = self.additional_data or {}
        self.tenant_id = self.tenant_id or extra.get("tenant_id")
        self.case_id = self.case_id or extra.get("case_id")
        self.child_id = self.child_id or extra.get("child_id")
        actor = current_actor()
        if actor is not None:
            if self.actor_id is None and actor.user is not None:
                self.actor = actor.user
                self.actor_email = getattr(actor.user, "email", None) or None
            self.remote_addr = self.remote_addr or actor.remote_addr
            self.agency_id = self.agency_id or actor.agency_id
        super().save(*args, **kwargs)

    @property
    def changes_display_dict(self) -> dict:
        """auditlog's readable changes; the raw values where it cannot read them (an entry
        written before a related model's primary key changed shape), so one old entry never
        stops the audit page."""
        try:
            return super().changes_display_dict
        except (ValueError, TypeError, LookupError):
            return self.changes_dict


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    PRINT = "print", "Printed"
    EXPORT = "export", "Exported"
    DENIED = "denied", "Denied (not found or not permitted)"
    SEARCH = "search", "Searched the child register"
    LIST = "list", "Listed children"
    AUDIT = "audit", "Searched the audit trail"
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logged out"
    SECOND_FACTOR_FAILED = "2fa_failed", "Failed second factor (code from an app)"
    ROLE_GRANTED = "role_granted", "Casework role granted by an administrator"
    SIGN_IN_UNLOCKED = "unlocked", "Sign-in unlocked by an administrator"
    SECOND_FACTOR_RESET = "2fa_reset", "Authenticator app reset by an administrator"
    API_TOKEN_ISSUED = "token_issued", "Issued an API token"
    API_TOKEN_REVOKED = "token_revoked", "API token ended"


class AccessLogEntry(AppendOnlyModel):
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # As typed at a failed login, where there may be no such user.
    username = models.CharField(max_length=150, blank=True)
    tenant = models.ForeignKey(
        "agencies.Tenant",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    case_id = models.BigIntegerField(null=True, blank=True)
    child_id = models.BigIntegerField(null=True, blank=True)
    # The agency the user acted for (see ChangeLogEntry.agency_id).
    agency_id = models.BigIntegerField(null=True, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-at"], name="accesslog_tenant_time"),
            models.Index(fields=["case_id", "-at"], name="accesslog_case_time"),
            models.Index(fields=["child_id", "-at"], name="accesslog_child_time"),
            models.Index(fields=["user", "-at"], name="accesslog_user_time"),
            models.Index(fields=["action", "-at"], name="accesslog_action_time"),
            models.Index(fields=["agency_id", "-at"], name="accesslog_agency_time"),
            # The kind filter (audit.kinds): actions of a kind in one tenant, newest first.
            models.Index(fields=["tenant", "action", "-at"], name="accesslog_tenant_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_action_display()} by {self.username}"
