"""A person's activity for their manager (issue 15, R-AUDIT-1, R-AUDIT-2): "what did this user
look at last week", the question an investigation of misuse asks. Managers only, people within
their scope only (their agencies' staff; the whole tenant for the CAF team's manager), what was
done for their agencies only; links to the cases the manager may open, references otherwise."""

import html
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Role
from audit.models import AccessAction, AccessLogEntry
from audit.services import access_log_record
from cases.models import Gender
from cases.services import case_open, child_details_correct, child_register
from tests.factories import make_staff


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def same_page(one, other) -> bool:
    def strip(content: bytes) -> bytes:
        return re.sub(rb'(nonce|value|csrfmiddlewaretoken)="[^"]*"', b"", content)

    return strip(one.content) == strip(other.content)


def page_url(person_or_pk) -> str:
    return f"/audit/people/{getattr(person_or_pk, 'pk', person_or_pk)}/"


def api_url(person_or_pk) -> str:
    return f"/api/people/{getattr(person_or_pk, 'pk', person_or_pk)}/activity/"


MISSING = 99999999


def test_managers_see_people_within_their_scope_alone(world, login):
    a, b = world.a.users, world.b.users
    expected = {
        # manager: {person: status}
        "school_manager": {
            "assessor": 200,
            "school_practitioner": 200,
            "school_no_dbs": 200,
            "school_manager": 200,
            "police_practitioner": 404,
            "coordinator": 404,
        },
        "police_manager": {"police_practitioner": 200, "assessor": 404},
        "caf_manager": {name: 200 for name in a if name != "tenant_admin"},
    }
    for manager, people in expected.items():
        client = login(a[manager])
        missing = client.get(page_url(MISSING))
        assert missing.status_code == 404
        for person, status in people.items():
            response = client.get(page_url(a[person]))
            assert response.status_code == status, (manager, person)
            assert client.get(api_url(a[person])).status_code == status, (manager, person)
            if status == 404:
                assert same_page(response, missing), (manager, person)
        # Another tenant's people are as missing as people who do not exist.
        foreign = client.get(page_url(b["assessor"]))
        assert foreign.status_code == 404 and same_page(foreign, missing)
        assert client.get(api_url(b["caf_manager"])).status_code == 404


@pytest.mark.parametrize(
    "name", ["assessor", "coordinator", "chair", "tenant_admin", "police_practitioner"]
)
def test_anyone_but_a_manager_gets_404(world, login, name):
    client = login(world.a.users[name])
    assert client.get(page_url(world.a.users["assessor"])).status_code == 404
    assert client.get(page_url(world.a.users[name])).status_code == 404
    assert client.get(api_url(world.a.users["assessor"])).status_code == 404


def test_a_manager_without_a_dbs_check_gets_404(world, login):
    manager = make_staff(world.a.tenant, [(world.a.school, Role.MANAGER)], dbs=False)
    client = login(manager)
    assert client.get(page_url(world.a.users["assessor"])).status_code == 404


def test_what_they_viewed_printed_exported_changed_and_were_refused(world, login):
    assessor, case = world.a.users["assessor"], world.a.case
    login(assessor).get(f"/cases/{case.pk}/")
    login(assessor).get("/cases/99999999/")  # refused
    access_log_record(
        action=AccessAction.PRINT,
        user=assessor,
        case=case,
        agency_id=world.a.school.pk,
        detail="consent form PDF",
    )
    access_log_record(
        action=AccessAction.EXPORT,
        user=assessor,
        case=case,
        agency_id=world.a.school.pk,
        detail="assessment PDF export",
    )
    child_details_correct(case=case, by=assessor, date_of_birth=date(2016, 4, 21))
    page = text_of(login(world.a.users["school_manager"]).get(page_url(assessor)))
    for words in (
        "Viewed",
        "consent form PDF",
        "assessment PDF export",
        "Refused access",
        "Signed in",
    ):
        assert words in page, words
    assert "Date of birth" in page
    # Newest first: the change, then the export, the print, the refusal, the view.
    assert page.index("Date of birth") < page.index("assessment PDF export")
    assert page.index("assessment PDF export") < page.index("consent form PDF")
    assert page.index("consent form PDF") < page.index("Refused access")
    # The case is a link for a manager who may open it.
    content = login(world.a.users["school_manager"]).get(page_url(assessor)).content.decode()
    assert f'href="/cases/{case.pk}/"' in content


def test_what_they_did_for_another_agency_is_not_their_managers(world, login):
    both = make_staff(
        world.a.tenant, [(world.a.school, Role.PRACTITIONER), (world.a.police, Role.PRACTITIONER)]
    )
    access_log_record(
        action=AccessAction.VIEW,
        user=both,
        case=world.a.case,
        agency_id=world.a.police.pk,
        detail="for the police",
    )
    access_log_record(
        action=AccessAction.VIEW,
        user=both,
        case=world.a.case,
        agency_id=world.a.school.pk,
        detail="for the school",
    )
    school = text_of(login(world.a.users["school_manager"]).get(page_url(both)))
    assert "for the school" in school and "for the police" not in school
    # The police may not see this case: their manager learns which case, not what was read.
    police = text_of(login(world.a.users["police_manager"]).get(page_url(both)))
    assert world.a.case.reference in police
    assert "for the police" not in police and "for the school" not in police
    caf = text_of(login(world.a.users["caf_manager"]).get(page_url(both)))
    assert "for the police" in caf and "for the school" in caf


def test_a_case_the_manager_may_not_open_is_a_reference_only(world, login):
    officer = world.a.users["police_practitioner"]
    child = child_register(
        by=officer,
        given_name="Robin",
        family_name="Policecase",
        date_of_birth=date(2015, 2, 3),
        gender=Gender.NOT_KNOWN,
    )
    police_case = case_open(child=child, assessor_agency=world.a.police, by=officer)
    # The school once saw it (a grant since withdrawn): the view was for the school.
    access_log_record(
        action=AccessAction.VIEW,
        user=world.a.users["assessor"],
        case=police_case,
        agency_id=world.a.school.pk,
    )
    content = login(world.a.users["school_manager"]).get(page_url(world.a.users["assessor"]))
    page = content.content.decode()
    assert police_case.reference in page
    assert f'href="/cases/{police_case.pk}/"' not in page


def test_last_week_and_dates(world, login):
    assessor = world.a.users["assessor"]
    # Written as it was ten days ago: the trail refuses any later change to an entry.
    AccessLogEntry.objects.create(
        action=AccessAction.VIEW,
        user=assessor,
        username=assessor.username,
        tenant_id=world.a.tenant.pk,
        case_id=world.a.case.pk,
        agency_id=world.a.school.pk,
        detail="ten days ago",
        at=timezone.now() - timedelta(days=10),
    )
    access_log_record(
        action=AccessAction.VIEW,
        user=assessor,
        case=world.a.case,
        agency_id=world.a.school.pk,
        detail="just now",
    )
    client = login(world.a.users["school_manager"])
    everything = client.get(page_url(assessor)).content.decode()
    link = re.search(r'href="\?([^"]*date_from[^"]*)"', everything).group(1)
    last_week = text_of(client.get(f"{page_url(assessor)}?{html.unescape(link)}"))
    assert "just now" in last_week and "ten days ago" not in last_week
    day = (timezone.localdate() - timedelta(days=10)).strftime("%d/%m/%Y")
    that_day = text_of(client.get(page_url(assessor), {"date_from": day, "date_to": day}))
    assert "ten days ago" in that_day and "just now" not in that_day
    views = text_of(client.get(page_url(assessor), {"kind": "sign_ins"}))
    assert "just now" not in views


def test_paging_and_constant_queries(world, login):
    assessor = world.a.users["assessor"]
    client = login(world.a.users["caf_manager"])
    counts = []
    # Whatever the length of the history beyond a page (the first size fills one).
    for count in (60, 140):
        for n in range(count):
            access_log_record(
                action=AccessAction.VIEW,
                user=assessor,
                case=world.a.case,
                agency_id=world.a.school.pk,
                detail=f"view {n}",
            )
        client.get(page_url(assessor))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(assessor)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    first = client.get(api_url(assessor)).json()
    assert first["next"]
    second = client.get(api_url(assessor), {"before": first["next"]}).json()
    ids = [(e["log"], e["id"]) for e in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == len(first["results"]) + len(second["results"])


@pytest.mark.parametrize(
    "query",
    [
        {"before": "not a cursor"},
        {"before": "2026-13-01T00:00:00+00:00_access_1"},
        {"date_to": "yesterday"},
        {"date_from": "1/1/2026", "date_to": "1/1/2025"},
        {"kind": "nonsense"},
    ],
)
def test_bad_input_is_a_field_error_or_a_400(world, login, query):
    client = login(world.a.users["caf_manager"])
    page = client.get(page_url(world.a.users["assessor"]), query)
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    assert client.get(api_url(world.a.users["assessor"]), query).status_code == 400


def test_reading_someones_activity_is_itself_logged(world, login):
    manager, assessor = world.a.users["school_manager"], world.a.users["assessor"]
    client = login(manager)
    client.get(page_url(assessor))
    client.get(api_url(assessor))
    client.get(page_url(world.a.users["police_practitioner"]))
    read = AccessLogEntry.objects.filter(user=manager, action=AccessAction.AUDIT)
    assert read.count() == 2
    assert all(assessor.username in detail for detail in read.values_list("detail", flat=True))
    assert AccessLogEntry.objects.filter(
        user=manager, action=AccessAction.DENIED, detail__contains="activity"
    ).exists()


def test_the_audit_search_leads_from_a_name_to_that_persons_activity(world, login):
    """A manager reading the trail follows a name to what that person did; a person outside
    their scope is a name only (their activity page would be a 404)."""
    teacher, officer = world.a.users["assessor"], world.a.users["police_practitioner"]
    for person, agency in ((teacher, world.a.school), (officer, world.a.police)):
        access_log_record(
            action=AccessAction.PRINT, user=person, case=world.a.case, agency_id=agency.pk
        )
    search = {"case": world.a.case.reference}
    caf = login(world.a.users["caf_manager"]).get("/audit/", search).content.decode()
    assert f'href="{page_url(teacher)}"' in caf and f'href="{page_url(officer)}"' in caf
    school = login(world.a.users["school_manager"]).get("/audit/", search).content.decode()
    assert f'href="{page_url(teacher)}"' in school
    assert f'href="{page_url(officer)}"' not in school
