"""The agenda of a forum session (R-MAF-3), its page, API and PDFs (R-AUDIT-4): built from the
nominations, reordered by hand, confirmed by the coordinator and the chair, and shown to each
reader with only the cases they may see."""

import io
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from pypdf import PdfReader
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from consent.services import consent_withdraw
from meetings.models import ForumSession, Nomination, NominationKind, NominationState
from meetings.services import MeetingError
from meetings.services.agenda import agenda_build, agenda_confirm, agenda_reorder
from meetings.services.forums import forum_schedule, forum_session_add
from meetings.services.nominations import nomination_create
from tests.assessment_states import logged
from tests.forum_states import forum_day, scheduled_forum

pytestmark = pytest.mark.django_db


def nominate(world, session, name, *, kind=NominationKind.NEW, attendees=()):
    case = logged(world, name).case
    return nomination_create(
        session=session,
        case=case,
        by=world.a.users["assessor"],
        kind=kind,
        attendees=list(attendees),
    )


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def next_forum(world, forum):
    day = forum_day(40)
    later = forum_schedule(
        season=forum.season,
        by=world.a.users["coordinator"],
        held_on=day,
        venue="Hall",
        nomination_deadline=timezone.make_aware(
            datetime.combine(day - timedelta(days=3), time(12))
        ),
    )
    return forum_session_add(
        forum=later,
        by=world.a.users["coordinator"],
        cluster="Wreake Valley and all feeder schools",
        starts_at=time(9),
        ends_at=time(11),
    )


@pytest.fixture
def full(world):
    """Five new cases (100 minutes) nominated for a 90-minute session."""
    forum, session = scheduled_forum(world)
    nominations = [nominate(world, session, f"Full{i}") for i in range(5)]
    return forum, session, nominations


def test_a_built_agenda_fits_the_session_and_defers_only_what_does_not_fit(world, full):
    _, session, nominations = full
    result = agenda_build(session=session, by=world.a.users["coordinator"])
    assert result.method == "exact"
    scheduled = list(session.nominations.filter(state=NominationState.SCHEDULED))
    assert len(scheduled) == 4
    assert sorted(n.position for n in scheduled) == [1, 2, 3, 4]
    assert all(time(9) <= n.starts_at < n.ends_at <= time(10, 30) for n in scheduled)
    proposed = session.nominations.exclude(deferral_reason="").get()
    # Equal priority: the last nominated waits; proposed, not yet moved.
    assert proposed == nominations[-1]
    assert proposed.state == NominationState.NOMINATED
    assert "The session is full" in proposed.deferral_reason


def test_nothing_is_deferred_while_the_session_has_room(world):
    _, session = scheduled_forum(world)
    for i in range(3):
        nominate(world, session, f"Room{i}")
    agenda_build(session=session, by=world.a.users["coordinator"])
    assert not session.nominations.exclude(deferral_reason="").exists()
    assert session.nominations.filter(state=NominationState.SCHEDULED).count() == 3


def test_a_late_nomination_is_not_on_the_agenda_until_accepted(world):
    forum, session = scheduled_forum(world)
    nominate(world, session, "OnTime")
    type(forum).objects.filter(pk=forum.pk).update(
        nomination_deadline=timezone.now() - timedelta(hours=1)
    )
    late = nominate(world, session, "Late")
    assert late.state == NominationState.LATE
    agenda_build(session=session, by=world.a.users["coordinator"])
    late.refresh_from_db()
    assert late.state == NominationState.LATE and late.position is None


def test_a_reorder_by_hand_retimes_and_shows_its_cost_against_the_builders(world, login):
    _, session = scheduled_forum(world)
    police = (world.a.police, world.a.users["police_practitioner"])
    first = nominate(world, session, "Alpha", attendees=[police])
    second = nominate(world, session, "Bravo")
    third = nominate(world, session, "Charlie", attendees=[police])
    coordinator = world.a.users["coordinator"]
    built = agenda_build(session=session, by=coordinator)
    session.refresh_from_db()
    # The police officer hears the first and the third: apart, they wait through the second.
    result = agenda_reorder(
        session=session,
        by=coordinator,
        order=[first.pk, second.pk, third.pk],
        revision=session.revision,
    )
    assert result.method == "by hand"
    assert result.attendee_minutes > built.attendee_minutes
    assert [n.pk for n in session.nominations.order_by("position")] == [
        first.pk,
        second.pk,
        third.pk,
    ]
    assert Nomination.objects.get(pk=third.pk).starts_at == time(9, 40)
    page = login(coordinator).get(f"/forums/sessions/{session.pk}/agenda/").content.decode()
    assert f"Total attendee time: {result.attendee_minutes} minutes" in page
    assert f"The builder's order: {built.attendee_minutes} minutes" in page
    assert "By hand" in page


def test_the_page_reorders_without_javascript_by_place_numbers(world, login):
    _, session = scheduled_forum(world)
    a, b = nominate(world, session, "Pageone"), nominate(world, session, "Pagetwo")
    coordinator = world.a.users["coordinator"]
    agenda_build(session=session, by=coordinator)
    session.refresh_from_db()
    first, second = session.nominations.order_by("position")
    response = login(coordinator).post(
        f"/forums/sessions/{session.pk}/agenda/",
        {
            "action": "reorder",
            "revision": session.revision,
            f"place_{first.pk}": "2",
            f"place_{second.pk}": "1",
        },
    )
    assert response.status_code == 302
    assert list(session.nominations.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    assert {a.pk, b.pk} == {first.pk, second.pk}


def test_a_stale_reorder_is_refused_with_the_typed_order_kept(world, login):
    _, session = scheduled_forum(world)
    nominate(world, session, "Staleone")
    nominate(world, session, "Staletwo")
    coordinator = world.a.users["coordinator"]
    agenda_build(session=session, by=coordinator)
    session.refresh_from_db()
    stale = session.revision
    first, second = session.nominations.order_by("position")
    agenda_build(session=session, by=coordinator)  # a colleague rebuilds meanwhile
    response = login(coordinator).post(
        f"/forums/sessions/{session.pk}/agenda/",
        {
            "action": "reorder",
            "revision": stale,
            f"place_{first.pk}": "2",
            f"place_{second.pk}": "1",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "A colleague changed this agenda" in page
    assert f'name="place_{first.pk}" value="2"' in page
    assert f'name="place_{second.pk}" value="1"' in page
    with pytest.raises(MeetingError, match="colleague"):
        agenda_reorder(session=session, by=coordinator, order=[second.pk, first.pk], revision=stale)


def test_a_bad_place_is_a_field_error_not_a_server_error(world, login):
    _, session = scheduled_forum(world)
    nominate(world, session, "Badplace")
    coordinator = world.a.users["coordinator"]
    agenda_build(session=session, by=coordinator)
    session.refresh_from_db()
    only = session.nominations.get()
    response = login(coordinator).post(
        f"/forums/sessions/{session.pk}/agenda/",
        {"action": "reorder", "revision": session.revision, f"place_{only.pk}": "first"},
    )
    assert response.status_code == 400
    assert "whole number" in response.content.decode()


def test_a_late_nomination_not_accepted_goes_to_the_next_forum_when_the_agenda_is_confirmed(
    world,
):
    forum, session = scheduled_forum(world)
    on_time = nominate(world, session, "OnTime")
    type(forum).objects.filter(pk=forum.pk).update(
        nomination_deadline=timezone.now() - timedelta(hours=1)
    )
    late = nominate(world, session, "Late")
    coordinator, chair = world.a.users["coordinator"], world.a.users["chair"]
    agenda_build(session=session, by=coordinator)
    agenda_confirm(session=session, by=coordinator)
    late.refresh_from_db()
    assert late.state == NominationState.LATE  # the chair has not confirmed yet

    # No later forum arranged: the case stays late rather than dropping off every agenda.
    agenda_confirm(session=session, by=chair)
    late.refresh_from_db()
    assert late.state == NominationState.LATE

    later = next_forum(world, forum)
    session.refresh_from_db()
    agenda_build(session=session, by=coordinator, revision=session.revision)
    agenda_confirm(session=session, by=coordinator)
    agenda_confirm(session=session, by=chair)
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.state == NominationState.DEFERRED
    assert "after the deadline" in late.deferral_reason
    assert later.nominations.get().case_id == late.case_id
    assert on_time.state == NominationState.SCHEDULED


def test_deferrals_happen_only_when_the_coordinator_and_the_chair_have_both_confirmed(world, full):
    forum, session, nominations = full
    later = next_forum(world, forum)
    coordinator, chair = world.a.users["coordinator"], world.a.users["chair"]
    agenda_build(session=session, by=coordinator)
    agenda_confirm(session=session, by=coordinator)
    proposed = Nomination.objects.get(pk=nominations[-1].pk)
    assert proposed.state == NominationState.NOMINATED
    assert not later.nominations.exists()
    with pytest.raises(MeetingError, match="already"):
        agenda_confirm(session=session, by=coordinator)
    confirmed = agenda_confirm(session=session, by=chair)
    assert confirmed.agenda_confirmed
    proposed.refresh_from_db()
    assert proposed.state == NominationState.DEFERRED
    carried = later.nominations.get()
    assert carried.case_id == proposed.case_id
    assert carried.carried_from_id == proposed.pk


def test_a_rebuilt_agenda_must_be_confirmed_again(world, full):
    _, session, _ = full
    coordinator, chair = world.a.users["coordinator"], world.a.users["chair"]
    agenda_build(session=session, by=coordinator)
    agenda_confirm(session=session, by=chair)
    agenda_build(session=session, by=coordinator)
    session.refresh_from_db()
    assert session.chair_confirmed_at is None and session.coordinator_confirmed_at is None


def test_only_the_chair_and_coordinators_confirm_and_only_coordinators_build(world, full):
    _, session, _ = full
    with pytest.raises(MeetingError):
        agenda_build(session=session, by=world.a.users["assessor"])
    agenda_build(session=session, by=world.a.users["coordinator"])
    with pytest.raises(MeetingError):
        agenda_confirm(session=session, by=world.a.users["caf_manager"])


@pytest.fixture
def excluded(world):
    """Two cases on the agenda: one the family would not share with the police."""
    _, session = scheduled_forum(world)
    hidden = nominate(world, session, "Hiddenchild")
    consent_withdraw(
        case=hidden.case,
        by=world.a.users["assessor"],
        on=timezone.localdate(),
        agency=world.a.police,
    )
    shown = nominate(world, session, "Shownchild")
    agenda_build(session=session, by=world.a.users["coordinator"])
    return session, hidden, shown


def test_an_excluded_agencys_practitioner_sees_only_the_cases_shared_with_them(
    world, login, excluded
):
    session, hidden, shown = excluded
    officer = login(world.a.users["police_practitioner"])
    page = officer.get(f"/forums/sessions/{session.pk}/agenda/").content.decode()
    assert "Shownchild" in page
    assert "Hiddenchild" not in page
    assert hidden.case.reference not in page
    # No totals that count cases they cannot see.
    assert "Total attendee time" not in page
    body = api(world.a.users["police_practitioner"]).get(
        f"/api/forum-sessions/{session.pk}/agenda/"
    )
    assert body.status_code == 200
    assert [slot["child_name"] for slot in body.json()["slots"]] == ["Robin Shownchild"]
    assert body.json()["attendee_minutes"] is None
    for pdf in ("agenda.pdf", "sign-in.pdf"):
        response = officer.get(f"/forums/{session.forum_id}/{pdf}")
        assert response.status_code == 200
        text = "\n".join(pdf_pages(response.content))
        assert "Hiddenchild" not in text
        assert hidden.case.reference not in text
    assert "Shownchild" in "\n".join(
        pdf_pages(officer.get(f"/forums/{session.forum_id}/agenda.pdf").content)
    )


def test_every_page_of_the_pdfs_is_marked_with_who_printed_it(world, login, excluded):
    session, _, _ = excluded
    coordinator = world.a.users["coordinator"]
    for pdf in ("agenda.pdf", "sign-in.pdf"):
        response = login(coordinator).get(f"/forums/{session.forum_id}/{pdf}")
        assert response["Content-Type"] == "application/pdf"
        assert "no-store" in response["Cache-Control"]
        pages = pdf_pages(response.content)
        assert pages
        for text in pages:
            assert "OFFICIAL-SENSITIVE" in text
            assert f"Printed by {coordinator.get_full_name() or coordinator.username}" in text
    agenda_text = "\n".join(
        pdf_pages(login(coordinator).get(f"/forums/{session.forum_id}/agenda.pdf").content)
    )
    assert "09:00" in agenda_text and "Hiddenchild" in agenda_text


def test_each_print_is_in_the_access_log_for_every_case_it_shows(world, login, excluded):
    session, hidden, shown = excluded
    login(world.a.users["police_practitioner"]).get(f"/forums/{session.forum_id}/agenda.pdf")
    printed = AccessLogEntry.objects.filter(
        action=AccessAction.PRINT, user=world.a.users["police_practitioner"]
    )
    assert set(printed.values_list("case_id", flat=True)) == {shown.case_id}
    coordinator = world.a.users["coordinator"]
    login(coordinator).get(f"/forums/{session.forum_id}/sign-in.pdf")
    entries = AccessLogEntry.objects.filter(action=AccessAction.PRINT, user=coordinator)
    assert sorted(entries.values_list("case_id", flat=True)) == sorted(
        [hidden.case_id, shown.case_id]
    )
    assert {e.agency_id for e in entries} == {world.a.caf_team.pk}
    assert all("sign-in sheet" in e.detail and e.child_id for e in entries)


def test_the_agenda_answers_404_to_outsiders_and_other_tenants(world, login, excluded):
    session, _, _ = excluded
    urls = [
        f"/forums/sessions/{session.pk}/agenda/",
        f"/forums/{session.forum_id}/agenda.pdf",
        f"/forums/{session.forum_id}/sign-in.pdf",
    ]
    outsiders = {"tenant_admin", "school_no_dbs"}
    users = {f"a.{name}": user for name, user in world.a.users.items()}
    users |= {f"b.{name}": user for name, user in world.b.users.items()}
    for label, user in users.items():
        client = login(user)
        expected = 404 if label.startswith("b.") or label[2:] in outsiders else 200
        for url in urls:
            assert client.get(url).status_code == expected, (label, url)
        assert client.post(urls[0], {"action": "confirm"}).status_code in (
            (404,) if expected == 404 else (302,)
        ), label
        by_api = api(user).get(f"/api/forum-sessions/{session.pk}/agenda/")
        assert by_api.status_code == expected, label
    missing = login(world.a.users["coordinator"])
    assert missing.get("/forums/sessions/999999/agenda/").status_code == 404
    assert missing.get("/forums/999999/agenda.pdf").status_code == 404


def test_the_api_builds_reorders_and_refuses_a_stale_revision(world, excluded):
    session, hidden, shown = excluded
    client = api(world.a.users["coordinator"])
    url = f"/api/forum-sessions/{session.pk}/agenda/"
    body = client.post(url, {"action": "build"}, format="json").json()
    order = [slot["nomination"] for slot in body["slots"]][::-1]
    stale = body["revision"] - 1
    refused = client.post(
        url, {"action": "reorder", "order": order, "revision": stale}, format="json"
    )
    assert refused.status_code == 400
    done = client.post(
        url, {"action": "reorder", "order": order, "revision": body["revision"]}, format="json"
    )
    assert done.status_code == 200
    assert [slot["nomination"] for slot in done.json()["slots"]] == order
    assert done.json()["method"] == "by hand"
    practitioner = api(world.a.users["assessor"])
    assert practitioner.post(url, {"action": "build"}, format="json").status_code == 400


def _agenda_queries(client, session) -> int:
    url = f"/forums/sessions/{session.pk}/agenda/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_agenda_page_reads_in_as_many_queries_for_3_cases_as_for_12(
    world, login, django_assert_max_num_queries
):
    forum, _ = scheduled_forum(world)
    session = forum_session_add(
        forum=forum,
        by=world.a.users["coordinator"],
        cluster="Longslade",
        starts_at=time(11),
        ends_at=time(15),
    )
    police = (world.a.police, world.a.users["police_practitioner"])
    for i in range(3):
        nominate(world, session, f"Few{i}", attendees=[police])
    agenda_build(session=session, by=world.a.users["coordinator"])
    client = login(world.a.users["coordinator"])
    few = _agenda_queries(client, session)
    for i in range(9):
        nominate(world, session, f"Many{i}", attendees=[police] if i % 2 else [])
    session = ForumSession.objects.get(pk=session.pk)
    agenda_build(session=session, by=world.a.users["coordinator"])
    assert session.nominations.filter(state=NominationState.SCHEDULED).count() == 12
    with django_assert_max_num_queries(few):
        response = client.get(f"/forums/sessions/{session.pk}/agenda/")
    assert response.content.decode().count("govuk-input--width-2") == 12
