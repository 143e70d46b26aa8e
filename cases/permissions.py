"""Who may see and act on a case: the one access model (R-AUDIT-2, R-TEN-1, R-TEN-4).

Access is held as django-guardian object permissions granted to agencies' groups: the
assessor's agency and the tenant's CAF team when a case opens; agencies with a consent grant
later (only ``consent`` grants those). Reads go through ``cases_for_user`` and
``get_case_for_user``: every page, API endpoint, PDF, search, count and export starts there.
"""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from agencies.models import Agency
from audit.models import AccessAction
from audit.services import access_log_record
from cases.models import Case

VIEW = "view_case"
CHANGE = "change_case"
AGENCY_PERMS = (VIEW, CHANGE)


def cases_for_user(user, perm: str = VIEW) -> QuerySet[Case]:
    """Every case ``user`` may see (or act on, with ``perm``), within their own tenant.

    Staff without a recorded enhanced DBS check see none (R-TEN-4), and platform superusers,
    who have no tenant, see none: there is no role that bypasses need-to-know.
    """
    if not user.is_authenticated or not user.is_active or user.tenant_id is None:
        return Case.objects.none()
    if not user.has_dbs_check:
        return Case.objects.none()
    return get_objects_for_user(
        user,
        f"cases.{perm}",
        klass=Case.objects.filter(tenant_id=user.tenant_id),
        with_superuser=False,
        accept_global_perms=False,
    )


def get_case_for_user(
    user, pk: int, perm: str = VIEW, *, request: HttpRequest | None = None
) -> Case:
    """The case ``pk`` if ``user`` may see it; otherwise Http404, exactly as for a missing case.

    A refusal is written to the access log with the id that was asked for.
    """
    case = (
        cases_for_user(user, perm)
        .select_related("child", "assessor", "assessor_agency")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        access_log_record(
            action=AccessAction.DENIED,
            user=user,
            request=request,
            case_id=pk,
            detail=f"case not found or not permitted ({perm})",
        )
        raise Http404("No such case.")
    return case


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
