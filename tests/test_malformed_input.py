"""Malformed input is a 404 or a field error, never a 500 (ASVS 5.1, 13.2)."""

import re
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.test import APIClient

from assessments.models import LARGEST_VERSION_NUMBER
from audit.models import AccessAction, AccessLogEntry
from cases.models import Child
from consent.models import Consent, ConsentRefusal
from referrals.models import SafeguardingReferral

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
            route.replace("^", "").replace("$", "")
            for route in _routes()
            if not route.startswith("admin/") and "\\" not in route
        }
    )


def _with(route: str, value: str) -> str:
    return "/" + PARAMETER.sub(value, route)


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
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
    # A password-reset link's parts are no record ids: a bad one is "This link has expired"
    # (tests/test_passwords.py).
    routes = (r for r in _own_routes() if PARAMETER.search(r) and "new-password" not in r)
    for route in routes:
        for bad in BAD_IDS:
            address = _with(route, bad)
            for client in (page, token):
                for method in (client.get, client.post):
                    status = method(address).status_code
                    assert status in (404, 405), f"{method.__name__} {address}: {status}"


def test_no_admin_route_answers_a_bad_id_with_a_server_error(world, login):
    client = login(world.a.users["tenant_admin"])
    routes = {r for r in _routes() if r.startswith("admin/") and PARAMETER.search(r)}
    for route in sorted(routes):
        for bad in BAD_IDS:
            address = _with(route.replace("^", "").replace("$", ""), bad)
            status = client.get(address).status_code
            assert status < 500, f"GET {address}: {status}"


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


# One plausibility rule per kind of date, on the page, the API and in the service alike.


def _new_child_page(world, login, **dates):
    from tests.test_checks import search

    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, agency=world.a.police.pk, given_name="Zofia", family_name="Kowalczyk")
    fields = {"given_name": "Zofia", "family_name": "Kowalczyk", "gender": "2", "ethnicity": "WOTH"}
    return client.post(f"/checks/{check.pk}/new-child/", {**fields, **dates})


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("date_of_birth", "1/1/2031", "cannot be in the future"),
        ("date_of_birth", "31/12/9999", "cannot be in the future"),
        ("date_of_birth", "1/1/1901", "more than 30 years ago"),
        ("expected_date_of_birth", "1/1/0001", "has passed"),
        ("expected_date_of_birth", "1/1/2020", "has passed"),
        ("expected_date_of_birth", "1/1/2099", "more than 10 months away"),
    ],
)
def test_an_implausible_birth_date_of_a_new_child_is_a_field_error(
    world, login, field, typed, message
):
    response = _new_child_page(world, login, **{field: typed})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Child.objects.filter(family_name="Kowalczyk").exists()


@pytest.mark.parametrize("field", ["date_of_birth", "expected_date_of_birth"])
def test_an_implausible_birth_date_over_the_api_is_a_400_on_that_field(world, field):
    client = api(world.a.users["police_practitioner"])
    check = client.post(
        "/api/checks/",
        {"agency": world.a.police.pk, "given_name": "Zofia", "family_name": "Kowalczyk"},
        format="json",
    ).json()["check"]

    response = client.post(
        f"/api/checks/{check['id']}/decision/",
        {
            "action": "new_child",
            "new_child": {"given_name": "Zofia", "family_name": "Kowalczyk", field: "9999-01-01"},
        },
        format="json",
    )

    assert response.status_code == 400
    assert field in response.json()["new_child"]


def test_the_service_refuses_a_birth_date_in_the_future_whoever_calls_it(world):
    from cases.services import CaseError, child_register

    with pytest.raises(CaseError) as refused:
        child_register(
            by=world.a.users["assessor"],
            given_name="Zofia",
            family_name="Kowalczyk",
            date_of_birth=date(2031, 1, 1),
        )

    assert refused.value.field == "date_of_birth"


@pytest.mark.parametrize("signed_on", ["1/1/0001", "16/5/2015"])
def test_consent_dated_before_the_child_was_born_is_a_field_error(world, login, signed_on):
    response = login(world.a.users["assessor"]).post(
        f"/cases/{world.a.case.pk}/consent/",
        {
            "given_by": "parent",
            "giver_name": "Pat Parent",
            "relationship": "mother",
            "to_undertake": "on",
            "to_record": "on",
            "share_scope": "all_except",
            "method": "written",
            "signed_name": "Pat Parent",
            "signed_on": signed_on,
        },
    )

    assert response.status_code == 200
    assert "before the child&#x27;s date of birth" in response.content.decode()
    assert not Consent.objects.exists()


def test_consent_dated_year_one_over_the_api_is_a_400(world):
    response = api(world.a.users["assessor"]).post(
        f"/api/cases/{world.a.case.pk}/consent/",
        {
            "given_by": "parent",
            "giver_name": "Pat Parent",
            "relationship": "mother",
            "to_undertake": True,
            "to_record": True,
            "share_scope": "all_except",
            "method": "written",
            "signed_name": "Pat Parent",
            "signed_on": "0001-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "signed_on" in response.json()


def test_a_refusal_dated_before_the_child_was_born_is_refused(world):
    response = api(world.a.users["assessor"]).post(
        f"/api/cases/{world.a.case.pk}/refusal/",
        {"refused_by": "parent", "refused_on": "2001-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert "refused_on" in response.json()
    assert not ConsentRefusal.objects.exists()


@pytest.mark.parametrize("checked_on", [date(1, 1, 1), date(1999, 1, 1), date(2099, 1, 1)])
def test_an_implausible_dbs_check_date_is_refused(checked_on):
    from agencies.services import StaffError, dbs_check_validate

    with pytest.raises(StaffError) as refused:
        dbs_check_validate(checked_on=checked_on, reference="001234567890")

    assert refused.value.field == "dbs_checked_on"


# Names: no hidden control characters; bidirectional text isolated where names are shown.


@pytest.mark.parametrize("name", ["Smith\u202e", "Jo\u2066nes", "Be\u0007ll", "Ka\u0085te"])
def test_a_name_with_a_control_character_is_a_field_error(world, login, name):
    from tests.test_checks import search

    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, agency=world.a.police.pk, given_name="Zofia", family_name="Nowak")

    response = client.post(
        f"/checks/{check.pk}/new-child/",
        {
            "given_name": "Zofia",
            "family_name": name,
            "date_of_birth": "3/9/2019",
            "gender": "2",
            "ethnicity": "WOTH",
        },
    )

    assert response.status_code == 200
    assert "hidden control character" in response.content.decode()
    assert not Child.objects.filter(given_name="Zofia").exists()


def test_a_search_name_with_a_right_to_left_override_is_refused_over_the_api(world):
    response = api(world.a.users["police_practitioner"]).post(
        "/api/checks/",
        {"agency": world.a.police.pk, "given_name": "Jamie", "family_name": "\u202enosnhtroN"},
        format="json",
    )

    assert response.status_code == 400
    assert "family_name" in response.json()


@pytest.mark.parametrize("name", ["Ana María", "Zoë-Jane", "محمد", "O'Brien", "Łukasz"])
def test_names_in_any_script_are_accepted(name):
    from cafsite.validation import validate_name

    validate_name(name)


def test_names_typed_by_users_are_isolated_on_the_case_page(world, login):
    child = world.a.case.child
    Child.objects.filter(pk=child.pk).update(family_name="\u05db\u05d4\u05df")  # Hebrew

    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/").content.decode()

    assert re.search(r"<bdi>[^<]*\u05db\u05d4\u05df[^<]*</bdi>", page)


# A safeguarding referral records whatever the length of the child's registered name.


def _longest_named_child(world):
    from cases.services import child_register

    return child_register(
        by=world.a.users["assessor"],
        given_name="Zofia",
        middle_names=" ".join(["Alexandra"] * 20),
        family_name="Kowalczyk-Wiśniewska-Lewandowska-Wójcik-Kamińska-Zielińska-Szymańska-Woźniak",
        date_of_birth=date(2016, 4, 12),
    )


def test_a_child_protection_referral_records_the_longest_registered_name(world, login):
    from tests.test_checks import search

    child = _longest_named_child(world)
    client = login(world.a.users["police_practitioner"])
    check, _ = search(
        client, agency=world.a.police.pk, given_name="Zofia", date_of_birth="12/4/2016"
    )

    response = client.post(
        f"/checks/{check.pk}/child-protection/",
        {"child": child.pk, "referred_to": "Northshire MASH", "referred_on": "1/1/2026"},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert SafeguardingReferral.objects.get().child_name == child.full_name
    assert len(child.full_name) > 200


def test_a_child_protection_referral_over_the_api_records_the_longest_name(world):
    child = _longest_named_child(world)
    client = api(world.a.users["police_practitioner"])
    check = client.post(
        "/api/checks/",
        {"agency": world.a.police.pk, "given_name": "Zofia", "date_of_birth": "2016-04-12"},
        format="json",
    ).json()["check"]

    response = client.post(
        f"/api/checks/{check['id']}/decision/",
        {
            "action": "child_protection",
            "child": child.pk,
            "referred_to": "Northshire MASH",
            "referred_on": "2026-01-01",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert SafeguardingReferral.objects.get().child_name == child.full_name


def test_a_refusal_records_the_longest_registered_name(world):
    from cases.services import case_open
    from consent.services import refusal_record

    child = _longest_named_child(world)
    case = case_open(child=child, assessor_agency=world.a.school, by=world.a.users["assessor"])

    refusal = refusal_record(
        case=case, by=world.a.users["assessor"], refused_by="parent", refused_on=date(2026, 1, 1)
    )

    assert ConsentRefusal.objects.get(pk=refusal.pk).child_name == child.full_name


def test_a_right_to_left_override_in_a_stored_name_does_not_reverse_the_pdf(world, login):
    """Names stored before the name rule existed: the override stays inside the name."""
    import io

    from pypdf import PdfReader

    from agencies.models import User
    from consent.services import consent_record

    assessor = world.a.users["assessor"]
    consent_record(
        case=world.a.case,
        by=assessor,
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name="Pat Parent",
        signed_on=date(2026, 1, 5),
    )
    User.objects.filter(pk=assessor.pk).update(last_name="Smith\u202e")

    response = login(assessor).get(f"/cases/{world.a.case.pk}/consent/pdf/")

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert re.search(r"Printed by .* on \d{1,2} [A-Z][a-z]+ \d{4}", text), text


def test_escalating_refusals_by_ids_beyond_the_database_range_is_refused(world, login):
    coordinator = world.a.users["coordinator"]
    body = {
        "refusals": ["99999999999999999999"],
        "pattern": "Same child",
        "escalated_to": "MASH",
        "reason": "Repeat",
    }

    over_api = api(coordinator).post("/api/refusals/escalate/", body, format="json")
    on_page = login(coordinator).post("/refusals/", {**body, "refusals": "99999999999999999999"})

    assert over_api.status_code == 400 and "refusals" in over_api.json()
    assert on_page.status_code == 200


# The API's schema says what it answers.


def test_an_unauthenticated_client_gets_401_with_a_challenge(db):
    response = APIClient().get("/api/cases/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_number_where_text_is_expected_is_a_400(world):
    response = api(world.a.users["assessor"]).post(
        f"/api/cases/{world.a.case.pk}/notes/", {"text": 12345}, format="json"
    )

    assert response.status_code == 400
    assert "text" in response.json()


def _schema(world):
    import yaml

    response = api(world.a.users["assessor"]).get("/api/schema/")
    return yaml.safe_load(response.content)


def test_the_schema_says_notes_are_a_plain_list_as_answered(world):
    operation = _schema(world)["paths"]["/api/cases/{id}/notes/"]["get"]

    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert isinstance(
        api(world.a.users["assessor"]).get(f"/api/cases/{world.a.case.pk}/notes/").json(), list
    )


def test_every_operation_documents_its_errors_and_ids_are_bounded(world):
    paths = _schema(world)["paths"]

    for path, methods in paths.items():
        for method, operation in methods.items():
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), (method, path)
            for parameter in operation.get("parameters", []):
                # Record ids are bounded; a named part of the path (a section) is an enum; a
                # version number is a small integer.
                if parameter["name"] == "number":
                    assert parameter["schema"]["maximum"] == LARGEST_VERSION_NUMBER, path
                elif (
                    parameter["in"] == "path"
                    and "enum" not in parameter["schema"]
                    # An export job's id is a UUID: unguessable rather than a bounded number.
                    and parameter["schema"].get("format") != "uuid"
                ):
                    assert parameter["schema"]["maximum"] == 2**63 - 1, (method, path)


def test_a_staff_name_with_a_right_to_left_override_is_refused_in_admin(world):
    from agencies.admin import StaffChangeForm

    user = world.a.users["police_practitioner"]
    form = StaffChangeForm(
        data={"username": user.username, "first_name": "Sam", "last_name": "\u202eSmith"},
        instance=user,
    )

    assert not form.is_valid()
    assert "hidden control character" in str(form.errors["last_name"])
