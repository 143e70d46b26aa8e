"""Legal holds (R-RET-1): a case, or a whole tenant, kept from archive and purge while an
inquiry or claim needs it, until the hold is lifted. Placed and lifted with who and why."""

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agencies.models import Role, Tenant, User
from agencies.roles import in_caf_team_as, managed_agency_ids
from audit.context import acting_as
from cases.models import Case
from cases.permissions import cases_for_user
from retention.models import LegalHold
from retention.services.policy import RetentionError


def may_hold(user: User, tenant_id: int, case: Case | None) -> bool:
    """A CAF coordinator or manager of the tenant's CAF team, for a case or the whole tenant;
    a manager of another agency, for a case they may see."""
    if not user.is_authenticated or user.tenant_id != tenant_id:
        return False
    if in_caf_team_as(user, Role.CAF_COORDINATOR, Role.MANAGER):
        return True
    return (
        case is not None
        and bool(managed_agency_ids(user))
        and cases_for_user(user).filter(pk=case.pk).exists()
    )


def live_holds(tenant_id: int) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(tenant_id=tenant_id, lifted_at__isnull=True)


def tenant_held(tenant_id: int) -> bool:
    return live_holds(tenant_id).filter(case__isnull=True).exists()


def case_held(case: Case) -> bool:
    """Whether a live hold covers ``case``: one naming it, or one on its whole tenant."""
    return live_holds(case.tenant_id).filter(Q(case__isnull=True) | Q(case_id=case.pk)).exists()


def held_by_case_hold():
    """An expression for a queryset of cases: a live hold names the case."""
    return Exists(LegalHold.objects.filter(case_id=OuterRef("pk"), lifted_at__isnull=True))


def holds_settled(tenant_id: int) -> None:
    """Wait for a hold being placed on the tenant to commit, so the check that follows sees
    it: placing one locks the tenant row exclusively, and this takes a shared lock on it (many
    archives and purges share it at once). Call it inside the archive's or purge's transaction,
    before asking whether the case is held. SQLite runs one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Tenant._meta.db_table)
            sql = f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE"  # noqa: S608 (our own table)
            cursor.execute(sql, [tenant_id])


def legal_hold_place(
    *, tenant: Tenant, case: Case | None = None, reason: str, by: User
) -> LegalHold:
    """Stop archive and purge of ``case`` (or of every case of ``tenant`` when none is given)
    until lifted. A case already held, or a tenant already held as a whole, is refused.
    Audited as ``by``. Raises ``RetentionError``."""
    if case is not None and case.tenant_id != tenant.pk:
        raise RetentionError("Case not found.", field="reference")
    if not may_hold(by, tenant.pk, case):
        raise RetentionError(
            "Only a CAF coordinator or a manager places a legal hold."
            if case is None
            else "Case not found.",
            field=None if case is None else "reference",
        )
    reason = (reason or "").strip()
    if not reason:
        raise RetentionError(
            "Say why the records must be kept (for example, an inquiry).", field="reason"
        )
    with transaction.atomic(), acting_as(by, agency_id=None):
        # The case first, then the tenant: the order archive and purge take them in, so a
        # purge starting now waits for this hold and sees it, and neither waits on the other.
        if case is not None and not list(
            Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True)
        ):
            raise RetentionError("No CAF has that reference.", field="reference")
        # Holds of one tenant are placed one after the other, so two cannot both be "first".
        Tenant.objects.select_for_update().get(pk=tenant.pk)
        held = live_holds(tenant.pk)
        if case is None and held.filter(case__isnull=True).exists():
            raise RetentionError("A hold on the whole council is already in place.")
        if case is not None and held.filter(case=case).exists():
            raise RetentionError("This CAF is already held.", field="reference")
        hold = LegalHold(tenant=tenant, case=case, reason=reason, placed_by=by)
        hold.full_clean()
        hold.save()
    return hold


def legal_hold_lift(*, hold: LegalHold, reason: str, by: User) -> LegalHold:
    """End a hold, saying why; from the next run its cases are archived and purged when due.
    Lifted by whoever may place it. Raises ``RetentionError``."""
    if not may_hold(by, hold.tenant_id, hold.case):
        raise RetentionError("Only a CAF coordinator or a manager lifts a legal hold.")
    reason = (reason or "").strip()
    if not reason:
        raise RetentionError("Say why the hold ends.", field="reason")
    with transaction.atomic(), acting_as(by, agency_id=None):
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise RetentionError("This hold has already been lifted.")
        hold.lifted_at = timezone.now()
        hold.lifted_by = by
        hold.lift_reason = reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return hold
