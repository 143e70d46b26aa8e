"""The second factor (ASVS 2.2, 2.8): required of coordinators, managers, MAF chairs and tenant
administrators, offered to every practitioner, and enforced on every page and on the API for a
session that has passed only the password."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.second_factor import authenticator_of
from audit.models import AccessAction, AccessLogEntry
from tests.factories import PASSWORD, current_code

REQUIRED = ["coordinator", "chair", "caf_manager", "school_manager", "tenant_admin"]


def _password_only(user) -> tuple[Client, str]:
    client = Client()
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client, response["Location"]


def _enrolled(user, login):
    login(user)  # the first sign-in sets the app up
    return authenticator_of(user)


@pytest.mark.parametrize("name", REQUIRED)
def test_roles_that_see_across_agencies_must_set_up_the_app_before_anything_else(world, name):
    user = world.a.users[name]

    client, step = _password_only(user)

    assert step.startswith("/account/two-factor/set-up/")
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/account/two-factor/set-up/")
    case = client.get(f"/cases/{world.a.case.pk}/")
    assert case.status_code == 302 and world.a.case.child.family_name not in case.content.decode()
    assert client.get("/account/").status_code == 302
    assert client.get("/api/cases/").status_code in (401, 403)


def test_setting_up_the_app_shows_a_qr_code_and_the_key_then_recovery_codes(world):
    user = world.a.users["coordinator"]
    client, step = _password_only(user)

    page = client.get(step).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(step, {"code": "000000" if current_code(device) != "000000" else "111111"})
    done = client.post(step, {"code": current_code(device)})

    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'app-setup-key">([A-Z2-7 ]+)<', page).group(1)
    assert len(secret.replace(" ", "")) == 32
    assert wrong.status_code == 200 and "govuk-error-summary" in wrong.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    assert client.get("/api/cases/").status_code == 200


def test_with_the_app_set_up_sign_in_asks_for_its_code(world, login):
    user = world.a.users["coordinator"]
    device = _enrolled(user, login)

    client, step = _password_only(user)

    assert step.startswith("/sign-in/verify/")
    assert client.get("/").status_code == 302
    assert client.get("/api/cases/").status_code in (401, 403)
    assert client.get("/admin/").status_code == 302
    # A session with the password alone cannot set up a second app of its own.
    assert client.get("/account/two-factor/set-up/")["Location"] == "/account/"
    response = client.post(step, {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/cases/").status_code == 200


def test_a_wrong_code_is_refused_logged_and_slows_the_next_try(world, login):
    user = world.a.users["coordinator"]
    device = _enrolled(user, login)
    client, step = _password_only(user)
    right = current_code(device)
    wrong = f"{(int(right) + 1) % 1000000:06d}"

    refused = client.post(step, {"code": wrong})
    too_soon = client.post(step, {"code": right})

    assert refused.status_code == 200
    assert "Enter the 6-digit code" in refused.content.decode()
    assert AccessLogEntry.objects.filter(
        action=AccessAction.SECOND_FACTOR_FAILED, user=user
    ).exists()
    assert "Too many wrong codes" in too_soon.content.decode()
    assert client.get("/").status_code == 302


def test_a_recovery_code_signs_in_once(world):
    user = world.a.users["coordinator"]
    client, step = _password_only(user)
    client.get(step)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    codes = re.findall(
        r"<li><code>([a-z2-7]{8})</code></li>",
        client.post(step, {"code": current_code(device)}).content.decode(),
    )

    again, verify = _password_only(user)
    used = again.post(verify, {"code": codes[0].upper()})
    third, verify = _password_only(user)
    reused = third.post(verify, {"code": codes[0]})

    assert used.status_code == 302 and again.get("/").status_code == 200
    assert reused.status_code == 200 and third.get("/").status_code == 302


def test_practitioners_are_offered_the_app_and_then_asked_for_it(world, login):
    user = world.a.users["school_practitioner"]
    client = login(user)
    assert client.get("/").status_code == 200  # not required of them
    account = client.get("/account/").content.decode()
    assert "Set up an authenticator app" in account

    client.get("/account/two-factor/set-up/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post("/account/two-factor/set-up/", {"code": current_code(device)})

    _, step = _password_only(user)
    assert step.startswith("/sign-in/verify/")


def test_new_recovery_codes_replace_the_old(world, login):
    user = world.a.users["coordinator"]
    client = login(user)

    first = client.post("/account/two-factor/recovery-codes/").content.decode()
    second = client.post("/account/two-factor/recovery-codes/").content.decode()

    old = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", first)
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", second)
    assert len(new) == 10 and not set(old) & set(new)
    other, step = _password_only(user)
    assert other.post(step, {"code": old[0]}).status_code == 200  # refused


def test_sign_out_is_open_before_the_second_factor(world):
    client, _ = _password_only(world.a.users["coordinator"])

    client.post("/sign-out/")

    assert "_auth_user_id" not in client.session


def test_no_one_reads_authenticator_secrets_in_admin(world, login):
    from tests.test_admin import platform_user_with_password

    operator = login(platform_user_with_password())

    for path in ("/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"):
        assert operator.get(path).status_code == 404
