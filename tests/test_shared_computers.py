"""Shared computers and caching (ASVS 3.3, 3.5, 8.2.1, 14.4): nothing a signed-in person saw
stays in a cache, sessions end on time and can be ended from elsewhere, API tokens are hashed,
expiring, revocable and die with a password change."""

import re
import time
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from audit.models import AccessLogEntry
from security.models import StaffSession
from security.services import SIGNED_IN_AT
from tests.factories import PASSWORD
from tests.test_consent import record

NEVER_STORED = ("no-store", "no-cache", "private")


def assert_never_stored(response, what):
    cache_control = response.get("Cache-Control", "")
    for directive in NEVER_STORED:
        assert directive in cache_control, f"{what}: Cache-Control is {cache_control!r}"
    assert response.get("Pragma") == "no-cache", what


def every_url(case_pk: int, child_pk: int) -> list[str]:
    """One concrete path for every route the URL resolver knows, ids filled with the case's."""
    values = {"pk": case_pk, "child_pk": child_pk, "format": "json", "object_id": case_pk}

    def fill(pattern: str) -> str:
        value = lambda match: str(values.get(match.group(1), "x"))  # noqa: E731
        pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, pattern)  # regex routes (DRF, admin)
        pattern = re.sub(r"<(?:\w+:)?(\w+)>", value, pattern)  # path() routes
        return pattern.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")

    def walk(patterns, prefix: str):
        for entry in patterns:
            route = prefix + fill(str(entry.pattern))
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                yield "/" + route

    paths = []
    for path in dict.fromkeys(walk(get_resolver().url_patterns, "")):
        if "(" in path or "[" in path:
            continue  # a regex this simple filler cannot make concrete
        try:
            resolve(path)
        except Resolver404:
            continue
        paths.append(path)
    return paths


def test_every_page_and_api_response_is_never_stored_for_a_signed_in_user(world, login):
    client = login(world.a.users["coordinator"])
    client.raise_request_exception = False
    paths = every_url(world.a.case.pk, world.a.case.child_id)
    assert len(paths) > 30
    assert f"/cases/{world.a.case.pk}/" in paths and "/api/cases/" in paths

    for path in paths:
        assert_never_stored(client.get(path), path)


def test_api_responses_to_a_token_are_never_stored(world):
    _, token = AuthToken.objects.create(user=world.a.users["assessor"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get(f"/api/cases/{world.a.case.pk}/")

    assert response.status_code == 200
    assert_never_stored(response, "API detail")


def test_consent_pdf_is_an_attachment_never_stored(world, login):
    record(world)
    client = login(world.a.users["assessor"])

    response = client.get(f"/cases/{world.a.case.pk}/consent/pdf/")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert_never_stored(response, "consent PDF")


def test_browser_features_the_service_never_uses_are_switched_off(client):
    response = client.get("/sign-in/")

    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


# Sessions --------------------------------------------------------------------------------


def test_session_ends_at_its_absolute_lifetime_however_active(world, login):
    client = login(world.a.users["assessor"])
    assert client.get("/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()

    response = client.get(f"/cases/{world.a.case.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert "_auth_user_id" not in client.session
    assert not StaffSession.objects.filter(user=world.a.users["assessor"]).exists()


def test_session_within_its_absolute_lifetime_goes_on(world, login):
    client = login(world.a.users["assessor"])
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS + 60
    session.save()

    assert client.get(f"/cases/{world.a.case.pk}/").status_code == 200


def test_stay_signed_in_restarts_the_idle_time_but_not_the_absolute_lifetime(world, login):
    client = login(world.a.users["assessor"])
    client.get("/")
    started = client.session[SIGNED_IN_AT]

    response = client.post("/account/sessions/stay-signed-in/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    body = response.json()
    assert body["idle_seconds"] == settings.SESSION_COOKIE_AGE
    assert body["signed_out_at"] == int(started + settings.SESSION_ABSOLUTE_SECONDS)
    assert client.session[SIGNED_IN_AT] == started


def test_pages_carry_the_timeout_warning_for_signed_in_users_only(world, login, client):
    signed_in = login(world.a.users["assessor"]).get("/").content.decode()
    assert 'data-module="app-session-timeout"' in signed_in
    assert "Stay signed in" in signed_in
    assert "app-session-timeout" not in client.get("/sign-in/").content.decode()


def test_people_see_their_sessions_and_end_another(world, login):
    user = world.a.users["assessor"]
    office = login(user)
    shared_computer = login(user)
    shared_computer.get("/")

    page = office.get("/account/sessions/")

    assert page.status_code == 200
    sessions = list(StaffSession.objects.filter(user=user))
    assert len(sessions) == 2
    assert "This browser" in page.content.decode()
    other = next(s for s in sessions if s.session_key != office.session.session_key)
    response = office.post(f"/account/sessions/{other.pk}/end/")
    assert response.status_code == 302
    gone = shared_computer.get(f"/cases/{world.a.case.pk}/")
    assert gone.status_code == 302 and gone["Location"].startswith("/sign-in/")
    assert office.get(f"/cases/{world.a.case.pk}/").status_code == 200


def test_nobody_can_end_someone_elses_session(world, login):
    victim = login(world.a.users["assessor"])
    victim.get("/")
    their_session = StaffSession.objects.get(user=world.a.users["assessor"])

    for outsider in (world.a.users["school_practitioner"], world.b.users["assessor"]):
        response = login(outsider).post(f"/account/sessions/{their_session.pk}/end/")
        assert response.status_code == 404

    assert victim.get(f"/cases/{world.a.case.pk}/").status_code == 200


def test_signing_out_removes_the_session_from_the_list(world, login):
    client = login(world.a.users["assessor"])
    client.get("/")
    assert StaffSession.objects.filter(user=world.a.users["assessor"]).count() == 1

    client.post("/sign-out/")

    assert not StaffSession.objects.filter(user=world.a.users["assessor"]).exists()


# API tokens ------------------------------------------------------------------------------


def issue_token(client) -> str:
    response = client.post("/account/api-tokens/")
    assert response.status_code == 200
    match = re.search(r'<code class="app-token">([0-9a-f]+)</code>', response.content.decode())
    assert match, "the new token is shown once"
    return match.group(1)


def api_status(token: str, path: str) -> int:
    return Client().get(path, HTTP_AUTHORIZATION=f"Token {token}").status_code


REFUSED = (401, 403)


def test_api_token_is_issued_from_a_signed_in_page_and_works(world, login):
    client = login(world.a.users["assessor"])
    token = issue_token(client)

    assert api_status(token, f"/api/cases/{world.a.case.pk}/") == 200
    listed = client.get("/account/api-tokens/").content.decode()
    assert token[:8] in listed and token not in listed


def test_api_token_is_stored_hashed_and_expires(world, login):
    token = issue_token(login(world.a.users["assessor"]))

    stored = AuthToken.objects.get(user=world.a.users["assessor"])
    assert token not in (stored.digest, stored.token_key)
    assert stored.expiry - timezone.now() > timedelta(days=29)
    stored.expiry = timezone.now() - timedelta(seconds=1)
    stored.save()
    assert api_status(token, f"/api/cases/{world.a.case.pk}/") in REFUSED


def test_revoked_api_token_stops_working_at_once(world, login):
    client = login(world.a.users["assessor"])
    token = issue_token(client)

    response = client.post("/account/api-tokens/revoke/", {"token": token[:15]})

    assert response.status_code == 302
    assert api_status(token, f"/api/cases/{world.a.case.pk}/") in REFUSED


def test_nobody_can_revoke_someone_elses_api_token(world, login):
    token = issue_token(login(world.a.users["assessor"]))

    for outsider in (world.a.users["school_practitioner"], world.b.users["assessor"]):
        response = login(outsider).post("/account/api-tokens/revoke/", {"token": token[:15]})
        assert response.status_code == 404

    assert api_status(token, f"/api/cases/{world.a.case.pk}/") == 200


def test_password_change_ends_every_api_token(world, login):
    user = world.a.users["assessor"]
    client = login(user)
    tokens = [issue_token(client), issue_token(client)]

    user.set_password(PASSWORD + "-changed")
    user.save()

    for token in tokens:
        assert api_status(token, f"/api/cases/{world.a.case.pk}/") in REFUSED


def test_api_tokens_are_limited_per_person(world, login):
    client = login(world.a.users["assessor"])
    for _ in range(settings.API_TOKEN_LIMIT_PER_USER):
        issue_token(client)

    response = client.post("/account/api-tokens/", follow=True)

    assert "Revoke one you no longer use" in response.content.decode()
    assert AuthToken.objects.filter(user=world.a.users["assessor"]).count() == (
        settings.API_TOKEN_LIMIT_PER_USER
    )


@pytest.mark.django_db(transaction=True)
def test_plain_text_tokens_of_drf_authtoken_move_to_hashed_expiring_ones(world):
    migration = import_module("security.migrations.0002_api_tokens_from_drf_authtoken")
    user = world.a.users["assessor"]
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s)", [old_key, user.pk])
    with connection.schema_editor() as editor:
        migration.move_tokens_to_knox(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert AuthToken.objects.get(user=user).expiry > timezone.now()
    assert api_status(old_key, f"/api/cases/{world.a.case.pk}/") == 200


def test_tenant_administrators_do_not_see_api_tokens_in_admin(world, login):
    issue_token(login(world.b.users["assessor"]))
    admin = login(world.a.users["tenant_admin"])

    assert admin.get("/admin/").status_code == 200
    assert admin.get("/admin/knox/authtoken/").status_code == 404


def test_a_session_whose_key_was_rotated_can_still_be_ended(world, login):
    user = world.a.users["assessor"]
    laptop = login(user)
    laptop.get("/")
    # A password change gives the same session a new key (update_session_auth_hash).
    session = laptop.session
    session.cycle_key()
    session.save()
    laptop.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert laptop.get("/").status_code == 200
    office = login(user)

    record = StaffSession.objects.get(session_key=laptop.session.session_key)
    office.post(f"/account/sessions/{record.pk}/end/")

    gone = laptop.get(f"/cases/{world.a.case.pk}/")
    assert gone.status_code == 302 and gone["Location"].startswith("/sign-in/")


def test_api_tokens_issued_revoked_and_ended_are_in_the_access_log(world, login):
    user = world.a.users["assessor"]
    client = login(user)
    first, second = issue_token(client), issue_token(client)
    client.post("/account/api-tokens/revoke/", {"token": first[:15]})
    user.set_password(PASSWORD + "-changed")
    user.save()

    entries = AccessLogEntry.objects.filter(user=user).order_by("id")
    actions = [e.action for e in entries if e.action.startswith("token")]
    assert actions == ["token_issued", "token_issued", "token_revoked", "token_revoked"]
    assert second[:8] in entries.filter(action="token_issued").last().detail
    assert "password change" in entries.last().detail
    assert all(first not in e.detail and second not in e.detail for e in entries)


def test_ending_another_session_is_in_the_access_log(world, login):
    user = world.a.users["assessor"]
    office, shared_computer = login(user), login(user)
    shared_computer.get("/")
    other = StaffSession.objects.get(session_key=shared_computer.session.session_key)

    office.post(f"/account/sessions/{other.pk}/end/")

    entry = AccessLogEntry.objects.filter(user=user, action="logout").latest("id")
    assert "Ended their session" in entry.detail


def test_ending_every_other_session_keeps_this_one(world, login):
    user = world.a.users["assessor"]
    here, laptop, shared_computer = login(user), login(user), login(user)
    someone_else = login(world.a.users["school_practitioner"])

    response = here.post("/account/sessions/end-others/")

    assert response.status_code == 302
    for gone in (laptop, shared_computer):
        assert gone.get("/")["Location"].startswith("/sign-in/")
    assert here.get("/").status_code == 200
    assert someone_else.get("/").status_code == 200
