"""An invitee answers a forum invitation in a real browser, sending a deputy: the page, its
error and its confirmation pass axe-core."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Forum, ForumCoreMember, ForumInvitation, ForumSeason, ForumSession
from meetings.services.invitations import core_invitations_create
from tests.e2e.navigation import follow
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invitee_sends_a_deputy(live_server, world, page, axe_violations):
    a = world.a
    invitee, deputy = a.users["police_practitioner"], a.users["police_manager"]
    season = ForumSeason.objects.create(
        tenant=a.tenant, name="Charnwood forums", created_by=a.users["coordinator"]
    )
    held_on = timezone.localdate() + timedelta(days=30)
    forum = Forum.objects.create(
        tenant=a.tenant,
        season=season,
        held_on=held_on,
        venue="Loughborough Town Hall",
        nomination_deadline=timezone.make_aware(
            datetime.combine(held_on - timedelta(days=14), time(12))
        ),
    )
    ForumSession.objects.create(
        forum=forum, cluster="Wreake Valley", starts_at=time(9, 30), ends_at=time(12)
    )
    ForumCoreMember.objects.create(season=season, user=invitee, agency=a.police)
    invitation = core_invitations_create(forum=forum, by=None)[0]

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(invitee.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(live_server.url + reverse("meetings:invitation", args=[invitation.pk]))
    assert axe_violations(page) == []
    page.get_by_label("I am sending a deputy from my agency").check()
    follow(page.get_by_role("button", name="Send your answer"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Your deputy").select_option(str(deputy.pk))
    follow(page.get_by_role("button", name="Send your answer"))
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    assert axe_violations(page) == []
    invitation = ForumInvitation.objects.get(pk=invitation.pk)
    assert (invitation.response, invitation.deputy) == ("deputy", deputy)
