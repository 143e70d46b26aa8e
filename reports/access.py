"""Who may see the managers' reports: the oversight dashboard and the returns (R-REPORT-1,
R-REPORT-2). One rule for every report page, API route and export."""

from agencies.roles import in_caf_team, managed_agency_ids
from cases.permissions import casework_access


def may_oversee(user) -> bool:
    """Managers of an agency and the CAF team, who may see case content at all (an active
    casework role and the enhanced DBS check of R-TEN-4)."""
    if casework_access(user) is None:
        return False
    return bool(managed_agency_ids(user)) or in_caf_team(user)
