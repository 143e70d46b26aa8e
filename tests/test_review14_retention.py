"""Review of issue 14: the retention run and its dry run agree, whatever the case's history."""

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from assessments.services import assessment_begin
from cases.models import Case, CaseState
from delivery.models import ClosureReason, LeadDispute, LeadDisputeState
from delivery.services.closure import case_close
from delivery.services.lead import lead_dispute_raise
from meetings.models import ParticipantResponse, TacParticipant
from meetings.services.tac import tac_participant_invite
from retention import jobs
from retention.models import PurgeRecord
from tests.assessment_states import consented_case
from tests.test_tac_meetings import convene

TODAY = timezone.localdate()


def _closed_long_ago(world, years: int) -> Case:
    """A CAF that closed ``years`` ago and was never archived (a legal hold kept it, since
    lifted, or the runs did not run): the next run archives it and, as its purge day has come
    too, purges it."""
    case = world.a.case
    case_close(
        case=case,
        by=world.a.users["coordinator"],
        reason=ClosureReason.MOVED_AWAY,
        note="The family moved to another council.",
    )
    Case.objects.filter(pk=case.pk).update(closed_on=TODAY - relativedelta(years=years))
    return Case.objects.get(pk=case.pk)


def test_the_dry_run_lists_a_case_the_run_archives_and_purges_in_one_go(world):
    case = _closed_long_ago(world, 8)

    dry = jobs.retention_run(today=TODAY, dry_run=True)
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED
    jobs.retention_run(today=TODAY)

    assert not Case.objects.filter(pk=case.pk).exists()
    assert PurgeRecord.objects.filter(reference=case.reference).exists()
    assert case.pk in [c.pk for c in dry.to_purge], "the dry run must warn it will be purged"
    assert dry.run.counts["purged"] == 1


def test_the_caf_team_cannot_resolve_a_lead_disagreement_of_an_archived_caf(world, login):
    case = world.a.case
    dispute = lead_dispute_raise(case=case, by=world.a.users["assessor"], about="Who leads?")
    case_close(
        case=case,
        by=world.a.users["coordinator"],
        reason=ClosureReason.MOVED_AWAY,
        note="The family moved to another council.",
    )
    # Closing settles a disagreement now; one left open by a CAF closed before that must
    # still not be resolved once the CAF is archived.
    assert LeadDispute.objects.get(pk=dispute.pk).state == LeadDisputeState.ENDED
    LeadDispute.objects.filter(pk=dispute.pk).update(
        state=LeadDisputeState.OPEN, resolution="", resolved_at=None, resolved_by=None
    )
    jobs.retention_run(today=TODAY + relativedelta(months=12))
    assert Case.objects.get(pk=case.pk).state == CaseState.ARCHIVED

    client = login(world.a.users["coordinator"])
    url = reverse("delivery:dispute", kwargs={"pk": dispute.pk})
    assert client.get(url).status_code == 200  # the CAF team still reads it
    response = client.post(url, {"resolution": "Settled after all.", "proposed": ""})

    assert response.status_code in (200, 404)
    dispute = LeadDispute.objects.get(pk=dispute.pk)
    assert dispute.state == LeadDisputeState.OPEN and dispute.resolution == ""


def test_an_invited_caf_team_member_cannot_answer_a_tac_invitation_of_an_archived_caf(world, login):
    case = consented_case(world, "Planned")
    assessment_begin(case=case, by=world.a.users["assessor"])
    meeting = convene(world, Case.objects.get(pk=case.pk))
    coordinator = world.a.users["coordinator"]
    participant = tac_participant_invite(
        meeting=meeting, by=world.a.users["assessor"], user=coordinator, agency=world.a.caf_team
    )
    # Closed with the meeting still planned, then archived a year on.
    case_close(
        case=Case.objects.get(pk=case.pk),
        by=coordinator,
        reason=ClosureReason.MOVED_AWAY,
        note="The family moved to another council.",
    )
    jobs.retention_run(today=TODAY + relativedelta(months=12))
    assert Case.objects.get(pk=case.pk).state == CaseState.ARCHIVED

    response = login(coordinator).post(
        reverse("meetings:respond", kwargs={"pk": case.pk, "meeting_pk": meeting.pk}),
        {"response": "apologies", "written_update": "Sorry, cannot come."},
    )

    assert response.status_code in (200, 404)
    participant = TacParticipant.objects.get(pk=participant.pk)
    assert participant.response == ParticipantResponse.INVITED
    assert participant.written_update == ""
