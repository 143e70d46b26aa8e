"""Who may see and act on a case: the one access model (R-AUDIT-2, R-TEN-1, R-TEN-4, R-RET-1).

Grants are held as django-guardian object permissions on agencies' groups, in guardian's direct
foreign-key table: the assessor's agency and the tenant's CAF team when a case opens, agencies
with a consent grant later (only ``consent`` writes those). Every page, API endpoint, PDF,
search, count and export reads through ``cases_for_user`` and ``get_case_for_user``.

Access is answered from an index, whatever the number of cases: the CAF team sees its tenant by
rule (a tenant filter); anyone else sees a case when an ``EXISTS`` finds a permission row for
one of their agencies' groups. guardian's ``get_objects_for_user`` is not used: it builds
``id IN (subquery)``, which PostgreSQL answers by loading every visible id (FIELD-NOTES).
"""

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest
from guardian.shortcuts import assign_perm, remove_perm

from agencies.models import CASEWORK_ROLES, Agency, AgencyKind
from audit.models import AccessAction
from audit.services import access_log_record
from cases.models import Case, CaseGroupObjectPermission, CaseState

VIEW = "view_case"
CHANGE = "change_case"
AGENCY_PERMS = (VIEW, CHANGE)

# Ids beyond a bigint are not ids of anything; refusing them early keeps the database quiet.
LARGEST_ID = 2**63 - 1


@dataclass(frozen=True)
class CaseworkAccess:
    """What a user's memberships allow: their tenant, the groups of the agencies where they
    hold a casework role, and whether one of those is the tenant's CAF team."""

    tenant_id: int
    group_ids: tuple[int, ...]
    agency_ids: tuple[int, ...]
    caf_team: bool
    # Permission ids as literals: a join to auth_permission hides the rows' selectivity from
    # PostgreSQL's planner, which then misjudges every list (measured: 700 ms instead of 1).
    permission_ids: dict[str, int]


def casework_access(user) -> CaseworkAccess | None:
    """The user's casework access, or None for anyone who may see no case content at all:
    not signed in, inactive, platform superusers (no role bypasses need-to-know), staff with
    no tenant, no recorded enhanced DBS check (R-TEN-4), or no casework role in an active
    agency (a tenant administrator as such). Answered once per user object."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_casework_access", False)
    if cached is not False:
        return cached
    access = None
    if user.is_active and not user.is_superuser and user.tenant_id and user.has_dbs_check:
        agencies = list(
            Agency.objects.filter(
                tenant_id=user.tenant_id,
                is_active=True,
                memberships__user=user,
                memberships__role__in=CASEWORK_ROLES,
            )
            .values_list("pk", "group_id", "kind")
            .distinct()
        )
        if agencies:
            access = CaseworkAccess(
                tenant_id=user.tenant_id,
                group_ids=tuple(sorted({group for _, group, _ in agencies})),
                agency_ids=tuple(sorted({pk for pk, _, _ in agencies})),
                caf_team=any(kind == AgencyKind.CAF_TEAM for _, _, kind in agencies),
                permission_ids=dict(
                    Permission.objects.filter(
                        content_type__app_label="cases", codename__in=AGENCY_PERMS
                    ).values_list("codename", "pk")
                ),
            )
    user._casework_access = access
    return access


def _granted(access: CaseworkAccess, perm: str):
    """A permission row on the outer case for one of the user's agencies' groups."""
    return Exists(
        CaseGroupObjectPermission.objects.filter(
            content_object_id=OuterRef("pk"),
            group_id__in=access.group_ids,
            permission_id=access.permission_ids[perm],
        )
    )


def cases_for_user(user, perm: str = VIEW) -> QuerySet[Case]:
    """Every case ``user`` may see (or act on, with ``perm``), within their own tenant.

    The tenant's CAF team sees every case of the tenant, archived ones included; anyone else
    sees the cases their agencies hold a grant on, while they are not archived. An archived
    case is read-only: nobody, the CAF team included, holds CHANGE on it (R-RET-1).
    """
    access = casework_access(user)
    if access is None:
        return Case.objects.none()
    cases = Case.objects.filter(tenant_id=access.tenant_id)
    if access.caf_team:
        return cases if perm == VIEW else cases.exclude(state=CaseState.ARCHIVED)
    return cases.exclude(state=CaseState.ARCHIVED).filter(_granted(access, perm))


def with_visible_case(user, queryset: QuerySet, case_field: str = "case", perm: str = VIEW):
    """Rows of another model (nominations, plan actions, tasks...) whose case ``user`` may
    see, answered as ``cases_for_user`` answers: a tenant filter for the CAF team, an EXISTS
    on the permission table on the row's own case column for anyone else, never a list of
    every visible case."""
    access = casework_access(user)
    if access is None:
        return queryset.none()
    rows = queryset.filter(**{f"{case_field}__tenant_id": access.tenant_id})
    if access.caf_team:
        # Archived cases are read-only for the CAF team too (R-RET-1).
        return (
            rows if perm == VIEW else rows.exclude(**{f"{case_field}__state": CaseState.ARCHIVED})
        )
    granted = CaseGroupObjectPermission.objects.filter(
        content_object_id=OuterRef(f"{case_field}_id"),
        group_id__in=access.group_ids,
        permission_id=access.permission_ids[perm],
    )
    return rows.exclude(**{f"{case_field}__state": CaseState.ARCHIVED}).filter(Exists(granted))


def user_may(user, case: Case, perm: str) -> bool:
    """Whether ``user`` holds ``perm`` on a case already known to be visible to them."""
    return cases_for_user(user, perm).filter(pk=case.pk).exists()


def acting_agency_id(user, case: Case) -> int | None:
    """The agency through which ``user`` works on ``case``: the assessor's agency if they are
    in it, else the CAF team, else an agency of theirs that holds a grant. Audit entries are
    filed under it, so a manager sees what was done for their agency and nothing else."""
    access = casework_access(user)
    if access is None or access.tenant_id != case.tenant_id:
        return None
    if case.assessor_agency_id in access.agency_ids:
        return case.assessor_agency_id
    if access.caf_team:
        return (
            Agency.objects.filter(pk__in=access.agency_ids, kind=AgencyKind.CAF_TEAM)
            .values_list("pk", flat=True)
            .first()
        )
    return (
        CaseGroupObjectPermission.objects.filter(content_object=case, group_id__in=access.group_ids)
        .order_by("group__agency")
        .values_list("group__agency", flat=True)
        .first()
    )


def agency_sees_case(agency_id: int, case: Case) -> bool:
    """Whether ``agency``'s staff may see ``case``: the CAF team, or a grant to its group."""
    if Agency.objects.filter(
        pk=agency_id, kind=AgencyKind.CAF_TEAM, tenant_id=case.tenant_id
    ).exists():
        return True
    return CaseGroupObjectPermission.objects.filter(
        content_object=case, group__agency=agency_id
    ).exists()


def _as_id(pk) -> int | None:
    try:
        number = int(str(pk))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= LARGEST_ID else None


def get_case_for_user(user, pk, perm: str = VIEW, *, request: HttpRequest | None = None) -> Case:
    """The case ``pk`` if ``user`` may see it (or act on it, with ``perm``); otherwise Http404,
    exactly as for a missing case. A refusal is written to the access log under the tenant
    that owns the case, so its managers see who probed it, with the id as it was asked for."""
    case_id = _as_id(pk)
    case = None
    if case_id is not None:
        case = (
            cases_for_user(user, perm)
            .select_related("child", "assessor", "assessor_agency")
            .filter(pk=case_id)
            .first()
        )
    if case is None:
        owner = Case.objects.filter(pk=case_id).values("tenant_id", "child_id").first()
        access_log_record(
            action=AccessAction.DENIED,
            user=user,
            request=request,
            case_id=case_id,
            child_id=owner["child_id"] if owner else None,
            tenant_id=owner["tenant_id"] if owner else None,
            detail=f"case {str(pk)[:40]} not found or not permitted ({perm})",
        )
        raise Http404("No such case.")
    return case


def case_access_record(
    *, user, case: Case, request: HttpRequest | None, action=AccessAction.VIEW, detail=""
) -> None:
    """Log a view, print or export of ``case`` under the agency the user acted for."""
    access_log_record(
        action=action,
        user=user,
        request=request,
        case=case,
        agency_id=acting_agency_id(user, case),
        detail=detail,
    )


def agency_access_grant(*, case: Case, agency: Agency, perms: tuple = AGENCY_PERMS) -> None:
    """Give every casework member of ``agency`` access to ``case`` (view and change unless
    ``perms`` says less). Call inside the service's transaction so the grant and the reason
    for it commit together."""
    if agency.tenant_id != case.tenant_id:
        raise ValueError("An agency of another tenant cannot be given access to this case.")
    for perm in perms:
        assign_perm(perm, agency.group, case)


def agency_access_revoke(*, case: Case, agency: Agency) -> None:
    for perm in AGENCY_PERMS:
        remove_perm(perm, agency.group, case)
