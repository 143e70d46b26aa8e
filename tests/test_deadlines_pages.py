"""Deadlines as people see them: the home worklists per role (overdue, due in the next two
weeks), the CAF team's tenant-wide page and its API with filters and keyset paging, and
scoping (another agency, another tenant: nothing)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from assessments.models import AssessmentVersion
from assessments.services import assessment_begin
from cases.models import Case, PlanAction
from consent.services import consent_record
from deadlines import views as deadline_views
from deadlines.sources import CAF_TEAM_KINDS, due_items
from tests.assessment_states import consented_case, sign, write
from tests.test_reviews_closure import _delivered

TODAY = timezone.localdate()


def _signed(world, name: str, *, completed_days_ago: int) -> Case:
    """A CAF signed off ``completed_days_ago`` and not yet submitted (R-ASSESS-5)."""
    case = consented_case(world, name)
    assessor = world.a.users["assessor"]
    assessment = assessment_begin(case=case, by=assessor)
    write(assessment, assessor)
    sign(assessment, assessor)
    # Signing happens today; the deadline is read from the stored date, moved back here.
    completed = TODAY - timedelta(days=completed_days_ago)
    AssessmentVersion.objects.filter(assessment=assessment).update(completed_on=completed)
    Case.objects.filter(pk=case.pk).update(assessment_completed_on=completed)
    return Case.objects.get(pk=case.pk)


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def _section(page: str, heading: str) -> str:
    """The table captioned ``heading`` on ``page``, or "" when there is none."""
    start = page.find(f">{heading}</caption>")
    return page[start : page.find("</table>", start)] if start >= 0 else ""


# --- Home worklists ---------------------------------------------------------------------------


def test_an_overdue_submission_is_in_its_assessors_overdue_worklist_only(world, login):
    case = _signed(world, "Overdue", completed_days_ago=29)

    home = login(world.a.users["assessor"]).get("/").content.decode()
    overdue = _section(home, "Overdue")
    assert case.reference in overdue and "Submit the CAF to the CAF team" in overdue
    for other in ("school_practitioner", "police_practitioner"):
        assert case.reference not in _section(
            login(world.a.users[other]).get("/").content.decode(), "Overdue"
        )
    assert case.reference not in login(world.b.users["assessor"]).get("/").content.decode()


def test_a_submission_due_on_the_28th_day_is_due_soon_not_overdue(world, login):
    case = _signed(world, "Today", completed_days_ago=28)

    home = login(world.a.users["assessor"]).get("/").content.decode()

    assert case.reference in _section(home, "Due in the next 2 weeks")
    assert case.reference not in _section(home, "Overdue")


def test_a_review_due_soon_is_in_the_lead_professionals_worklist(world, login):
    scene = _delivered(world, "Soon", held_days_ago=85)

    lead = login(scene.users["lead"]).get("/").content.decode()

    soon = _section(lead, "Due in the next 2 weeks")
    assert scene.case.reference in soon and "Review the CAF" in soon
    assert "Review the CAF" not in login(scene.users["health"]).get("/").content.decode()


def test_an_overdue_action_is_in_its_owners_worklist_and_the_agency_queue(world, login):
    scene = _delivered(world, "Action", held_days_ago=30)
    PlanAction.objects.filter(pk=scene.action.pk).update(due_on=TODAY - timedelta(days=1))

    # The action has no one named: it waits in the school's queue.
    school = login(world.a.users["school_practitioner"]).get("/").content.decode()
    assert "Action on the plan" in _section(school, "Overdue")
    police = login(world.a.users["police_practitioner"]).get("/").content.decode()
    assert "Action on the plan" not in _section(police, "Overdue")


def test_consent_signed_on_29_february_is_due_on_28_february_two_years_on(world):
    consent_record(
        case=world.a.case,
        by=world.a.users["assessor"],
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name="Pat Parent",
        signed_on=date(2024, 2, 29),
        agencies=[],
    )

    def due_by(day):
        page = due_items(
            kinds=["consent_renewal"], due_by=day, today=day, tenant=world.a.tenant, limit=5
        )
        return [item.due_on for item in page.items]

    assert due_by(date(2026, 2, 27)) == []
    assert due_by(date(2026, 2, 28)) == [date(2026, 2, 28)]


def test_a_task_due_soon_is_in_its_owners_worklist_only(world, login):
    from referrals.models import TaskKind
    from referrals.services import task_create

    task_create(
        kind=TaskKind.CONTRIBUTION,
        by=world.a.users["assessor"],
        from_agency=world.a.school,
        assigned_agency=world.a.school,
        assigned_to=world.a.users["school_practitioner"],
        child=world.a.case.child,
        case=world.a.case,
        due_on=TODAY + timedelta(days=3),
    )

    owner = login(world.a.users["school_practitioner"]).get("/").content.decode()
    soon = _section(owner, "Due in the next 2 weeks")
    assert "Answer a task" in soon and world.a.case.reference in soon
    manager = login(world.a.users["school_manager"]).get("/").content.decode()
    assert "Answer a task" not in manager


def test_someone_without_the_dbs_check_has_no_deadlines(world, login):
    _signed(world, "Nodbs", completed_days_ago=40)
    home = login(world.a.users["school_no_dbs"]).get("/").content.decode()
    assert "Overdue" not in home


# --- The CAF team's page ----------------------------------------------------------------------


def test_the_caf_team_sees_every_deadline_of_its_tenant(world, login):
    overdue = _signed(world, "Late", completed_days_ago=40)
    soon = _delivered(world, "Soon", held_days_ago=85)

    page = login(world.a.users["coordinator"]).get("/deadlines/").content.decode()

    assert overdue.reference in page and soon.case.reference in page
    assert page.index(overdue.reference) < page.index(soon.case.reference)  # soonest first
    other = login(world.b.users["coordinator"]).get("/deadlines/").content.decode()
    assert overdue.reference not in other and soon.case.reference not in other


@pytest.mark.parametrize("who", ["assessor", "police_manager", "tenant_admin", "school_no_dbs"])
def test_the_deadlines_page_is_the_caf_teams_only(world, login, who):
    assert login(world.a.users[who]).get("/deadlines/").status_code == 404


def test_filters_by_kind_agency_area_and_when(world, login):
    late = _signed(world, "Late", completed_days_ago=40)
    soon = _delivered(world, "Soon", held_days_ago=85)
    client = login(world.a.users["coordinator"])

    def listed(**filters):
        return client.get("/deadlines/", filters).content.decode()

    assert late.reference not in listed(kind="review")
    assert soon.case.reference in listed(kind="review")
    assert late.reference in listed(when="overdue")
    assert soon.case.reference not in _section(listed(when="overdue"), "Open deadlines")
    assert soon.case.reference in listed(when="due", days="14")
    assert late.reference not in listed(when="due", days="14")
    assert late.reference in listed(agency=str(world.a.school.pk), kind="submission")
    assert late.reference not in listed(agency=str(world.a.police.pk))
    assert late.reference in listed(area="ns1")
    assert late.reference not in listed(area="LS6")


@pytest.mark.parametrize(
    "filters, field",
    [
        ({"days": "soon"}, "days"),
        ({"days": "-1"}, "days"),
        ({"days": "99999999999999999999"}, "days"),
        ({"area": "not a district"}, "area"),
        ({"agency": "999999999"}, "agency"),
        ({"kind": "archive"}, "kind"),
        ({"after": "2026-01-01.review.x.1"}, "after"),
        ({"after": "2026-13-01.review.2026-01-01.1"}, "after"),
    ],
)
def test_bad_filters_are_field_errors_with_the_input_kept(world, login, filters, field):
    response = login(world.a.users["coordinator"]).get("/deadlines/", filters)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and f"id_{field}-error" in page
    api = _api(world.a.users["coordinator"]).get("/api/deadlines/", filters)
    assert api.status_code == 400 and field in api.json()


def test_another_tenants_agency_is_not_a_filter(world, login):
    response = login(world.a.users["coordinator"]).get("/deadlines/", {"agency": world.b.school.pk})
    assert "id_agency-error" in response.content.decode()


def test_next_pages_follow_without_repeating_or_skipping(world, login, monkeypatch):
    for n in range(3):
        _signed(world, f"Paged{n}", completed_days_ago=30 + n)
    _delivered(world, "Soon", held_days_ago=85)
    everything = due_items(
        kinds=CAF_TEAM_KINDS,
        due_by=TODAY + timedelta(days=14),
        today=TODAY,
        for_user=world.a.users["coordinator"],
        limit=100,
    ).items
    assert len(everything) >= 5
    monkeypatch.setattr(deadline_views, "PAGE_LENGTH", 2)
    client = login(world.a.users["coordinator"])

    seen, url = [], "/deadlines/?kind=&days=14"
    while url:
        page = client.get(url).content.decode()
        rows = [row for row in page.split('<tr class="govuk-table__row">')[2:]]
        assert 0 < len(rows) <= 2
        seen += rows
        marker = 'href="?'
        url = ""
        if 'rel="next"' in page:
            start = page.rindex(marker, 0, page.index('rel="next"')) + len(marker) - 1
            url = "/deadlines/" + page[start : page.index('"', start)].replace("&amp;", "&")
    assert len(seen) == len(everything)
    for row, item in zip(seen, everything, strict=True):
        assert item.label.replace("'", "&#x27;") in row


def test_the_merge_with_a_cursor_agrees_with_one_long_page(world):
    for n in range(3):
        _signed(world, f"Merge{n}", completed_days_ago=20 + n)
    _delivered(world, "Merge", held_days_ago=80)
    args = dict(kinds=CAF_TEAM_KINDS, due_by=None, today=TODAY, tenant=world.a.tenant)
    whole = due_items(**args, limit=100).items
    walked, after = [], None
    while True:
        page = due_items(**args, limit=1, after=after)
        walked += page.items
        if page.next_after is None:
            break
        after = page.next_after
    assert walked == whole
    assert [i.cursor_key for i in whole] == sorted(i.cursor_key for i in whole)


# --- The API ----------------------------------------------------------------------------------


def test_the_api_gives_the_caf_team_its_tenant_and_others_their_own(world):
    late = _signed(world, "Late", completed_days_ago=40)

    def references(user, **filters):
        response = _api(user).get("/api/deadlines/", filters)
        assert response.status_code == 200
        return [item["case_reference"] for item in response.json()["results"]]

    assert late.reference in references(world.a.users["coordinator"])
    assert late.reference in references(world.a.users["assessor"], when="overdue")
    assert late.reference not in references(world.a.users["school_practitioner"])
    assert late.reference not in references(world.a.users["police_manager"])
    assert late.reference not in references(world.b.users["coordinator"])
    assert APIClient().get("/api/deadlines/").status_code == 401


def test_the_api_pages_by_cursor(world, monkeypatch):
    for n in range(3):
        _signed(world, f"Api{n}", completed_days_ago=30 + n)
    monkeypatch.setattr("deadlines.api.PAGE_LENGTH", 2)
    client = _api(world.a.users["coordinator"])
    first = client.get("/api/deadlines/", {"kind": "submission"}).json()
    second = client.get("/api/deadlines/", {"kind": "submission", "after": first["next"]}).json()
    refs = [i["case_reference"] for i in first["results"] + second["results"]]
    assert len(first["results"]) == 2 and second["next"] is None
    assert len(refs) == len(set(refs)) == 3


def test_the_demo_has_an_overdue_submission_and_a_review_due_soon(db, settings):
    from io import StringIO

    from django.core.management import call_command

    from agencies.models import User

    settings.DEBUG = True
    call_command("load_demo_data", stdout=StringIO())
    teacher = User.objects.get(username="teacher")
    worklists = deadline_views.worklists_for(teacher, today=TODAY, limit=25)

    assert ("submission", "Ellie Shaw") in {(i.kind, i.child_name) for i in worklists.overdue}
    assert ("review", "Theo Price") in {(i.kind, i.child_name) for i in worklists.due_soon}
