"""Pages every user meets, the API's self-description, and the health check."""

import pytest
from django.utils import timezone

from cases.models import Gender
from cases.services import case_open, child_register
from monitoring.models import WorkerHeartbeat

# The home page and case page may not grow their query count with the number of cases.
# One writes the access log (lists of children are logged), one checks the session's second
# factor (its device, or whether one is needed).
HOME_QUERY_LIMIT = 23  # one writes the access log; the deadlines one per kind (six: overdue and
# due in 2 weeks); reviews due one; what the user asked of others ("Your requests") one
CASE_QUERY_LIMIT = 40  # also consent, grants, sharing, notes, assessment, review or closure,
# the timeline (one a source), the next step; the same however much the case holds


def _more_cases(world, count):
    assessor = world.a.users["assessor"]
    for i in range(count):
        child = child_register(
            by=assessor,
            given_name=f"Child{i}",
            family_name="Extra",
            date_of_birth=timezone.localdate().replace(year=2016),
            gender=Gender.NOT_KNOWN,
        )
        case_open(child=child, assessor_agency=world.a.school, by=assessor)


@pytest.mark.parametrize("extra_cases", [0, 30])
def test_home_page_queries_do_not_grow_with_cases(
    world, login, django_assert_max_num_queries, extra_cases
):
    _more_cases(world, extra_cases)
    for name in ("assessor", "coordinator"):
        client = login(world.a.users[name])
        with django_assert_max_num_queries(HOME_QUERY_LIMIT):
            response = client.get("/")
        assert response.status_code == 200


def test_home_lists_own_and_agency_cases_separately(world, login):
    page = login(world.a.users["assessor"]).get("/").content.decode()
    colleague = login(world.a.users["school_practitioner"]).get("/").content.decode()

    def section(html, caption):
        return html.split(caption, 1)[1].split("</table>", 1)[0]

    assert world.a.case.reference in section(page, "Cases you are assessing")
    assert world.a.case.reference in section(colleague, "Other cases your agencies can see")


def test_case_page_queries_are_constant(world, login, django_assert_max_num_queries):
    client = login(world.a.users["coordinator"])
    with django_assert_max_num_queries(CASE_QUERY_LIMIT):
        assert client.get(f"/cases/{world.a.case.pk}/").status_code == 200


def test_case_api_list_queries_are_constant(world, login, django_assert_max_num_queries):
    _more_cases(world, 30)
    client = login(world.a.users["coordinator"])
    with django_assert_max_num_queries(HOME_QUERY_LIMIT):
        response = client.get("/api/cases/")
    assert len(response.json()["results"]) == 25  # one page
    assert response.json()["next"]


def test_user_without_dbs_check_is_told_why_they_see_no_cases(world, login):
    page = login(world.a.users["school_no_dbs"]).get("/").content.decode()

    assert "DBS" in page
    assert world.a.case.child.full_name not in page


def test_sign_in_page_is_accessible_shaped(client, db):
    page = client.get("/sign-in/").content.decode()

    assert '<main class="govuk-main-wrapper"' in page
    assert 'for="id_username"' in page and 'for="id_password"' in page
    assert "OFFICIAL-SENSITIVE" in page


def test_openapi_schema_and_docs_are_served(world, login):
    client = login(world.a.users["coordinator"])

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert "/api/cases/{id}/" in schema.json()["paths"]
    assert docs.status_code == 200


def test_health_check_reports_database_and_in_process_tasks(client, db, settings):
    settings.CELERY_BROKER_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "workers": "in-process"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_check_reports_whether_workers_beat(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"

    before = client.get("/healthz").json()
    WorkerHeartbeat.objects.create(worker="worker-1", beat_at=timezone.now())
    after = client.get("/healthz").json()

    assert before == {"database": "ok", "workers": "stale"}
    assert after == {"database": "ok", "workers": "ok"}


def test_unknown_page_is_a_govuk_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_security_headers_are_sent(client, db):
    response = client.get("/sign-in/")

    assert "script-src" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_header_names_the_council_and_the_service_as_govuk_frontend_6_does(world, login):
    page = login(world.a.users["coordinator"]).get("/").content.decode()

    assert "govuk-header__service-name" not in page  # unstyled since version 6
    assert f'class="govuk-generic-header__homepage-link">{world.a.tenant.name}</a>' in page
    assert 'class="govuk-service-navigation__service-name"' in page
    assert 'aria-current="page"' in page  # the current page is marked in the navigation
    # Sign-out sits in the navigation's inline end slot, beside the menu, not below it.
    assert "govuk-service-navigation__inlining-container" in page
