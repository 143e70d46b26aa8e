"""Writes to tenants, agencies and staff. Each runs in one transaction, checks who may act,
and is attributed to ``by`` in the change log."""

import uuid
from datetime import date

from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import CASEWORK_ROLES, Agency, AgencyKind, Membership, Role, Tenant, User
from agencies.roles import is_tenant_admin
from audit.context import acting_as
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError
from cafsite.validation import require, validate_dbs_check_date


class StaffError(CafError):
    pass


def _require_tenant_admin(by: User, tenant_id: int) -> None:
    if by.is_superuser:
        return
    if by.tenant_id != tenant_id or not is_tenant_admin(by):
        raise StaffError("Only a tenant administrator of this tenant can do this.")


def agency_create(
    *, tenant: Tenant, name: str, kind: AgencyKind, by: User, email: str = "", telephone: str = ""
) -> Agency:
    """Create an agency with the group its staff's case access is granted through (R-TEN-2)."""
    _require_tenant_admin(by, tenant.pk)
    with transaction.atomic(), acting_as(by):
        group = Group.objects.create(name=f"agency-{uuid.uuid4().hex}")
        agency = Agency(
            tenant=tenant, name=name, kind=kind, email=email, telephone=telephone, group=group
        )
        agency.full_clean()
        agency.save()
        return agency


def agency_change_validate(*, agency: Agency, kind: str) -> None:
    """The rules of changing an agency, also run by forms before anything is saved."""
    if (
        agency.kind == AgencyKind.CAF_TEAM
        and kind != AgencyKind.CAF_TEAM
        and agency.memberships.filter(role=Role.CAF_COORDINATOR).exists()
    ):
        raise StaffError(
            "CAF coordinators belong to the CAF team: move them before changing its kind.",
            field="kind",
        )


STALE_AGENCY = (
    "Someone else changed this agency while you were editing it: start again from what is "
    "saved now."
)


def agency_version_check(*, agency_pk: int, version: int | None) -> Agency:
    """Lock the agency's row until the transaction ends and return it as saved; raise
    ``StaffError`` if it has moved on from ``version``, the one the editor started from.
    ``None`` (a caller that read no version) skips the comparison."""
    current = Agency.objects.select_for_update().get(pk=agency_pk)
    if version is not None and current.version != version:
        raise StaffError(STALE_AGENCY, field="version")
    return current


def agency_update(
    *,
    agency: Agency,
    by: User,
    name: str,
    kind: str,
    email: str,
    telephone: str,
    is_active: bool,
    version: int | None = None,
) -> Agency:
    """Change an agency's details; closing or reopening it ends or restores its staff's case
    access through its group in the same transaction (R-TEN-2). ``version`` is the one the
    edit started from: if the agency was saved since, ``StaffError`` and nothing changes."""
    _require_tenant_admin(by, agency.tenant_id)
    with transaction.atomic(), acting_as(by):
        agency = agency_version_check(agency_pk=agency.pk, version=version)
        agency_change_validate(agency=agency, kind=kind)
        reopened_or_closed = agency.is_active != is_active
        agency.name, agency.kind, agency.is_active = name, kind, is_active
        agency.email, agency.telephone = email, telephone
        agency.version += 1
        agency.full_clean()
        agency.save(update_fields=["name", "kind", "email", "telephone", "is_active", "version"])
        if reopened_or_closed:
            for user in User.objects.filter(memberships__agency=agency).distinct():
                staff_sync_agency_groups(user=user)
        return agency


def membership_validate(*, tenant_id: int | None, agency: Agency, role: Role) -> None:
    """The rules of a membership, also run by forms before anything is saved."""
    if tenant_id != agency.tenant_id:
        raise StaffError("Staff can only join agencies of their own tenant.", field="agency")
    if role == Role.CAF_COORDINATOR and agency.kind != AgencyKind.CAF_TEAM:
        raise StaffError("CAF coordinators belong to the CAF team.", field="role")


def self_grant_validate(*, user_id: int | None, by: User, role: str | None = None) -> None:
    """Nobody grants themselves case access: a casework role or a DBS record given to oneself
    would let a tenant administrator read every case of the council (R-AUDIT-2, R-TEN-4).
    Without ``role`` it is the DBS record that is asked about."""
    if user_id is None or user_id != by.pk:
        return
    if role is None:
        raise StaffError(
            "You cannot record your own DBS check. Ask another administrator.",
            field="dbs_checked_on",
        )
    if role in CASEWORK_ROLES:
        raise StaffError(
            "You cannot give yourself a casework role. Ask another administrator.", field="role"
        )


def membership_add(*, user: User, agency: Agency, role: Role, by: User) -> Membership:
    """Give ``user`` a role in ``agency`` of their own tenant (R-TEN-2, R-TEN-3).

    A casework role is never self-granted, and each grant of one is written to the access log
    as such, where the tenant's managers see it."""
    _require_tenant_admin(by, agency.tenant_id)
    membership_validate(tenant_id=user.tenant_id, agency=agency, role=role)
    self_grant_validate(user_id=user.pk, by=by, role=role)
    with transaction.atomic(), acting_as(by):
        membership, created = Membership.objects.get_or_create(user=user, agency=agency, role=role)
        staff_sync_agency_groups(user=user)
        if created and role in CASEWORK_ROLES:
            access_log_record(
                action=AccessAction.ROLE_GRANTED,
                user=by,
                tenant_id=agency.tenant_id,
                # Filed under the agency the role is in: its managers see the grant.
                agency_id=agency.pk,
                detail=f"{user.get_username()} ({user}) was made {Role(role).label} "
                f"in {agency.name}",
            )
        return membership


def membership_remove(*, membership: Membership, by: User) -> None:
    """End a role; access through that agency ends in the same transaction."""
    _require_tenant_admin(by, membership.agency.tenant_id)
    with transaction.atomic(), acting_as(by):
        user = membership.user
        membership.delete()
        staff_sync_agency_groups(user=user)


def staff_sync_agency_groups(*, user: User) -> None:
    """Make the user's agency groups match the agencies where they hold a casework role."""
    wanted = set(
        Group.objects.filter(
            agency__memberships__user=user,
            agency__memberships__role__in=CASEWORK_ROLES,
            agency__is_active=True,
        ).values_list("pk", flat=True)
    )
    current = set(user.groups.filter(agency__isnull=False).values_list("pk", flat=True))
    if wanted - current:
        user.groups.add(*(wanted - current))
    if current - wanted:
        user.groups.remove(*(current - wanted))


def dbs_check_validate(*, checked_on: date | None, reference: str) -> None:
    """The rules of a recorded DBS check, also run by forms before anything is saved."""
    if checked_on is None:
        raise StaffError("Enter the date of the DBS check.", field="dbs_checked_on")
    require("dbs_checked_on", validate_dbs_check_date, checked_on, StaffError)
    if not reference.strip():
        raise StaffError("Enter the DBS certificate number.", field="dbs_reference")


def staff_record_dbs_check(*, user: User, checked_on: date, reference: str, by: User) -> User:
    """Record an enhanced DBS check, without which no case content is shown (R-TEN-4)."""
    _require_tenant_admin(by, user.tenant_id)
    self_grant_validate(user_id=user.pk, by=by)
    dbs_check_validate(checked_on=checked_on, reference=reference)
    with transaction.atomic(), acting_as(by):
        user.dbs_checked_on = checked_on
        user.dbs_reference = reference.strip()
        user.full_clean()
        user.save(update_fields=["dbs_checked_on", "dbs_reference"])
        return user


def staff_unlock_sign_in(*, user: User, by: User) -> int:
    """Lift the lockout of ``user``'s account after repeated failed sign-ins (their failures
    from every address are forgotten); recorded in the access log. Returns how many lockout
    records were cleared."""
    _require_tenant_admin(by, user.tenant_id)
    with transaction.atomic():
        cleared = axes_reset(username=user.get_username())
        access_log_record(
            action=AccessAction.SIGN_IN_UNLOCKED,
            user=by,
            tenant_id=user.tenant_id,
            detail=f"Unlocked the sign-in of {user.get_username()} ({user})",
        )
    return cleared


def staff_reset_second_factor(*, user: User, by: User) -> None:
    """Remove a member of staff's authenticator app and recovery codes (a lost phone): at
    their next sign-in they set up an app again, if their role needs one. Recorded in the
    access log."""
    _require_tenant_admin(by, user.tenant_id)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        access_log_record(
            action=AccessAction.SECOND_FACTOR_RESET,
            user=by,
            tenant_id=user.tenant_id,
            detail=f"Reset the authenticator app of {user.get_username()} ({user})",
        )
