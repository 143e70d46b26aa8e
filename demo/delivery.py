"""Demo cases in delivery, through the services as the practitioners would, so that a newcomer
can walk the lead professional, the action plan, requests for service, the social-care
hand-off, reviews and closure after ``bin/run``:

- Oliver Grant (`teacher`): his first TAC was held this morning; the police officer (`police`)
  accepted the lead professional role; the plan has an action for the school, one for his
  mother and one requested of the youth service, waiting for `youthworker` to accept it; a
  request for service to the youth service waits for its answer.
- Maya Lewis (`healthvisitor`, the lead): referred to children's social care, waiting for the
  duty manager's threshold decision (`dutymanager`).
- Kian Murphy (`youthworker`, the lead): reviewed at a sign-off TAC and closed today because
  the family did not engage; the register check shows the risk flag, and the CAF can be
  reopened for 6 months.
- Hafsa Ahmed (demo/tac.py): `familysupport` is proposed as lead and has the task to accept.
"""

from datetime import timedelta

from django.utils import timezone

from agencies.models import Agency, Tenant, User
from cases.models import Case
from delivery.models import ClosureReason, LeadProposal, LeadProposalState, ReviewDecision
from delivery.services.closure import case_close
from delivery.services.lead import lead_accept
from delivery.services.reviews import review_record
from demo.tac import _at, _case
from meetings.services.tac import (
    tac_action_agree,
    tac_convene,
    tac_hold,
    tac_participant_invite,
    tac_record,
)
from referrals.service_requests import service_request_send
from referrals.social_care import social_care_refer


def _held_tac(case, *, by: User, practitioners, family: str, lead: User | None, venue: str):
    """A first TAC held today with ``practitioners`` and a family member, proposing ``lead``."""
    today = timezone.localdate()
    meeting = tac_convene(
        case=case,
        by=by,
        scheduled_at=_at(today, 9),
        venue=venue,
        purpose=f"First meeting of {case.child.given_name}'s team.",
    )
    attendance = {}
    for user, agency in practitioners:
        invited = tac_participant_invite(meeting=meeting, by=by, user=user, agency=agency)
        attendance[invited.pk] = True
    mother = tac_participant_invite(meeting=meeting, by=by, name=family, relationship="mother")
    attendance[mother.pk] = True
    tac_record(
        meeting=meeting,
        by=by,
        revision=meeting.revision,
        chaired_by=by.get_full_name(),
        recorded_by_name=by.get_full_name(),
        consent_checked=True,
        confidentiality_agreed=True,
        lead_professional_proposed=lead,
    )
    return meeting, attendance


def _accept_lead(case) -> None:
    proposal = LeadProposal.objects.get(case=case, state=LeadProposalState.PENDING)
    lead_accept(proposal=proposal, by=proposal.proposed)


def load_delivery_examples(tenant: Tenant) -> None:
    users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    agencies = {a.name: a for a in Agency.objects.filter(tenant=tenant)}
    today = timezone.localdate()

    oliver = _case(tenant, "Oliver", "Grant")
    if oliver.lead_professional_id is None:
        teacher, police = users["teacher"], users["police"]
        meeting, attendance = _held_tac(
            oliver,
            by=teacher,
            practitioners=[(police, agencies["Northshire Police"])],
            family="Kelly Grant",
            lead=police,
            venue="Riverside Primary School",
        )
        tac_action_agree(
            meeting=meeting,
            by=teacher,
            need="Oliver misses the start of the day; he is keen on football.",
            outcome="Oliver is in school by 8:50 on four days out of five by half term.",
            action="Offer a breakfast club place and a morning check-in with his mentor.",
            owner_agency=agencies["Riverside Primary School"],
            owner_user=teacher,
            due_on=today + timedelta(days=21),
        )
        tac_action_agree(
            meeting=meeting,
            by=teacher,
            need="Mornings at home are rushed.",
            outcome="A morning routine the family keeps to.",
            action="Set two alarms and lay out Oliver's uniform the night before.",
            owner_family_member="Kelly Grant",
            due_on=today + timedelta(days=14),
        )
        tac_action_agree(
            meeting=meeting,
            by=teacher,
            need="Oliver has few safe places to go after school.",
            outcome="Oliver goes to an after-school activity each week.",
            action="Offer Oliver a place at the Thursday youth football group.",
            owner_agency=agencies["Northshire Youth Service"],
            due_on=today + timedelta(days=28),
        )
        tac_hold(meeting=meeting, by=teacher, held_on=today, attendance=attendance)
        _accept_lead(oliver)
        service_request_send(
            case=oliver,
            to_agency=agencies["Northshire Youth Service"],
            by=teacher,
            service="A place in the Thursday youth football group and a mentor.",
            shared_summary="Oliver is 11 and is missing the start of the school day. He loves "
            "football. His mother agrees to the referral.",
        )

    maya = _case(tenant, "Maya", "Lewis")
    if maya.lead_professional_id is None:
        visitor = users["healthvisitor"]
        meeting, attendance = _held_tac(
            maya,
            by=visitor,
            practitioners=[(visitor, agencies["Northshire Health Visiting"])],
            family="Jade Lewis",
            lead=visitor,
            venue="Canal Street Children's Centre",
        )
        tac_hold(meeting=meeting, by=visitor, held_on=today, attendance=attendance)
        _accept_lead(maya)
        social_care_refer(
            case=maya,
            by=visitor,
            concerns="Since the TAC, Maya's mother has told me her new partner shouts at Maya "
            "and has hit the dog. Maya has bruising on her upper arm that mum could not "
            "explain. I think the threshold for social care may be met.",
        )

    kian = Case.objects.get(tenant=tenant, child__given_name="Kian", child__family_name="Murphy")
    if kian.lead_professional_id is None:
        worker = users["youthworker"]
        meeting, attendance = _held_tac(
            kian,
            by=worker,
            practitioners=[(worker, agencies["Northshire Youth Service"])],
            family="Siobhan Murphy",
            lead=worker,
            venue="Orchard House Youth Centre",
        )
        tac_action_agree(
            meeting=meeting,
            by=worker,
            need="Kian is out late and his mother does not know where.",
            outcome="Kian tells his mother where he is and is home by 10pm.",
            action="Meet Kian weekly at the youth centre.",
            owner_agency=agencies["Northshire Youth Service"],
            owner_user=worker,
            due_on=today + timedelta(days=7),
        )
        meeting = tac_hold(meeting=meeting, by=worker, held_on=today, attendance=attendance)
        _accept_lead(kian)
        action = kian.plan_actions.get()
        review_record(
            case=kian,
            by=worker,
            held_on=today,
            meeting=meeting,
            decision=ReviewDecision.CLOSE,
            progress={action.pk: {"progress": "none", "note": "Kian came to no sessions."}},
            needs_unmet="Kian is still out late; the family did not take up the support.",
            decision_note="The family no longer wants to take part.",
        )
        case_close(
            case=kian,
            by=worker,
            reason=ClosureReason.NON_ENGAGEMENT,
            note="Kian and his mother declined every session after the first meeting.",
            meeting=meeting,
        )
