"""Malformed input is a 404 or a field error, never a 500 (ASVS 5.1, 13.2)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry

BAD_IDS = ["abc", "null", "0", "-1", "1.5", "99999999999999999999", "9223372036854775808"]


def _routes(patterns=None, prefix=""):
    """Every route of the project as a template such as ``cases/<id:pk>/consent/``."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _own_routes():
    """Our pages and API (the admin has its own tested handling of ids)."""
    return sorted(
        {
            route.lstrip("^").rstrip("$")
            for route in _routes()
            if not route.startswith("admin/") and "\\" not in route
        }
    )


def _with(route: str, value: str) -> str:
    return "/" + PARAMETER.sub(value, route)


def api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_route_walk_sees_every_id_route():
    routes = _own_routes()

    assert "cases/<id:pk>/" in routes
    assert "api/cases/<id:pk>/notes/" in routes
    assert "checks/<id:pk>/join/<id:child_pk>/" in routes


@pytest.mark.parametrize("role", ["assessor", "coordinator"])
def test_no_route_answers_a_bad_id_with_a_server_error(world, login, role):
    user = world.a.users[role]
    page, token = login(user), api(user)
    for route in (r for r in _own_routes() if PARAMETER.search(r)):
        for bad in BAD_IDS:
            address = _with(route, bad)
            for client in (page, token):
                for method in (client.get, client.post):
                    status = method(address).status_code
                    assert status in (404, 405), f"{method.__name__} {address}: {status}"


def test_an_out_of_range_case_id_is_a_logged_denial_with_the_id_as_typed(world, login):
    user = world.a.users["assessor"]

    response = login(user).get("/cases/99999999999999999999/")

    assert response.status_code == 404
    denial = AccessLogEntry.objects.get(action=AccessAction.DENIED, user=user)
    assert denial.case_id is None
    assert "99999999999999999999" in denial.path
    assert "99999999999999999999" in denial.detail


def test_a_non_numeric_api_id_is_a_logged_denial(world):
    user = world.a.users["assessor"]

    response = api(user).get("/api/checks/null/")

    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(
        action=AccessAction.DENIED, user=user, detail__contains="/api/checks/null/"
    ).exists()


def test_an_id_given_as_text_to_the_access_log_is_kept_in_the_detail(world):
    from audit.services import access_log_record

    entry = access_log_record(
        action=AccessAction.DENIED, user=world.a.users["assessor"], case_id="12abc", detail="x"
    )

    assert entry.case_id is None
    assert "'12abc'" in entry.detail


@pytest.mark.parametrize("suffix", [".json", ".api"])
@pytest.mark.parametrize("role", ["assessor", "police_practitioner", "coordinator", "caf_manager"])
def test_api_format_suffixes_are_not_routes(world, role, suffix):
    """Suffixed addresses reached custom actions as an unexpected ``format`` argument."""
    client = api(world.a.users[role])
    ids = [str(world.a.case.pk), str(world.b.case.pk), "1"]
    for route in (r for r in _own_routes() if r.startswith("api/")):
        for some_id in ids:
            address = _with(route, some_id).rstrip("/") + suffix
            for method in (client.get, client.post):
                status = method(address).status_code
                assert status == 404, f"{method.__name__} {address}: {status}"


# Malformed values in forms and API bodies: a field error or a 400, never a 500.


def _check(world, login):
    from tests.test_checks import jamie, search

    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, **jamie(world))
    return client, check


@pytest.mark.parametrize("child", ["abc", "1.5", "", "99999999999999999999"])
def test_a_decision_on_a_malformed_child_is_refused_with_a_message(world, login, child):
    client, check = _check(world, login)

    response = client.post(f"/checks/{check.pk}/decide/", {"action": "start", "child": child})

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Choose a child from the search results." in page
    check.refresh_from_db()
    assert check.outcome == ""


def test_a_child_protection_referral_with_a_malformed_child_is_a_field_error(world, login):
    client, check = _check(world, login)
    address = f"/checks/{check.pk}/child-protection/?child=abc"

    shown = client.get(address)
    posted = client.post(
        address,
        {
            "child": "abc",
            "referred_to": "Northshire MASH",
            "referred_on": "1/1/2026",
        },
    )

    assert shown.status_code == 200
    assert posted.status_code == 200
    assert "Choose a child from the search results." in posted.content.decode()
    assert 'value="Northshire MASH"' in posted.content.decode()


@pytest.mark.parametrize("agency", ["abc", "99999999999999999999", "-1"])
def test_an_invalid_hidden_agency_is_a_field_error(world, login, agency):
    client = login(world.a.users["police_practitioner"])

    response = client.post(
        "/checks/new/", {"agency": agency, "given_name": "Jamie", "family_name": "Northson"}
    )

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_a_search_date_beyond_the_calendar_is_a_field_error(world, login):
    client = login(world.a.users["caf_manager"])

    response = client.get("/audit/", {"log": "access", "date_to": "31/12/9999"})

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_a_refusal_search_date_beyond_the_calendar_is_a_field_error(world, login):
    client = login(world.a.users["coordinator"])

    response = client.get("/refusals/", {"date_to": "31/12/9999", "date_from": "1/1/0001"})

    assert response.status_code == 200
    assert response.content.decode().count("Enter a date between 1/1/2000 and next year.") == 2


def test_an_overlong_username_at_sign_in_is_a_form_error(db, client):
    response = client.post("/sign-in/", {"username": "x" * 300, "password": "whatever"})

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
