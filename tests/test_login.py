"""Signing in and out: lockout after repeated failures, a new session at sign-in, sign-out ends
it, and every failure is in the access log."""

from django.conf import settings
from django.test import Client

from audit.models import AccessAction, AccessLogEntry
from tests.factories import PASSWORD


def _sign_in(client, username, password):
    return client.post("/sign-in/", {"username": username, "password": password})


def test_wrong_password_shows_error_summary_and_is_logged(world):
    client = Client()
    user = world.a.users["coordinator"]

    response = _sign_in(client, user.username, "not-the-password")

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter a correct username and password" in page
    failure = AccessLogEntry.objects.get(action=AccessAction.LOGIN_FAILED)
    assert failure.username == user.username
    assert failure.user_id == user.pk
    assert failure.tenant_id == world.a.tenant.pk


def test_unknown_username_is_logged_without_a_user(db):
    _sign_in(Client(), "nobody-here", "whatever")

    failure = AccessLogEntry.objects.get(action=AccessAction.LOGIN_FAILED)
    assert failure.user_id is None
    assert failure.username == "nobody-here"
    assert failure.detail == "no such user"


def test_repeated_failures_lock_the_account_even_with_the_right_password(world):
    client = Client()
    user = world.a.users["coordinator"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, user.username, "guessing")

    response = _sign_in(client, user.username, PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Your account is locked" in page
    assert "Ask your tenant administrator to unlock your account" in page
    assert "_auth_user_id" not in client.session
    # A colleague behind the same office address can still sign in: the ceiling for one
    # address alone is higher (see test_lockout.py).
    assert _sign_in(Client(), world.a.users["chair"].username, PASSWORD).status_code == 302


def test_sign_in_starts_a_new_session(world):
    client = Client()
    anonymous = client.session
    anonymous["seen_cookie_banner"] = True
    anonymous.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous.session_key

    response = _sign_in(client, world.a.users["coordinator"].username, PASSWORD)

    assert response.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != anonymous.session_key
    # The session cookie lasts only as long as the browser, and idles out after 30 minutes.
    assert client.cookies[settings.SESSION_COOKIE_NAME]["expires"] == ""
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_sign_out_ends_the_session(world, login):
    client = login(world.a.users["coordinator"])
    assert client.get("/").status_code == 200

    assert client.get("/sign-out/").status_code == 405  # a link cannot sign anyone out
    response = client.post("/sign-out/")

    assert response.status_code in (200, 302)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/sign-in/")
    assert AccessLogEntry.objects.filter(action=AccessAction.LOGOUT).count() == 1


def test_client_address_comes_from_the_trusted_proxy_only(world, settings):
    from django.test import RequestFactory

    from audit.context import client_ip

    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"  # no proxy: the header is the client's own claim
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # what our one proxy saw, not the forged hop
