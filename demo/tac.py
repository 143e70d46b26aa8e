"""Demo team-around-the-child meetings, through the services as the assessors and the invited
practitioners would, so that a newcomer can walk them after ``bin/run``:

- Tyler Evans: a first TAC meeting arranged for next week, the police and Family Action
  invited with his mother; the police sent apologies with a written update.
- Hafsa Ahmed: a first TAC meeting held yesterday, recorded item by item, with actions agreed
  (one requested of Family Action) and a lead professional proposed; holding it made version 2
  of her assessment and moved the case to the team around the child.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from agencies.models import Agency, Tenant, User
from cases.models import Child
from meetings.models import TacMeeting
from meetings.services.tac import (
    tac_action_agree,
    tac_convene,
    tac_hold,
    tac_participant_invite,
    tac_participant_respond,
    tac_record,
)


def _case(tenant, given, family):
    child = Child.objects.get(tenant=tenant, given_name=given, family_name=family)
    return child.cases.exclude(state__in=["closed", "archived"]).get()


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def load_tac_examples(tenant: Tenant) -> None:
    """Idempotent: a tenant with TAC meetings already is left as it is."""
    if TacMeeting.objects.filter(tenant=tenant).exists():
        return
    users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    agencies = {a.name: a for a in Agency.objects.filter(tenant=tenant)}
    police, family_action = agencies["Northshire Police"], agencies["Family Action Northshire"]
    today = timezone.localdate()

    tyler = _case(tenant, "Tyler", "Evans")
    planned = tac_convene(
        case=tyler,
        by=tyler.assessor,
        scheduled_at=_at(today + timedelta(days=7), 15),
        venue="Castle Academy, meeting room 2",
        purpose="First meeting of Tyler's team: agree actions and a lead professional.",
    )
    officer = tac_participant_invite(
        meeting=planned, by=tyler.assessor, user=users["police"], agency=police
    )
    tac_participant_invite(
        meeting=planned, by=tyler.assessor, user=users["familysupport"], agency=family_action
    )
    tac_participant_invite(
        meeting=planned, by=tyler.assessor, name="Karen Evans", relationship="mother"
    )
    tac_participant_respond(
        participant=officer,
        by=users["police"],
        response="apologies",
        written_update="Two diversion sessions offered; Tyler came to the first. No further "
        "police contact since the assessment.",
    )

    hafsa = _case(tenant, "Hafsa", "Ahmed")
    assessor = hafsa.assessor
    held = tac_convene(
        case=hafsa,
        by=assessor,
        scheduled_at=_at(today - timedelta(days=1), 10),
        venue="Riverside Children's Centre",
        purpose="First meeting of Hafsa's team.",
    )
    worker = tac_participant_invite(
        meeting=held, by=assessor, user=users["familysupport"], agency=family_action
    )
    mother = tac_participant_invite(
        meeting=held, by=assessor, name="Samira Ahmed", relationship="mother"
    )
    tac_record(
        meeting=held,
        by=assessor,
        revision=held.revision,
        chaired_by=assessor.get_full_name(),
        recorded_by_name=assessor.get_full_name(),
        consent_checked=True,
        confidentiality_agreed=True,
        development_notes="Settled at nursery; speech improving.",
        parenting_notes="Mum is coping but tired; keen on the children's centre.",
        family_environment_notes="Temporary flat, damp; housing application in.",
        lead_professional_proposed=users["familysupport"],
        next_meeting_at=_at(today + timedelta(days=56), 10),
        next_meeting_venue="Riverside Children's Centre",
    )
    tac_action_agree(
        meeting=held,
        by=assessor,
        need="Housing is damp and overcrowded.",
        outcome="A move to suitable housing is under way.",
        action="Support Samira with the housing application and a letter from the GP.",
        owner_agency=family_action,
        owner_user=users["familysupport"],
        due_on=today + timedelta(days=28),
    )
    tac_action_agree(
        meeting=held,
        by=assessor,
        need="Samira would like company and ideas for play.",
        action="Go to the stay-and-play session on Tuesdays.",
        owner_family_member="Samira Ahmed",
        due_on=today + timedelta(days=14),
    )
    tac_hold(
        meeting=held,
        by=assessor,
        held_on=today - timedelta(days=1),
        attendance={worker.pk: True, mother.pk: True},
    )
