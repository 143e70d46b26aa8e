"""Who may open the forum pages, and the look-ups that answer 404 for anything else: forums
and seasons of one's own tenant, for staff who do case work; seasons for the coordinators;
a nomination only for those who may see its case (R-MAF-4, R-AUDIT-2)."""

from django.http import Http404

from agencies.models import Role
from agencies.roles import in_caf_team_as
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.validation import parse_id
from cases.permissions import casework_access
from meetings.models import Forum, ForumSeason, Nomination
from meetings.services.nominations import visible_nominations


def may_see_forums(user) -> bool:
    """Staff of the tenant who do case work (with the DBS check case content needs): the
    dates, venues and sessions of forums, to nominate for them."""
    return casework_access(user) is not None


def is_coordinator(user) -> bool:
    return in_caf_team_as(user, Role.CAF_COORDINATOR)


def _refuse(user, request, what: str, pk):
    access_log_record(
        action=AccessAction.DENIED,
        user=user,
        request=request,
        detail=f"{what} {str(pk)[:40]} not found or not permitted",
    )
    raise Http404(f"No such {what}.")


def forum_for_user(user, pk, *, request=None) -> Forum:
    forum_id = parse_id(pk)
    forum = None
    if forum_id and may_see_forums(user):
        forum = (
            Forum.objects.select_related("season", "chair")
            .filter(pk=forum_id, tenant_id=user.tenant_id)
            .first()
        )
    if forum is None:
        _refuse(user, request, "forum", pk)
    return forum


def season_for_coordinator(user, pk, *, request=None) -> ForumSeason:
    season_id = parse_id(pk)
    season = None
    if season_id and is_coordinator(user):
        season = ForumSeason.objects.filter(pk=season_id, tenant_id=user.tenant_id).first()
    if season is None:
        _refuse(user, request, "season", pk)
    return season


def nomination_for_user(user, pk, *, request=None) -> Nomination:
    """The nomination ``pk`` if ``user`` may see its case; 404 as for a missing one."""
    nomination_id = parse_id(pk)
    nomination = None
    if nomination_id and may_see_forums(user):
        nomination = (
            visible_nominations(
                user, Nomination.objects.filter(pk=nomination_id, tenant_id=user.tenant_id)
            )
            .select_related(
                "case__child",
                "session__forum__season",
                "session__forum__chair",
                "nominated_by",
                "nominated_by_agency",
                "late_accepted_by",
            )
            .first()
        )
    if nomination is None:
        _refuse(user, request, "nomination", pk)
    return nomination
