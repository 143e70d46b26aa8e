"""The sign-in lockout (ASVS 2.2.1): per account and address, with a higher ceiling per address;
the user agent plays no part, a success resets nothing, and only the tenant administrator
unlocks early."""

from django.conf import settings
from django.test import Client

from audit.models import AccessAction, AccessLogEntry
from tests.factories import PASSWORD

OFFICE, HOME = "198.51.100.7", "203.0.113.9"


def _sign_in(username, password, *, address=OFFICE, agent="Firefox"):
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    return client.post("/sign-in/", {"username": username, "password": password})


def test_rotating_the_user_agent_does_not_bypass_the_lockout(world):
    user = world.a.users["school_practitioner"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(user.username, "guessing", agent=f"Browser {attempt}")

    response = _sign_in(user.username, PASSWORD, agent="Yet another browser")

    assert response.status_code == 429


def test_thirty_usernames_from_one_address_with_rotating_agents_are_locked_out(world):
    statuses = [
        _sign_in(f"guessed-name-{n}", "Password1", agent=f"Browser {n}").status_code
        for n in range(30)
    ]

    assert 429 in statuses
    assert statuses.index(429) <= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    # Past the ceiling the address is refused even with a right password...
    user = world.a.users["school_practitioner"]
    assert _sign_in(user.username, PASSWORD).status_code == 429
    # ...while the same account from elsewhere is not.
    assert _sign_in(user.username, PASSWORD, address=HOME).status_code == 302


def test_a_successful_sign_in_does_not_reset_the_count(world):
    victim, insider = world.a.users["school_practitioner"], world.a.users["assessor"]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(victim.username, "guessing")
    assert _sign_in(insider.username, PASSWORD).status_code == 302
    assert _sign_in(victim.username, PASSWORD).status_code == 302

    _sign_in(victim.username, "guessing")

    assert _sign_in(victim.username, PASSWORD).status_code == 429


def test_a_colleague_cannot_lock_another_out_from_a_different_address(world):
    victim = world.a.users["school_practitioner"]
    for _ in range(settings.AXES_FAILURE_LIMIT * 2):
        _sign_in(victim.username, "guessing", address=OFFICE)

    assert _sign_in(victim.username, PASSWORD, address=HOME).status_code == 302


def _lock(user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(user.username, "guessing")
    assert _sign_in(user.username, PASSWORD).status_code == 429


def test_tenant_administrator_sees_and_unlocks_a_locked_account(world, login):
    victim = world.a.users["school_practitioner"]
    _lock(victim)
    admin_client = login(world.a.users["tenant_admin"])
    listing = admin_client.get("/admin/agencies/user/?q=school_practitioner").content.decode()
    assert 'alt="True"' in listing  # the "Sign-in locked" column

    response = admin_client.post(
        "/admin/agencies/user/",
        {"action": "unlock_sign_in", "_selected_action": [str(victim.pk)]},
    )

    assert response.status_code == 302
    assert _sign_in(victim.username, PASSWORD).status_code == 302
    entry = AccessLogEntry.objects.get(action=AccessAction.SIGN_IN_UNLOCKED)
    assert entry.user == world.a.users["tenant_admin"]
    assert entry.tenant_id == world.a.tenant.pk and victim.username in entry.detail


def test_another_tenants_administrator_cannot_unlock(world, login):
    victim = world.a.users["school_practitioner"]
    _lock(victim)

    login(world.b.users["tenant_admin"]).post(
        "/admin/agencies/user/",
        {"action": "unlock_sign_in", "_selected_action": [str(victim.pk)]},
    )

    assert _sign_in(victim.username, PASSWORD).status_code == 429
    assert not AccessLogEntry.objects.filter(action=AccessAction.SIGN_IN_UNLOCKED).exists()


def test_tenant_administrator_resets_a_lost_authenticator(world, login):
    coordinator = world.a.users["coordinator"]
    login(coordinator)  # sets up the app

    login(world.a.users["tenant_admin"]).post(
        "/admin/agencies/user/",
        {"action": "reset_second_factor", "_selected_action": [str(coordinator.pk)]},
    )

    response = _sign_in(coordinator.username, PASSWORD)
    assert response["Location"].startswith("/account/two-factor/set-up/")
    assert AccessLogEntry.objects.filter(action=AccessAction.SECOND_FACTOR_RESET).exists()


def test_behind_a_proxy_each_client_address_is_counted_apart(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    victim = world.a.users["school_practitioner"]

    def via_proxy(password, forwarded):
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
        return client.post("/sign-in/", {"username": victim.username, "password": password})

    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # What the client writes itself (left of our proxy's entry) changes nothing.
        via_proxy("guessing", f"192.0.2.{attempt}, {OFFICE}")

    assert via_proxy(PASSWORD, OFFICE).status_code == 429
    assert via_proxy(PASSWORD, HOME).status_code == 302
