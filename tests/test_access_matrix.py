"""The access matrix (R-AUDIT-2, R-TEN-1, R-TEN-4), through the real HTTP layer.

For every role, in the case's own agency, another agency, the CAF team and another tenant:
the case page, the case API, the case list API and the home worklist agree, and a refusal
looks exactly like a case that does not exist.
"""

import re

import pytest
from knox.models import AuthToken

from audit.models import AccessAction, AccessLogEntry
from tests.factories import platform_user

# (user key in world.a, may see world.a's case)
SAME_TENANT = [
    ("assessor", True),
    ("school_practitioner", True),  # same agency as the assessor
    ("school_manager", True),
    ("coordinator", True),  # CAF team
    ("chair", True),
    ("caf_manager", True),
    ("police_practitioner", False),  # another agency
    ("police_manager", False),
    ("tenant_admin", False),  # administers staff, holds no casework role
    ("school_no_dbs", False),  # right agency, no enhanced DBS check (R-TEN-4)
]
ALL_ROLES = [name for name, _ in SAME_TENANT]


def _expected(name: str, same_tenant: bool) -> int:
    return 200 if same_tenant and dict(SAME_TENANT)[name] else 404


@pytest.mark.parametrize("name", ALL_ROLES)
@pytest.mark.parametrize("tenant", ["a", "b"])
def test_case_page(world, login, name, tenant):
    user = getattr(world, tenant).users[name]
    client = login(user)
    case = world.a.case

    response = client.get(f"/cases/{case.pk}/")

    assert response.status_code == _expected(name, tenant == "a")
    if response.status_code == 404:
        assert case.child.family_name not in response.content.decode()
        assert case.reference not in response.content.decode()
    else:
        assert case.child.full_name in response.content.decode()


@pytest.mark.parametrize("name", ALL_ROLES)
@pytest.mark.parametrize("tenant", ["a", "b"])
def test_case_api_detail_with_token(world, client, name, tenant):
    user = getattr(world, tenant).users[name]
    _, token = AuthToken.objects.create(user=user)
    case = world.a.case

    response = client.get(f"/api/cases/{case.pk}/", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == _expected(name, tenant == "a")
    if response.status_code == 200:
        assert response.json()["reference"] == case.reference
    else:
        assert case.child.family_name not in response.content.decode()


@pytest.mark.parametrize("name", ALL_ROLES)
@pytest.mark.parametrize("tenant", ["a", "b"])
def test_case_api_list_and_home_show_only_visible_cases(world, login, name, tenant):
    user = getattr(world, tenant).users[name]
    own_case = getattr(world, tenant).case
    other_case = world.b.case if tenant == "a" else world.a.case
    client = login(user)
    sees_own = dict(SAME_TENANT)[name]

    listed = client.get("/api/cases/").json()
    home = client.get("/").content.decode()

    assert [row["reference"] for row in listed["results"]] == (
        [own_case.reference] if sees_own else []
    )
    # Cursor paging: no total that would reveal how many cases exist.
    assert "count" not in listed
    assert (own_case.child.full_name in home) is sees_own
    assert other_case.child.full_name not in home


def test_missing_and_forbidden_cases_are_indistinguishable(world, login):
    client = login(world.a.users["police_practitioner"])

    forbidden = client.get(f"/cases/{world.a.case.pk}/")
    missing = client.get("/cases/999999/")

    assert forbidden.status_code == missing.status_code == 404

    # Identical but for the per-response CSP nonce and masked CSRF token.
    def page_text(response):
        return re.sub(rb'(nonce|value)="[^"]*"', b"", response.content)

    assert page_text(forbidden) == page_text(missing)


def test_superuser_sees_no_case_content(world, client):
    superuser = platform_user()
    superuser.set_password("platform-password-1")
    superuser.save()
    client.force_login(superuser)

    assert client.get(f"/cases/{world.a.case.pk}/").status_code == 404
    assert client.get("/api/cases/").json()["results"] == []


def test_anonymous_is_sent_to_sign_in_and_api_refuses(world, client):
    page = client.get(f"/cases/{world.a.case.pk}/")
    api = client.get(f"/api/cases/{world.a.case.pk}/")

    assert page.status_code == 302 and page["Location"].startswith("/sign-in/")
    assert api.status_code in (401, 403)
    assert world.a.case.child.family_name not in api.content.decode()


def test_deactivated_agency_membership_ends_access(world, login):
    from agencies.services import membership_remove

    practitioner = world.a.users["school_practitioner"]
    client = login(practitioner)
    assert client.get(f"/cases/{world.a.case.pk}/").status_code == 200

    membership_remove(membership=practitioner.memberships.get(), by=platform_user())

    assert client.get(f"/cases/{world.a.case.pk}/").status_code == 404


def test_every_view_and_refusal_is_in_the_access_log(world, login):
    case = world.a.case
    viewer = login(world.a.users["coordinator"])
    viewer.get(f"/cases/{case.pk}/")
    viewer.get(f"/api/cases/{case.pk}/")
    refused = login(world.b.users["coordinator"])
    refused.get(f"/cases/{case.pk}/")

    views = AccessLogEntry.objects.filter(action=AccessAction.VIEW, case_id=case.pk)
    denials = AccessLogEntry.objects.filter(action=AccessAction.DENIED, case_id=case.pk)
    assert sorted(e.path for e in views) == sorted([f"/api/cases/{case.pk}/", f"/cases/{case.pk}/"])
    assert {e.username for e in views} == {world.a.users["coordinator"].username}
    assert views.first().child_id == case.child_id
    assert [e.username for e in denials] == [world.b.users["coordinator"].username]
