"""Practitioners change their own password with the site's rules (a floor and a ceiling), and
reset a forgotten one by email without the page telling anyone whether an account exists."""

import re

from django.core import mail
from django.test import Client, TestCase

from tests.factories import PASSWORD

NEW_PASSWORD = "a-new-and-long-Passphrase-7"


def _sign_in(username, password):
    client = Client()
    return client, client.post("/sign-in/", {"username": username, "password": password})


def test_practitioner_changes_their_password_and_stays_signed_in(world, login):
    user = world.a.users["school_practitioner"]
    client = login(user)

    page = client.get("/account/password/")
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert page.status_code == 200 and "govuk-input" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == "/account/password/changed/"
    assert client.get("/").status_code == 200
    assert _sign_in(user.username, NEW_PASSWORD)[1].status_code == 302
    assert _sign_in(user.username, PASSWORD)[1].status_code == 200


def test_a_new_password_follows_the_rules_and_is_explained_beside_the_field(world, login):
    client = login(world.a.users["school_practitioner"])

    def change(new, old=PASSWORD):
        return client.post(
            "/account/password/",
            {"old_password": old, "new_password1": new, "new_password2": new},
        ).content.decode()

    assert "incorrect" in change(NEW_PASSWORD, old="not-my-password")
    assert "too short" in change("Short-1")
    too_long = change("Aa1-" + "x" * 125)
    assert "govuk-error-summary" in too_long
    assert "128 characters or fewer" in too_long
    assert "password123" not in change("password123")  # typed passwords never echoed
    assert _sign_in(world.a.users["school_practitioner"].username, PASSWORD)[1].status_code == 302


def test_a_password_of_128_characters_is_accepted(world, login):
    user = world.a.users["school_practitioner"]
    long_password = "Aa1-" + "correct horse battery staple " * 4 + "x" * 8
    long_password = long_password[:128]
    response = login(user).post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": long_password, "new_password2": long_password},
    )
    assert response.status_code == 302


def test_changing_a_password_needs_to_be_signed_in(db):
    response = Client().get("/account/password/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def _ask_for_reset(email):
    client = Client()
    # The email is queued when the request's transaction commits; tests run in one.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/sign-in/forgotten-password/", {"email": email})
    followed = client.get(response["Location"])
    return response, followed


def _page_text(response):
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def test_reset_page_does_not_reveal_whether_an_account_exists(world):
    known = world.a.users["school_practitioner"]

    known_response, known_page = _ask_for_reset(known.email)
    unknown_response, unknown_page = _ask_for_reset("nobody@example.org")

    assert known_response.status_code == unknown_response.status_code == 302
    assert known_response["Location"] == unknown_response["Location"]
    assert _page_text(known_page) == _page_text(unknown_page)
    assert "If the address you entered belongs to an eCAF account" in known_page.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [known.email]


def test_reset_link_sets_a_new_password_once(world):
    user = world.a.users["school_practitioner"]
    _ask_for_reset(user.email)
    link = re.search(r"http://testserver(/sign-in/new-password/\S+/)", mail.outbox[0].body).group(1)
    client = Client()

    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    again = Client().get(link, follow=True)

    assert "Choose a new password" in form_page.content.decode()
    assert response.status_code == 302 and response["Location"] == "/sign-in/new-password/done/"
    assert _sign_in(user.username, NEW_PASSWORD)[1].status_code == 302
    assert "This link has expired" in again.content.decode()


def test_a_reset_password_still_needs_the_second_factor(world, login):
    user = world.a.users["coordinator"]
    login(user)  # sets up the authenticator app
    _ask_for_reset(user.email)
    link = re.search(r"http://testserver(/sign-in/new-password/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    browser, response = _sign_in(user.username, NEW_PASSWORD)

    assert response["Location"].startswith("/sign-in/verify/")
    assert browser.get("/").status_code == 302


def test_sign_in_page_links_to_the_reset(db):
    assert "/sign-in/forgotten-password/" in Client().get("/sign-in/").content.decode()


def test_a_malformed_reset_link_says_it_has_expired(db):
    for parts in ("abc/abc", "0/0", "99999999999999999999/x" * 3, "%00/%FF"):
        response = Client().get(f"/sign-in/new-password/{parts}/", follow=True)
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert "This link has expired" in response.content.decode()
