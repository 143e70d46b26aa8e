"""The team around the child: agencies that work on a case, not only see it.

Consent lets an agency see a case (consent.services grants VIEW); joining the team gives its
staff CHANGE as well, for as long as the family's consent covers the agency (R-CONSENT-4).
An accepted join request, an accepted lead professional and an accepted request for service
each bring their agency in through ``team_agency_join``."""

from django.db import IntegrityError, transaction

from agencies.models import Agency, User
from audit.context import acting_as
from cafsite.errors import CafError
from cases.models import Case, TeamJoinReason, TeamMembership
from cases.permissions import CHANGE, VIEW, agency_access_grant


class TeamError(CafError):
    pass


def team_agency_join(
    *, case: Case, agency: Agency, by: User, reason: TeamJoinReason
) -> TeamMembership:
    """Add ``agency`` to the case's team (or return its standing membership). Refused when the
    family has not agreed to share the case with it. Called inside the caller's transaction,
    with the case locked."""
    from consent.services import agency_excluded  # consent builds on cases

    if agency.tenant_id != case.tenant_id or not agency.is_active:
        raise TeamError("Choose an agency of this area.", field="agency")
    if agency_excluded(case, agency):
        raise TeamError(
            f"The family has not agreed to share this CAF with {agency.name}: it cannot join "
            "the team until new consent is recorded.",
            field="agency",
        )
    standing = TeamMembership.objects.filter(case=case, agency=agency, left_at__isnull=True)
    if (membership := standing.first()) is not None:
        return membership
    with transaction.atomic(), acting_as(by, agency_id=agency.pk):
        try:
            with transaction.atomic():
                membership = TeamMembership.objects.create(
                    tenant_id=case.tenant_id, case=case, agency=agency, reason=reason, added_by=by
                )
        except IntegrityError:
            return standing.get()
        agency_access_grant(case=case, agency=agency, perms=(VIEW, CHANGE))
    return membership


def team_of(case: Case):
    """The agencies in the case's team now, oldest member first."""
    return TeamMembership.objects.filter(case=case, left_at__isnull=True).select_related("agency")
