"""A case's whole history on one page and in the API (issue 15, R-AUDIT-1, R-AUDIT-2): every
view, print, export, change and sharing decision, newest first, paged across both logs by a
cursor; for whoever may see the case and for managers, and nobody else (404 as for a missing
case)."""

import html
import re
from datetime import date, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.history import Cursor, case_history
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from audit.services import access_log_record
from cases.models import Case, CaseState
from cases.services import child_details_correct
from consent.services import consent_record, sharing_decision_record

TODAY = timezone.localdate()


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def same_page(one, other) -> bool:
    """Identical but for the per-response CSP nonce and the masked CSRF token."""

    def strip(content: bytes) -> bytes:
        return re.sub(rb'(nonce|value|csrfmiddlewaretoken)="[^"]*"', b"", content)

    return strip(one.content) == strip(other.content)


def history_url(case_or_pk) -> str:
    return f"/cases/{getattr(case_or_pk, 'pk', case_or_pk)}/history/"


def api_url(case_or_pk) -> str:
    return f"/api/cases/{getattr(case_or_pk, 'pk', case_or_pk)}/history/"


def _consent_with_police(world):
    return consent_record(
        case=world.a.case,
        by=world.a.users["assessor"],
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="named_only",
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        agencies=[world.a.police],
    )


@pytest.fixture
def lived_case(world, login):
    """A case on which everything has happened once, in this order."""
    case, assessor = world.a.case, world.a.users["assessor"]
    _consent_with_police(world)
    login(assessor).get(f"/cases/{case.pk}/")
    access_log_record(
        action=AccessAction.PRINT, user=assessor, case=case, detail="consent form PDF"
    )
    child_details_correct(case=case, by=assessor, date_of_birth=date(2016, 4, 21))
    sharing_decision_record(
        case=case,
        by=assessor,
        ground="risk_of_harm",
        shared_with="Northshire Youth Offending Team",
        what="The chronology",
        justification="A risk of significant harm to the child.",
    )
    access_log_record(
        action=AccessAction.EXPORT, user=assessor, case=case, detail="assessment PDF export"
    )
    return case


def test_everything_that_happened_shows_newest_first(world, login, lived_case):
    page = text_of(login(world.a.users["assessor"]).get(history_url(lived_case)))
    export = page.index("assessment PDF export")
    sharing = page.index("Northshire Youth Offending Team")
    birth = page.index("Date of birth")
    printed = page.index("consent form PDF")
    viewed = page.index("Viewed")
    consent = page.index("Pat Parent")
    assert export < sharing < birth < printed < viewed < consent
    # The change of date of birth with before and after; the child's name in the caption.
    assert "2016" in page[birth : birth + 200]
    assert world.a.case.child.full_name in page
    assert "Full history" in page


def test_the_date_of_birth_change_has_its_before_and_after(world, login, lived_case):
    body = login(world.a.users["assessor"]).get(api_url(lived_case)).json()
    dob = next(
        change
        for entry in body["results"]
        for change in entry["changes"]
        if change["label"].lower() == "date of birth"
    )
    assert dob["before"] != dob["after"] and "2016" in dob["after"]


def test_the_case_page_links_to_the_full_history(world, login):
    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/").content.decode()
    assert f'href="{history_url(world.a.case)}"' in page


def test_filters_by_kind_and_dates(world, login, lived_case):
    client = login(world.a.users["assessor"])
    sharing = text_of(client.get(history_url(lived_case), {"kind": "sharing"}))
    assert "Northshire Youth Offending Team" in sharing
    assert "Date of birth" not in sharing and "assessment PDF export" not in sharing
    changes = text_of(client.get(history_url(lived_case), {"kind": "changes"}))
    assert "Date of birth" in changes and "Northshire Youth Offending Team" not in changes
    access = text_of(client.get(history_url(lived_case), {"kind": "access"}))
    assert "assessment PDF export" in access and "consent form PDF" in access
    assert "Date of birth" not in access
    yesterday = (TODAY - timedelta(days=1)).strftime("%d/%m/%Y")
    nothing = text_of(
        client.get(history_url(lived_case), {"date_from": yesterday, "date_to": yesterday})
    )
    assert "Nothing in the history matches" in nothing
    today = text_of(client.get(history_url(lived_case), {"date_from": TODAY.isoformat()}))
    assert "assessment PDF export" in today


# --- Paging across both logs -------------------------------------------------------------


def _mixed_entries(case, user, count: int, at: datetime) -> None:
    """``count`` entries of each log about ``case``, three at each instant."""
    content_type = ContentType.objects.get_for_model(Case)
    for n in range(count):
        stamp = at - timedelta(seconds=n // 3)
        ChangeLogEntry.objects.create(
            content_type=content_type,
            object_pk=str(case.pk),
            object_id=case.pk,
            object_repr=f"change {n}",
            action=ChangeLogEntry.Action.UPDATE,
            changes={"state": ["open", "open"]},
            tenant_id=case.tenant_id,
            case_id=case.pk,
            timestamp=stamp,
        )
        AccessLogEntry.objects.create(
            action=AccessAction.VIEW,
            user=user,
            username=user.username,
            tenant_id=case.tenant_id,
            case_id=case.pk,
            detail=f"view {n}",
            at=stamp,
        )


def test_pages_cover_both_logs_without_gaps_or_repeats(world):
    case = world.a.case
    at = timezone.now() + timedelta(hours=1)
    _mixed_entries(case, world.a.users["assessor"], 15, at)
    expected = {
        ("changes", pk)
        for pk in ChangeLogEntry.objects.filter(case_id=case.pk).values_list("pk", flat=True)
    }
    expected |= {
        ("changes", pk)
        for pk in ChangeLogEntry.objects.filter(child_id=case.child_id, case_id=None).values_list(
            "pk", flat=True
        )
    }
    expected |= {
        ("access", pk)
        for pk in AccessLogEntry.objects.filter(
            case_id=case.pk, action__in=["view", "print", "export"]
        ).values_list("pk", flat=True)
    }
    seen, keys, cursor, pages = [], [], None, 0
    while True:
        page = case_history(case, cursor=cursor, size=11)
        pages += 1
        for entry in page.entries:
            log = "changes" if isinstance(entry, ChangeLogEntry) else "access"
            seen.append((log, entry.pk))
            keys.append((getattr(entry, "timestamp", None) or entry.at, log, entry.pk))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages >= 3
    assert len(seen) == len(set(seen))
    assert keys == sorted(keys, reverse=True)
    assert set(seen) == expected


def test_the_page_links_to_older_entries_by_cursor(world, login):
    case = world.a.case
    _mixed_entries(case, world.a.users["assessor"], 40, timezone.now() + timedelta(hours=1))
    client = login(world.a.users["assessor"])
    first = client.get(history_url(case)).content.decode()
    link = re.search(r'href="\?([^"]+)" rel="next"', first).group(1)
    second = text_of(client.get(f"{history_url(case)}?{html.unescape(link)}"))
    assert "change 39" in second or "view 39" in second
    assert "change 0 " not in second


def test_constant_queries_whatever_the_length_of_the_history(world, login):
    case = world.a.case
    client = login(world.a.users["coordinator"])
    counts = []
    # Whatever the length of the history beyond a page (the first size fills one).
    for hours, count in ((1, 30), (2, 90)):
        # Newer than the case's own entries, so that both pages are alike.
        _mixed_entries(
            case, world.a.users["assessor"], count, timezone.now() + timedelta(hours=hours)
        )
        client.get(history_url(case))  # warms the caches a first request fills
        with CaptureQueriesContext(connection) as queries:
            assert client.get(history_url(case)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Who sees it ----------------------------------------------------------------------------


def test_scoping_matrix(world, login):
    case = world.a.case
    _consent_with_police(world)
    missing = "/cases/99999999/history/"
    expected = {
        "assessor": 200,
        "school_practitioner": 200,
        "police_practitioner": 200,  # another agency, with a consent grant
        "coordinator": 200,
        "school_manager": 200,
        "police_manager": 200,
        "caf_manager": 200,
        "school_no_dbs": 404,
        "tenant_admin": 404,
    }
    for name, status in expected.items():
        client = login(world.a.users[name])
        response = client.get(history_url(case))
        assert response.status_code == status, name
        assert client.get(api_url(case)).status_code == status, name
        if status == 404:
            assert same_page(response, client.get(missing))
    for name in ("coordinator", "caf_manager", "assessor"):
        client = login(world.b.users[name])
        theirs = client.get(history_url(case))
        assert theirs.status_code == 404
        assert same_page(theirs, client.get(missing))
        assert client.get(api_url(case)).status_code == 404


def test_an_agency_without_a_grant_gets_404(world, login):
    for name in ("police_practitioner", "police_manager"):
        client = login(world.a.users[name])
        response = client.get(history_url(world.a.case))
        assert response.status_code == 404
        assert same_page(response, client.get("/cases/99999999/history/"))
        assert world.a.case.child.family_name not in response.content.decode()


def test_an_archived_case_is_the_caf_teams_alone(world, login):
    Case.objects.filter(pk=world.a.case.pk).update(state=CaseState.ARCHIVED)
    for name in ("assessor", "school_manager"):
        assert login(world.a.users[name]).get(history_url(world.a.case)).status_code == 404
    for name in ("coordinator", "caf_manager"):
        assert login(world.a.users[name]).get(history_url(world.a.case)).status_code == 200


def test_managers_see_refused_look_ups_of_their_scope(world, login):
    case = world.a.case
    login(world.a.users["police_practitioner"]).get(history_url(case))  # refused, logged
    caf_manager = text_of(login(world.a.users["caf_manager"]).get(history_url(case)))
    assert "Denied" in caf_manager
    school_manager = text_of(login(world.a.users["school_manager"]).get(history_url(case)))
    assert "Denied" not in school_manager
    assessor = text_of(login(world.a.users["assessor"]).get(history_url(case)))
    assert "Denied" not in assessor


# --- Bad input, and the page's own record ----------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"before": "nonsense"},
        {"before": "2026-01-01T00:00:00_changes_1"},  # no time zone
        {"before": "2026-01-01T00:00:00+00:00_other_1"},
        {"before": "2026-01-01T00:00:00+00:00_access_99999999999999999999999"},
        {"before": "x" * 5000},
        {"date_from": "32/13/2026"},
        {"date_from": "01/01/1900"},
        {"date_from": "02/02/2026", "date_to": "01/01/2026"},
        {"kind": "everything"},
        {"kind": "refused"},  # a practitioner is not offered refusals
    ],
)
def test_bad_input_is_a_field_error_or_a_400(world, login, query):
    client = login(world.a.users["assessor"])
    page = client.get(history_url(world.a.case), query)
    assert page.status_code == 200
    assert "There is a problem" in page.content.decode()
    assert client.get(api_url(world.a.case), query).status_code == 400


def test_a_cursor_round_trips():
    cursor = Cursor(at=timezone.now(), log="access", pk=12)
    assert Cursor.decode(cursor.encode()) == cursor


def test_reading_the_history_is_itself_logged(world, login):
    client = login(world.a.users["police_manager"])
    _consent_with_police(world)
    client.get(history_url(world.a.case))
    client.get(api_url(world.a.case))
    logged = AccessLogEntry.objects.filter(
        user=world.a.users["police_manager"],
        case_id=world.a.case.pk,
        action=AccessAction.VIEW,
        detail="history",
    )
    assert logged.count() == 2
    assert set(logged.values_list("agency_id", flat=True)) == {world.a.police.pk}


def test_the_api_answers_in_words_with_a_cursor(world, login, lived_case):
    client = login(world.a.users["coordinator"])
    body = client.get(api_url(lived_case)).json()
    assert body["next"] is None
    assert body["results"][0]["summary"].startswith("Exported")
    assert all(entry["case_reference"] in ("", lived_case.reference) for entry in body["results"])
    assert {"who", "role", "agency", "from_where", "at"} <= set(body["results"][0])
    _mixed_entries(lived_case, world.a.users["assessor"], 30, timezone.now())
    first = client.get(api_url(lived_case)).json()
    second = client.get(api_url(lived_case), {"before": first["next"]}).json()
    ids = [(e["log"], e["id"]) for e in first["results"] + second["results"]]
    assert len(ids) == len(set(ids))


def test_a_manager_opens_the_activity_of_people_in_their_scope_from_the_history(world, login):
    case = world.a.case
    _consent_with_police(world)
    assessor, officer = world.a.users["assessor"], world.a.users["police_practitioner"]
    login(assessor).get(f"/cases/{case.pk}/")
    login(officer).get(f"/cases/{case.pk}/")
    school = login(world.a.users["school_manager"]).get(history_url(case)).content.decode()
    assert f'href="/audit/people/{assessor.pk}/"' in school
    assert f'href="/audit/people/{officer.pk}/"' not in school
    caf = login(world.a.users["caf_manager"]).get(history_url(case)).content.decode()
    assert f'href="/audit/people/{officer.pk}/"' in caf
    practitioner = login(assessor).get(history_url(case)).content.decode()
    assert "/audit/people/" not in practitioner
