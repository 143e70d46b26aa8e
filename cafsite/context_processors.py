"""Which service navigation links a user sees. Each page still checks access itself."""

from agencies.models import CASEWORK_ROLES, AgencyKind
from agencies.second_factor import second_factor_needed
from audit.selectors import may_search_audit


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if hasattr(user, "is_verified") and not user.is_verified() and second_factor_needed(user):
        # Signed in with the password only: nothing to navigate to until the code is entered.
        return {"second_factor_pending": True}
    if user.tenant_id is None:
        return {}
    roles = set(user.memberships.filter(agency__is_active=True).values_list("agency__kind", "role"))
    casework = any(role in CASEWORK_ROLES for _, role in roles)
    caf_team = user.has_dbs_check and any(
        kind == AgencyKind.CAF_TEAM and role in CASEWORK_ROLES for kind, role in roles
    )
    audits = may_search_audit(user)
    return {
        "show_start_link": casework and user.has_dbs_check,
        "show_checks_link": caf_team,
        "show_validation_link": caf_team,
        "show_refusals_link": caf_team,
        "show_audit_link": audits,
        # The log of scheduled jobs (monitoring.views.may_see_runs).
        "show_runs_link": caf_team or audits,
        # The oversight dashboard: managers and the CAF team (reports.access.may_oversee).
        "show_reports_link": caf_team or audits,
        # The dry run of retention, with links on to legal holds and the periods (R-RET-1).
        "show_retention_link": caf_team,
        # Forum dates, for everyone who nominates cases (the pages check it themselves).
        "show_forums_link": casework and user.has_dbs_check,
    }
