"""The forum pages and API (R-MAF-1..2, R-MAF-4): coordinators set up seasons, practitioners
nominate from the case, forum pages name only the children the viewer may see, and every
forum, season and nomination route answers 404 to whoever may not open it."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from consent.services import consent_withdraw
from meetings.models import Forum, ForumSeason, Nomination, NominationKind, NominationState
from meetings.services.forums import core_member_add, forum_schedule, forum_session_add
from meetings.services.nominations import nomination_create
from tests.assessment_states import consented_case, logged
from tests.forum_states import forum_day, scheduled_forum

pytestmark = pytest.mark.django_db


def _date(prefix: str, day) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def _forum_post(day, **extra) -> dict:
    deadline = day - timedelta(days=3)
    return {
        "action": "forum",
        **_date("forum-held_on", day),
        **_date("forum-nomination_deadline", deadline),
        "forum-deadline_time": "12:00",
        "forum-venue": "Burleigh Community College",
        "forum-venue_address": "Thorpe Hill, Loughborough",
        **extra,
    }


def _nominated(world, family_name="Nominated", *, excluded_police=False, late=False):
    forum, session = scheduled_forum(world)
    case = logged(world, family_name).case
    if excluded_police:
        consent_withdraw(
            case=case, by=world.a.users["assessor"], on=timezone.localdate(), agency=world.a.police
        )
    if late:
        Forum.objects.filter(pk=forum.pk).update(
            nomination_deadline=timezone.now() - timedelta(hours=1)
        )
    nomination = nomination_create(
        session=session, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
    )
    return forum, session, case, nomination


# --- The coordinator sets up a season -----------------------------------------------------


def test_a_coordinator_sets_up_a_season_with_a_forum_and_two_sessions(world, login):
    client = login(world.a.users["coordinator"])
    response = client.post(
        "/forums/seasons/new/", {"name": "Charnwood forums 2027", "area": "Charnwood"}
    )
    season = ForumSeason.objects.get(name="Charnwood forums 2027")
    assert response["Location"] == f"/forums/seasons/{season.pk}/"
    day = forum_day(20)
    chair = world.a.users["chair"]
    response = client.post(
        f"/forums/seasons/{season.pk}/", _forum_post(day, **{"forum-chair": str(chair.pk)})
    )
    assert response.status_code == 302
    forum = season.forums.get()
    assert (forum.held_on, forum.chair) == (day, chair)
    for cluster, start, end in (
        ("Wreake Valley", "09:00", "10:30"),
        ("Longslade", "11:00", "12:30"),
    ):
        response = client.post(
            f"/forums/seasons/{season.pk}/",
            {
                "action": "session",
                "session-forum": str(forum.pk),
                "session-cluster": cluster,
                "session-starts_at": start,
                "session-ends_at": end,
            },
        )
        assert response.status_code == 302
    assert list(forum.sessions.values_list("cluster", flat=True)) == [
        "Wreake Valley",
        "Longslade",
    ]
    page = client.get("/forums/").content.decode()
    assert "Burleigh Community College" in page and "Longslade" in page


def test_a_seventh_forum_in_a_season_is_a_field_error(world, login):
    forum, _ = scheduled_forum(world)
    client = login(world.a.users["coordinator"])
    url = f"/forums/seasons/{forum.season_id}/"
    for weeks in range(1, 6):
        assert client.post(url, _forum_post(forum_day(20 + 5 * weeks))).status_code == 302
    response = client.post(url, _forum_post(forum_day(60), **{"forum-venue": "Seventh Hall"}))
    assert response.status_code == 200
    form = response.context["forum_form"]
    assert "at most 6" in form.errors["held_on_day"][0]
    assert 'value="Seventh Hall"' in response.content.decode()
    assert forum.season.forums.count() == 6


def test_a_date_that_is_not_a_date_is_a_field_error_with_what_was_typed_kept(world, login):
    forum, _ = scheduled_forum(world)
    client = login(world.a.users["coordinator"])
    post = _forum_post(forum_day(30))
    post.update({"forum-held_on_day": "31", "forum-held_on_month": "2", "forum-held_on_year": "x"})
    post["forum-deadline_time"] = "25:99"
    response = client.post(f"/forums/seasons/{forum.season_id}/", post)
    assert response.status_code == 200
    errors = response.context["forum_form"].errors
    assert "real date" in errors["held_on_day"][0]
    assert "09:30" in errors["deadline_time"][0]
    html = response.content.decode()
    assert 'value="31"' in html and 'value="25:99"' in html
    assert "There is a problem" in html


def test_a_forum_on_a_weekend_is_refused_beside_its_date(world, login):
    forum, _ = scheduled_forum(world)
    day = forum_day(30)
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    client = login(world.a.users["coordinator"])
    response = client.post(f"/forums/seasons/{forum.season_id}/", _forum_post(saturday))
    assert "working days" in response.context["forum_form"].errors["held_on_day"][0]


def test_a_coordinator_adds_and_removes_a_core_member(world, login):
    forum, _ = scheduled_forum(world)
    officer = world.a.users["police_practitioner"]
    client = login(world.a.users["coordinator"])
    url = f"/forums/seasons/{forum.season_id}/"
    member_key = f"{officer.pk}:{world.a.police.pk}"
    assert client.post(url, {"action": "member", "member-member": member_key}).status_code == 302
    member = forum.season.core_members.get()
    assert member.user == officer
    client.post(url, {"action": "member_remove", "member": str(member.pk)})
    assert not forum.season.core_members.exists()


# --- Nominating from the case -------------------------------------------------------------


def test_a_practitioner_nominates_a_logged_case_from_the_case_page(world, login):
    _, session = scheduled_forum(world)
    case = logged(world, "Nominee").case
    client = login(world.a.users["assessor"])
    assert f"/cases/{case.pk}/nominate/" in client.get(f"/cases/{case.pk}/").content.decode()
    page = client.get(f"/cases/{case.pk}/nominate/")
    assert page.context["form"].initial["kind"] == NominationKind.NEW
    response = client.post(
        f"/cases/{case.pk}/nominate/",
        {
            "session": str(session.pk),
            "kind": "new",
            "reason": "Ideas for support with mornings.",
            "agencies": [str(world.a.police.pk)],
        },
    )
    nomination = Nomination.objects.get(case=case)
    assert response["Location"] == f"/forums/nominations/{nomination.pk}/"
    assert nomination.state == NominationState.NOMINATED
    assert set(nomination.attendees.values_list("agency", flat=True)) == {
        world.a.school.pk,
        world.a.police.pk,
    }
    assert "Forum on" in client.get(f"/cases/{case.pk}/").content.decode()


def test_an_unlogged_case_gets_the_explanation_instead_of_the_form(world, login):
    scheduled_forum(world)
    case = consented_case(world, "Unlogged")
    client = login(world.a.users["assessor"])
    response = client.get(f"/cases/{case.pk}/nominate/")
    assert response.context["form"] is None
    assert "logged its completed CAF" in response.content.decode()
    client.post(f"/cases/{case.pk}/nominate/", {"kind": "new"})
    assert not Nomination.objects.filter(case=case).exists()


def test_an_excluded_agency_is_not_offered_to_hear_the_case(world, login):
    scheduled_forum(world)
    case = logged(world, "Offered").case
    consent_withdraw(
        case=case, by=world.a.users["assessor"], on=timezone.localdate(), agency=world.a.police
    )
    form = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/nominate/").context["form"]
    offered = dict(form.fields["agencies"].choices)
    assert str(world.a.police.pk) not in offered and str(world.a.school.pk) in offered


def test_a_nomination_without_a_session_is_a_field_error(world, login):
    scheduled_forum(world)
    case = logged(world, "Sessionless").case
    client = login(world.a.users["assessor"])
    response = client.post(
        f"/cases/{case.pk}/nominate/", {"kind": "new", "reason": "Kept as typed"}
    )
    assert response.status_code == 200
    assert "session" in response.context["form"].errors
    assert "Kept as typed" in response.content.decode()


# --- Forum pages name only the children the viewer may see (R-MAF-4) -----------------------


def test_an_excluded_agency_sees_the_forum_but_not_the_child(world, login):
    forum, _, case, nomination = _nominated(world, "Hiddenchild", excluded_police=True)
    officer = login(world.a.users["police_practitioner"])
    page = officer.get(f"/forums/{forum.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hiddenchild" not in html
    assert case.child.date_of_birth.strftime("%-d %B %Y") not in html
    assert page.context["visible_count"] == 0
    assert officer.get(f"/forums/nominations/{nomination.pk}/").status_code == 404
    # The school, who may see the case, sees the child on the same forum.
    assessor_page = login(world.a.users["assessor"]).get(f"/forums/{forum.pk}/")
    assert "Hiddenchild" in assessor_page.content.decode()
    assert assessor_page.context["visible_count"] == 1


def test_the_coordinator_accepts_a_late_nomination(world, login):
    forum, _, _, nomination = _nominated(world, "Latecomer", late=True)
    assert nomination.state == NominationState.LATE
    client = login(world.a.users["coordinator"])
    page = client.get(f"/forums/{forum.pk}/").content.decode()
    assert "Accept onto this forum" in page and "Move to the next forum" in page
    response = client.post(
        f"/forums/{forum.pk}/", {"nomination": str(nomination.pk), "action": "accept"}
    )
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.state == NominationState.NOMINATED
    assert nomination.late_accepted_by == world.a.users["coordinator"]


def test_moving_a_late_nomination_needs_a_reason(world, login):
    forum, _, _, nomination = _nominated(world, "Reasonless", late=True)
    client = login(world.a.users["coordinator"])
    response = client.post(
        f"/forums/{forum.pk}/", {"nomination": str(nomination.pk), "action": "defer"}
    )
    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    nomination.refresh_from_db()
    assert nomination.state == NominationState.LATE


def test_the_presenter_asks_an_agency_to_hear_the_case_and_withdraws_it(world, login):
    _, _, _, nomination = _nominated(world, "Presented")
    client = login(world.a.users["assessor"])
    url = f"/forums/nominations/{nomination.pk}/"
    response = client.post(url, {"action": "attendee_add", "attendee-agency": world.a.police.pk})
    assert response.status_code == 302
    police = nomination.attendees.get(agency=world.a.police)
    client.post(url, {"action": "attendee_remove", "attendee": str(police.pk)})
    assert not nomination.attendees.filter(agency=world.a.police).exists()
    client.post(url, {"action": "withdraw"})
    nomination.refresh_from_db()
    assert nomination.state == NominationState.WITHDRAWN


def test_a_colleague_who_sees_the_case_cannot_withdraw_anothers_nomination(world, login):
    _, _, _, nomination = _nominated(world, "Colleague")
    client = login(world.a.users["school_practitioner"])
    url = f"/forums/nominations/{nomination.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "withdraw"}).status_code == 404
    nomination.refresh_from_db()
    assert nomination.state == NominationState.NOMINATED


# --- Every forum, season and nomination route, as everyone --------------------------------

CASEWORK = {
    "assessor",
    "school_practitioner",
    "school_manager",
    "police_practitioner",
    "police_manager",
    "coordinator",
    "chair",
    "caf_manager",
}


def _everyone(world):
    users = {f"a.{name}": user for name, user in world.a.users.items()}
    users.update({f"b.{name}": user for name, user in world.b.users.items()})
    return users


def test_forum_season_and_nomination_pages_answer_only_those_allowed(world, login):
    forum, _, case, nomination = _nominated(world, "Walked", excluded_police=True)
    problems = []
    for label, user in _everyone(world).items():
        client = login(user)
        tenant, name = label.split(".")
        # Lists and the new season's page are of one's own tenant; the rest are world a's.
        casework = tenant == "a" and name in CASEWORK
        coordinator = tenant == "a" and name == "coordinator"
        sees_case = casework and not name.startswith("police")
        expected = {
            "/forums/": name in CASEWORK,
            f"/forums/{forum.pk}/": casework,
            "/forums/seasons/new/": name == "coordinator",
            f"/forums/seasons/{forum.season_id}/": coordinator,
            f"/forums/{forum.pk}/change/": coordinator,
            f"/forums/nominations/{nomination.pk}/": sees_case,
        }
        for url, allowed in expected.items():
            status = client.get(url).status_code
            if status != (200 if allowed else 404):
                problems.append(f"{label} GET {url} -> {status}")
        for url in (
            "/forums/seasons/new/",
            f"/forums/seasons/{forum.season_id}/",
            f"/forums/{forum.pk}/change/",
        ):
            if name != "coordinator" and client.post(url, {"action": "cancel"}).status_code != 404:
                problems.append(f"{label} POST {url} answered")
        season_post = client.post(f"/forums/seasons/{forum.season_id}/", {"action": "member"})
        if not coordinator and season_post.status_code != 404:
            problems.append(f"{label} POST to world a's season answered")
        if casework:
            html = client.get(f"/forums/{forum.pk}/").content.decode()
            if ("Walked" in html) != sees_case:
                problems.append(f"{label} forum page: the child shown={'Walked' in html}")
        missing = client.get("/forums/nominations/99999999/")
        theirs = client.get(f"/forums/nominations/{nomination.pk}/")
        if not sees_case and b"Walked" in theirs.content:
            problems.append(f"{label}: the child's name is in the 404")
        if missing.status_code != 404:
            problems.append(f"{label}: a missing nomination answered {missing.status_code}")
    assert problems == []
    assert not ForumSeason.objects.filter(name="Intruded").exists()


def test_another_tenants_forum_is_404_like_a_missing_one(world, login):
    forum, _ = scheduled_forum(world)
    client = login(world.b.users["coordinator"])
    theirs = client.get(f"/forums/{forum.pk}/")
    missing = client.get("/forums/99999999/")
    assert theirs.status_code == missing.status_code == 404


# --- The API --------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_api_creates_a_season_with_a_forum_a_session_and_a_core_member(world):
    client = _api(world.a.users["coordinator"])
    season = client.post("/api/forum-seasons/", {"name": "API season"}, format="json")
    assert season.status_code == 201, season.json()
    day = forum_day(25)
    deadline = f"{day - timedelta(days=4)}T12:00:00"
    forum = client.post(
        f"/api/forum-seasons/{season.json()['id']}/forums/",
        {"held_on": str(day), "venue": "Hall", "nomination_deadline": deadline},
        format="json",
    )
    assert forum.status_code == 201, forum.json()
    session = client.post(
        f"/api/forums/{forum.json()['id']}/sessions/",
        {"cluster": "Longslade", "starts_at": "09:00", "ends_at": "10:00"},
        format="json",
    )
    assert session.status_code == 201, session.json()
    member = client.post(
        f"/api/forum-seasons/{season.json()['id']}/core-members/",
        {"user": world.a.users["police_practitioner"].pk, "agency": world.a.police.pk},
        format="json",
    )
    assert member.status_code == 201, member.json()


def test_api_bad_dates_are_field_errors_not_server_errors(world):
    forum, _ = scheduled_forum(world)
    client = _api(world.a.users["coordinator"])
    response = client.post(
        f"/api/forum-seasons/{forum.season_id}/forums/",
        {"held_on": "2027-02-31", "venue": "Hall", "nomination_deadline": "soon"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"held_on", "nomination_deadline"}
    past = client.post(
        f"/api/forum-seasons/{forum.season_id}/forums/",
        {"held_on": "2020-01-06", "venue": "Hall", "nomination_deadline": "2020-01-01T12:00"},
        format="json",
    )
    assert past.status_code == 400 and "held_on" in past.json()


def test_api_seasons_are_404_to_anyone_but_a_coordinator(world):
    forum, _ = scheduled_forum(world)
    for user in (world.a.users["assessor"], world.a.users["chair"], world.b.users["coordinator"]):
        client = _api(user)
        assert client.get(f"/api/forum-seasons/{forum.season_id}/").status_code == 404
        assert (
            client.post(
                f"/api/forum-seasons/{forum.season_id}/forums/", {}, format="json"
            ).status_code
            == 404
        )
    for user in (world.a.users["assessor"], world.a.users["chair"]):
        assert (
            _api(user).post("/api/forum-seasons/", {"name": "X"}, format="json").status_code == 404
        )


def test_api_nominations_are_created_and_listed_only_for_those_who_see_the_case(world):
    forum, session = scheduled_forum(world)
    case = logged(world, "Apinominee").case
    consent_withdraw(
        case=case, by=world.a.users["assessor"], on=timezone.localdate(), agency=world.a.police
    )
    assessor = _api(world.a.users["assessor"])
    created = assessor.post(
        "/api/nominations/",
        {"session": session.pk, "case": case.pk, "kind": "new", "reason": "Help"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    nomination_id = created.json()["id"]
    assert [n["id"] for n in assessor.get("/api/nominations/").json()["results"]] == [nomination_id]
    officer = _api(world.a.users["police_practitioner"])
    assert officer.get("/api/nominations/").json()["results"] == []
    assert officer.get(f"/api/nominations/{nomination_id}/").status_code == 404
    detail = officer.get(f"/api/forums/{forum.pk}/").json()
    assert detail["nominations"] == [] and "Apinominee" not in str(detail)
    assert _api(world.b.users["coordinator"]).get(f"/api/forums/{forum.pk}/").status_code == 404
    # Nobody nominates a case they cannot see.
    refused = officer.post(
        "/api/nominations/",
        {"session": session.pk, "case": case.pk, "kind": "new"},
        format="json",
    )
    assert refused.status_code == 400 and "case" in refused.json()


def test_api_late_nominations_are_accepted_or_deferred_by_the_coordinator_only(world):
    _, _, _, nomination = _nominated(world, "Apilate", late=True)
    assert (
        _api(world.a.users["assessor"])
        .post(f"/api/nominations/{nomination.pk}/accept-late/")
        .status_code
        == 404
    )
    coordinator = _api(world.a.users["coordinator"])
    assert (
        coordinator.post(f"/api/nominations/{nomination.pk}/defer/", {}, format="json").status_code
        == 400
    )
    response = coordinator.post(f"/api/nominations/{nomination.pk}/accept-late/")
    assert response.status_code == 200 and response.json()["state"] == "nominated"


def test_core_members_are_listed_on_the_season(world):
    forum, _ = scheduled_forum(world)
    core_member_add(
        season=forum.season,
        by=world.a.users["coordinator"],
        user=world.a.users["police_practitioner"],
        agency=world.a.police,
    )
    response = _api(world.a.users["coordinator"]).get(f"/api/forum-seasons/{forum.season_id}/")
    assert [m["agency"] for m in response.json()["core_members"]] == [world.a.police.pk]


def test_api_a_forum_years_ahead_or_a_deadline_months_before_is_a_field_error(world):
    forum, _ = scheduled_forum(world)
    client = _api(world.a.users["coordinator"])
    url = f"/api/forum-seasons/{forum.season_id}/forums/"
    far = client.post(
        url,
        {"held_on": "2597-12-27", "venue": "Hall", "nomination_deadline": "2597-12-20T12:00"},
        format="json",
    )
    assert far.status_code == 400 and "held_on" in far.json()
    day = forum_day(30)
    early = client.post(
        url,
        {"held_on": str(day), "venue": "Hall", "nomination_deadline": "2020-01-01T12:00"},
        format="json",
    )
    assert early.status_code == 400 and "nomination_deadline" in early.json()


def test_a_coordinator_moves_a_forum_and_a_stale_edit_keeps_what_was_typed(world, login):
    forum, _ = scheduled_forum(world)
    client = login(world.a.users["coordinator"])
    url = f"/forums/{forum.pk}/change/"
    page = client.get(url).content.decode()
    assert forum.venue in page
    later = forum.held_on + timedelta(days=7)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    post = _forum_post(later, **{"forum-venue": "Castle Hall"})
    del post["action"]
    response = client.post(url, {"action": "change", "revision": forum.revision, **post})
    assert response.status_code == 302
    forum.refresh_from_db()
    assert (forum.held_on, forum.venue) == (later, "Castle Hall")
    # The same edit again, begun before the save above: refused, the typing kept.
    stale = client.post(
        url, {"action": "change", "revision": forum.revision - 1, **post, "forum-venue": "Mine"}
    )
    assert stale.status_code == 400
    assert b"A colleague changed this forum" in stale.content
    assert b'value="Mine"' in stale.content


def test_a_coordinator_cancels_a_forum(world, login):
    forum, _ = scheduled_forum(world)
    client = login(world.a.users["coordinator"])
    assert client.post(f"/forums/{forum.pk}/change/", {"action": "cancel"}).status_code == 302
    forum.refresh_from_db()
    assert forum.state == "cancelled"
    assert client.get(f"/forums/{forum.pk}/change/").status_code == 404


def test_cancelling_a_forum_moves_its_cases_to_the_next_or_is_refused(world, login):
    forum, session, case, nomination = _nominated(world, "Cancelled")
    client = login(world.a.users["coordinator"])
    url = f"/forums/{forum.pk}/change/"
    refused = client.post(url, {"action": "cancel"}, follow=True)
    assert b"next forum" in refused.content
    forum.refresh_from_db()
    assert forum.state == "scheduled"
    day = forum.held_on + timedelta(days=28)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    later = forum_schedule(
        season=forum.season,
        by=world.a.users["coordinator"],
        held_on=day,
        venue="Castle Hall",
        nomination_deadline=timezone.make_aware(
            datetime.combine(day - timedelta(days=3), time(12))
        ),
    )
    forum_session_add(
        forum=later,
        by=world.a.users["coordinator"],
        cluster=session.cluster,
        starts_at=time(9),
        ends_at=time(10),
    )
    assert client.post(url, {"action": "cancel"}).status_code == 302
    nomination.refresh_from_db()
    assert nomination.state == "deferred"
    assert "was cancelled" in nomination.deferral_reason
    assert case.forum_nominations.get(state="nominated").session.forum == later
