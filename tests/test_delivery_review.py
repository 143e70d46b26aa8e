"""Defects found in review of issue 13 (delivery), each shown through HTTP."""

import pytest
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role
from cases.models import Case, CaseState, PlanAction, PlanActionNote, PlanActionStatus
from delivery.models import ClosureReason
from delivery.services.closure import case_close
from tests.assessment_states import consented_case
from tests.factories import make_agency, make_staff
from tests.test_action_plan import _accepted, _agree, plan  # noqa: F401
from tests.test_social_care import csc  # noqa: F401

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _close(plan):  # noqa: F811
    case_close(
        case=plan.case,
        by=plan.users["assessor"],
        reason=ClosureReason.MOVED_AWAY,
        note="The family moved to another area.",
    )


def test_a_closed_cafs_plan_actions_cannot_change_status(plan):  # noqa: F811
    plan_action = _accepted(plan)
    _close(plan)
    response = _api(plan.users["assessor"]).post(
        reverse("delivery:api-plan-action-status", kwargs={"pk": plan_action.pk}),
        {"status": "done", "updated_at": plan_action.updated_at.isoformat()},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert PlanAction.objects.get(pk=plan_action.pk).status == PlanActionStatus.NOT_STARTED


def test_a_closed_cafs_requested_action_cannot_be_accepted(plan):  # noqa: F811
    plan_action = _agree(plan, owner_agency=plan.health)
    assert plan_action.status == PlanActionStatus.REQUESTED
    _close(plan)
    response = _api(plan.users["health"]).post(
        reverse("delivery:api-plan-action-accept", kwargs={"pk": plan_action.pk}), format="json"
    )
    assert response.status_code == 400, response.content
    assert PlanAction.objects.get(pk=plan_action.pk).status == PlanActionStatus.REQUESTED


def test_a_closed_cafs_plan_takes_no_notes(plan):  # noqa: F811
    plan_action = _accepted(plan)
    _close(plan)
    response = _api(plan.users["assessor"]).post(
        reverse("delivery:api-plan-action-note", kwargs={"pk": plan_action.pk}),
        {"text": "Still going."},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert not PlanActionNote.objects.filter(action=plan_action).exists()


# --- R-RET-1: an archived case is the CAF team's only -----------------------------------------


def test_the_agency_asked_cannot_read_a_request_of_an_archived_case(world, login):
    from cases.models import Case, CaseState
    from tests.test_service_requests import send, support  # noqa: F401

    case = consented_case(world, "Archivedrequest", excluded=[world.a.police])
    agency = make_agency(world.a.tenant, "North Family Support", AgencyKind.VOLUNTARY)
    worker = make_staff(world.a.tenant, [(agency, Role.PRACTITIONER)], username="north-support")
    made = send(world, case, agency)
    page = f"/service-requests/{made.pk}/"
    api_url = f"/api/service-requests/{made.pk}/"
    assert login(worker).get(page).status_code == 200
    Case.objects.filter(pk=case.pk).update(state=CaseState.ARCHIVED)
    assert login(worker).get(page).status_code == 404
    assert _api(worker).get(api_url).status_code == 404
    assert login(world.a.users["coordinator"]).get(page).status_code == 200


# --- Reads of a child's record over the API are logged as on the page --------------------------


def test_reading_a_request_for_service_over_the_api_is_in_the_access_log(world):
    from audit.models import AccessAction, AccessLogEntry
    from tests.test_service_requests import send

    case = consented_case(world, "Loggedrequest", excluded=[world.a.police])
    agency = make_agency(world.a.tenant, "North Family Support", AgencyKind.VOLUNTARY)
    worker = make_staff(world.a.tenant, [(agency, Role.PRACTITIONER)], username="north-support")
    made = send(world, case, agency)
    for user in (worker, world.a.users["assessor"]):
        before = AccessLogEntry.objects.filter(
            user=user, case_id=case.pk, action=AccessAction.VIEW
        ).count()
        response = _api(user).get(f"/api/service-requests/{made.pk}/")
        assert response.status_code == 200
        assert response.json()["child_name"]
        after = AccessLogEntry.objects.filter(
            user=user, case_id=case.pk, action=AccessAction.VIEW
        ).count()
        assert after == before + 1, user


def test_a_request_for_service_of_a_closed_caf_cannot_be_accepted(world):
    from referrals.models import ServiceRequest, ServiceRequestState
    from tests.test_service_requests import send

    case = consented_case(world, "Closedrequest", excluded=[world.a.police])
    agency = make_agency(world.a.tenant, "North Family Support", AgencyKind.VOLUNTARY)
    worker = make_staff(world.a.tenant, [(agency, Role.PRACTITIONER)], username="north-support")
    made = send(world, case, agency)
    # Closed other than by case_close (which withdraws waiting requests): as a refusal closes.
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED, closed_on=timezone.localdate())
    response = _api(worker).post(
        f"/api/service-requests/{made.pk}/answer/",
        {"accept": True, "reason": "We can start next week."},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert ServiceRequest.objects.get(pk=made.pk).state == ServiceRequestState.SENT
    # Refusing, saying so, still clears the agency's task.
    response = _api(worker).post(
        f"/api/service-requests/{made.pk}/answer/",
        {"accept": False, "reason": "The CAF is closed."},
        format="json",
    )
    assert response.status_code == 200, response.content


def test_a_task_of_an_archived_case_is_not_opened_by_its_owner(plan, login):  # noqa: F811
    from cases.models import Case, CaseState
    from referrals.models import Task, TaskKind

    plan_action = _agree(plan, owner_agency=plan.health)
    task = Task.objects.get(kind=TaskKind.ACTION_REQUEST, case=plan.case)
    child_name = plan.case.child.full_name
    page = login(plan.users["health"]).get(f"/tasks/{task.pk}/")
    assert page.status_code == 200 and child_name in page.content.decode()
    Case.objects.filter(pk=plan.case.pk).update(state=CaseState.ARCHIVED)
    assert login(plan.users["health"]).get(f"/tasks/{task.pk}/").status_code == 404
    assert _api(plan.users["health"]).get(f"/api/tasks/{task.pk}/").status_code == 404
    home = login(plan.users["health"]).get("/").content.decode()
    assert child_name not in home
    assert plan_action.pk


def test_the_duty_manager_cannot_read_a_referral_of_an_archived_case(world, login, csc):  # noqa: F811
    from cases.models import Case, CaseState
    from tests.test_social_care import refer

    case, _, manager, _ = csc
    referral = refer(world, case)
    page = f"/social-care/referrals/{referral.pk}/"
    assert login(manager).get(page).status_code == 200
    Case.objects.filter(pk=case.pk).update(state=CaseState.ARCHIVED)
    assert login(manager).get(page).status_code == 404
    assert _api(manager).get(f"/api/social-care-referrals/{referral.pk}/").status_code == 404
    assert login(world.a.users["coordinator"]).get(page).status_code == 200
