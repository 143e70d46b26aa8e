"""Schemathesis against the live schema (/api/schema/): every operation, as a practitioner and
as a CAF coordinator, with valid and with malformed input. No 500, and every response matches
what the schema documents (status code, content type, body)."""

from datetime import date

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cafsite.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation, mode, user and id (free or existing): bounded to keep CI near 2 min.
EXAMPLES = 15


@pytest.fixture
def wsgi_in_test_transaction(settings):
    """Requests through the WSGI app share the test's transaction, as Django's test client
    arranges: the end of a request must not close the connection mid-test."""
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis' WSGI client
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _records_to_aim_at(world, role) -> dict[str, int]:
    """Ids that exist, so generated requests reach the code past the 404: the tenant's case,
    and a check the user may see (a practitioner's own; the CAF team sees every check)."""
    from cases.checks import check_search

    author = "assessor" if role == "assessor" else "police_practitioner"
    agency = world.a.school if author == "assessor" else world.a.police
    check, _ = check_search(
        by=world.a.users[author],
        agency=agency,
        given_name="Jaime",
        family_name=world.a.case.child.family_name,
    )
    assessed = _assessment_case(world)
    return {
        "/api/cases/": world.a.case.pk,
        "/api/checks/": check.pk,
        "/api/assessments/": assessed,
        # A TAC meeting (and its case) for /api/cases/{id}/meetings/{meeting_pk}/...
        "meeting": _meeting(world, assessed),
        "/api/forum-invitations/": _forum_invitation(world, role),
        "/api/forum-sessions/": _agenda_session(world),
        **_forum_day_aims(world),
        **_forum_aims(world),
        "/api/tasks/": _task(world, role),
        **_referral_aims(world),
        **_lead_aims(world),
        # An action on the plan of the tenant's case, for /api/plan-actions/{id}/...
        "/api/plan-actions/": _plan_action(world),
    }


def _lead_aims(world) -> dict[str, int]:
    """A lead professional proposal of the assessor (who may answer it; the coordinator may
    withdraw it) and a disagreement the assessor raised (the coordinator may resolve it), on
    world.a's case."""
    from delivery.models import LeadProposalSource
    from delivery.services.lead import lead_dispute_raise, lead_propose

    case = world.a.case
    proposal = lead_propose(
        case=case,
        by=world.a.users["coordinator"],
        proposed=world.a.users["assessor"],
        source=LeadProposalSource.CAF_TEAM,
    )
    dispute = lead_dispute_raise(case=case, by=world.a.users["assessor"], about="Who leads?")
    return {"/api/lead-proposals/": proposal.pk, "/api/lead-disputes/": dispute.pk}


def _plan_action(world) -> int:
    """An action of world.a's case owned by its assessor's agency (not started), so that the
    status, note and drop operations are reached past the 404."""
    from datetime import timedelta

    from cases.plans import plan_action_agree

    return plan_action_agree(
        case=world.a.case,
        by=world.a.users["assessor"],
        need="Fuzz need",
        action="Fuzz action",
        due_on=timezone.localdate() + timedelta(days=7),
        owner_agency=world.a.school,
    ).pk


def _meeting(world, case_id) -> dict[str, int]:
    """A planned TAC meeting of the assessed case, with a practitioner invited."""
    from datetime import timedelta

    from cases.models import Case
    from meetings.services.tac import tac_convene, tac_participant_invite

    assessor = world.a.users["assessor"]
    meeting = tac_convene(
        case=Case.objects.get(pk=case_id),
        by=assessor,
        scheduled_at=timezone.now() + timedelta(days=7),
        venue="Fuzz room",
    )
    tac_participant_invite(
        meeting=meeting,
        by=assessor,
        user=world.a.users["school_practitioner"],
        agency=world.a.school,
    )
    return {"id": case_id, "meeting_pk": meeting.pk}


def _task(world, role) -> int:
    """An open join request addressed to ``role``, so that a task's detail and answer are
    reached past the 404."""
    from referrals.models import TaskKind
    from referrals.services import task_create

    return task_create(
        kind=TaskKind.JOIN_REQUEST,
        by=world.a.users["police_practitioner"],
        from_agency=world.a.police,
        assigned_agency=world.a.school if role == "assessor" else world.a.caf_team,
        assigned_to=world.a.users[role],
        child=world.a.case.child,
        case=world.a.case,
        message="Fuzz: may we join?",
    ).pk


def _forum_invitation(world, role) -> int:
    """An invitation of ``role`` to a forum of world.a, so that its answer is reached past the
    404 (the forum rows are made directly: they are reference rows here)."""
    from datetime import datetime, time, timedelta

    from meetings.models import Forum, ForumCoreMember, ForumSeason
    from meetings.services.invitations import core_invitations_create

    coordinator = world.a.users["coordinator"]
    season = ForumSeason.objects.create(
        tenant=world.a.tenant, name="Fuzz forums", created_by=coordinator
    )
    held_on = timezone.localdate() + timedelta(days=30)
    forum = Forum.objects.create(
        tenant=world.a.tenant,
        season=season,
        held_on=held_on,
        venue="Fuzz Hall",
        nomination_deadline=timezone.make_aware(
            datetime.combine(held_on - timedelta(days=14), time(12))
        ),
    )
    agency = world.a.school if role == "assessor" else world.a.caf_team
    ForumCoreMember.objects.create(season=season, user=world.a.users[role], agency=agency)
    return core_invitations_create(forum=forum, by=coordinator)[0].pk


def _agenda_session(world) -> int:
    """A forum session of world.a with a nominated case and a built agenda, so that the
    agenda's operations are reached past the 404."""
    from meetings.models import NominationKind
    from meetings.services.agenda import agenda_build
    from meetings.services.nominations import nomination_create
    from tests.assessment_states import logged
    from tests.forum_states import scheduled_forum

    _, session = scheduled_forum(world, name="Fuzzed forums")
    nomination_create(
        session=session,
        case=logged(world, "Fuzzagenda").case,
        by=world.a.users["assessor"],
        kind=NominationKind.NEW,
    )
    agenda_build(session=session, by=world.a.users["coordinator"])
    return session.pk


def _forum_day_aims(world) -> dict[str, int]:
    """A forum with a nominated case (a logged CAF), so that the forum day's operations are
    reached past the 404: the presenter (the assessor) and the coordinator reach both."""
    from meetings.models import NominationKind
    from meetings.services.nominations import nomination_create
    from tests.assessment_states import logged
    from tests.forum_states import scheduled_forum

    forum, session = scheduled_forum(world, name="Fuzz forum day")
    nomination = nomination_create(
        session=session,
        case=logged(world, "Forumfuzz").case,
        by=world.a.users["assessor"],
        kind=NominationKind.NEW,
    )
    return {"/api/forum-cases/": nomination.pk, "/api/forum-day/": forum.pk}


def _forum_aims(world) -> dict[str, int]:
    """A forum of world.a with a session, and a logged case nominated for it, so that the
    forum, season and nomination operations are reached past the 404."""
    from meetings.models import NominationKind
    from meetings.services.nominations import nomination_create
    from tests.assessment_states import logged
    from tests.forum_states import scheduled_forum

    forum, session = scheduled_forum(world, name="Fuzz forum seasons")
    nomination = nomination_create(
        session=session,
        case=logged(world, "Fuzznominee").case,
        by=world.a.users["assessor"],
        kind=NominationKind.NEW,
    )
    return {
        "/api/forums/": forum.pk,
        "/api/forum-seasons/": forum.season_id,
        "/api/nominations/": nomination.pk,
    }


def _referral_aims(world) -> dict[str, int]:
    """A request for service (to the police, whom the family's consent covers) and a referral
    of a logged CAF to children's social care, both made by the assessor, so that their
    operations are reached past the 404."""
    from agencies.models import AgencyKind
    from referrals.service_requests import service_request_send
    from referrals.social_care import social_care_refer
    from tests.assessment_states import logged
    from tests.factories import make_agency

    assessor = world.a.users["assessor"]
    case = logged(world, "Fuzzreferred").case
    make_agency(world.a.tenant, "Fuzz social care", AgencyKind.CSC)
    request = service_request_send(
        case=case,
        to_agency=world.a.police,
        by=assessor,
        service="Fuzz service",
        shared_summary="Fuzz summary",
    )
    referral = social_care_refer(case=case, by=assessor, concerns="Fuzz concerns")
    return {"/api/service-requests/": request.pk, "/api/social-care-referrals/": referral.pk}


def _assessment_case(world) -> int:
    """A case of world.a with consent and a begun assessment, so that the assessment's
    operations are reached past the 404."""
    from assessments.services import assessment_begin
    from cases.services import case_open, child_register
    from consent.services import consent_record

    assessor = world.a.users["assessor"]
    child = child_register(
        by=assessor, given_name="Fuzz", family_name="Assessed", date_of_birth=date(2014, 1, 2)
    )
    case = case_open(child=child, assessor_agency=world.a.school, by=assessor)
    consent_record(
        case=case,
        by=assessor,
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="none",
        method="written",
        signed_name="Pat Parent",
        signed_on=timezone.localdate(),
    )
    assessment_begin(case=case, by=assessor)
    return case.pk


def _fuzz(operations, headers: dict, existing: dict) -> None:
    """Each operation with valid and malformed input, at free ids and at ``existing`` ones."""
    for operation in operations:
        aims = [None]
        if "{meeting_pk}" in operation.path:
            aims.append(existing["meeting"])
        elif "{id}" in operation.path:
            # Contributions open to their contributor alone: fuzzed with free ids only.
            prefix = next((p for p in existing if operation.path.startswith(p)), None)
            if prefix is not None:
                aims.append({"id": existing[prefix]})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for path_parameters in aims:
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=path_parameters
                )

                @given(case=strategy)
                @hypothesis_settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                def answers_as_documented(case):
                    response = case.call(headers=headers)
                    case.validate_response(response, checks=CHECKS)

                try:
                    answers_as_documented()
                except Unsatisfiable:
                    # Nothing to get wrong: an operation without parameters or body.
                    assert mode == GenerationMode.NEGATIVE, operation.label


def _operations(wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ["assessor", "coordinator"])
def test_every_api_operation_answers_as_documented_and_never_with_a_server_error(
    world, wsgi_in_test_transaction, role
):
    _, token = AuthToken.objects.create(user=world.a.users[role])
    existing = _records_to_aim_at(world, role)
    operations = _operations(wsgi_in_test_transaction)
    assert len(operations) >= 10
    _fuzz(operations, {"Authorization": f"Token {token}"}, existing)


# The managers' reads: the audit trail, a case's history, a person's activity and the reports.
MANAGERS_OPERATIONS = ("/api/audit/", "/api/people/", "/api/reports/")


@pytest.mark.fuzz
def test_the_managers_operations_answer_as_documented_to_a_manager(world, wsgi_in_test_transaction):
    _, token = AuthToken.objects.create(user=world.a.users["caf_manager"])
    operations = [
        operation
        for operation in _operations(wsgi_in_test_transaction)
        if operation.path.startswith(MANAGERS_OPERATIONS) or operation.path.endswith("/history/")
    ]
    assert len(operations) >= 6
    existing = {"/api/cases/": world.a.case.pk, "/api/people/": world.a.users["assessor"].pk}
    _fuzz(operations, {"Authorization": f"Token {token}"}, existing)
