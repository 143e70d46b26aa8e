"""The audit trail in words (R-AUDIT-1): each kind of entry as a manager reads it, bookkeeping
folded into the action that caused it, the search's filters, keyset pages, bad input, who sees
what, the CSV export (R-AUDIT-4) and the API."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from agencies.models import Role, User
from agencies.services import membership_add
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from audit.selectors import PAGE_SIZE, TrailSearch, trail_page, trail_querysets
from audit.services import access_log_record
from audit.trail import describe_entries, value_in_words
from cases.models import Case
from cases.plans import plan_action_add
from cases.services import child_details_correct
from consent.services import consent_record, consent_withdraw, sharing_decision_record
from retention.services.holds import legal_hold_lift, legal_hold_place
from tests.factories import make_staff

TODAY = timezone.localdate()


def _name(user) -> str:
    return user.get_full_name() or user.username


def _trail(world, **search) -> list:
    changes, access = trail_querysets(
        tenant_id=world.a.tenant.pk, scope_agency_ids=None, search=TrailSearch(**search)
    )
    entries, _ = trail_page(changes, access, size=500)
    return entries


def _find(entries, start: str):
    found = [entry for entry in entries if entry.summary.startswith(start)]
    assert found, f"no entry starts {start!r}: {[e.summary for e in entries][:20]}"
    return found[0]


def _consent(world, scope="all_except", agencies=None):
    return consent_record(
        case=world.a.case,
        by=world.a.users["assessor"],
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope=scope,
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        agencies=[world.a.police] if agencies is None else agencies,
    )


# --- Each kind of entry in words ---------------------------------------------------------------


def test_child_details_change_reads_with_label_and_dates(world):
    child_details_correct(
        case=world.a.case, by=world.a.users["assessor"], date_of_birth=date(2015, 5, 21)
    )

    entry = _find(_trail(world), "Date of birth")

    assert entry.summary == "Date of birth changed from 17/05/2015 to 21/05/2015"
    assert [str(c) for c in entry.changes] == ["Date of birth: 17/05/2015 → 21/05/2015"]
    assert entry.who == _name(world.a.users["assessor"])
    assert entry.role == "Practitioner"
    assert entry.agency == world.a.school.name
    assert entry.kind == "case"
    assert entry.sentence == (
        "Date of birth changed from 17/05/2015 to 21/05/2015 by "
        f"{_name(world.a.users['assessor'])} ({world.a.school.name})"
    )


def test_consent_recorded_folds_its_agencies_and_access_rows(world):
    _consent(world)

    entries = _trail(world, case_id=world.a.case.pk)
    consent = _find(entries, "Consent recorded")

    assert consent.sentence.startswith(
        f"Consent recorded by {_name(world.a.users['assessor'])} ({world.a.school.name}): "
        "given by a person with parental responsibility"
    )
    assert f"{world.a.police.name} excluded" in consent.summary
    assert consent.folded >= 1
    assert f"{world.a.police.name} excluded from sharing" in consent.folded_lines
    # No bookkeeping row stands on its own, and no internal name shows.
    for entry in entries:
        assert "object permission" not in entry.summary
        assert not entry.summary.startswith(("Consent agency", "Access to"))
        for change in entry.changes:
            assert "_" not in change.label
    state = _find(entries, "Case CAF-")
    assert state.summary == f"Case {world.a.case.reference} moved from Intention logged to Consent"


def test_consent_shared_with_named_agencies_counts_them(world):
    _consent(world, scope="named_only", agencies=[world.a.police])

    consent = _find(_trail(world), "Consent recorded")

    assert "shared with 1 agency" in consent.summary
    assert any(line.startswith("Access under consent given to") for line in consent.folded_lines)


def test_consent_withdrawn(world):
    _consent(world)
    consent_withdraw(case=world.a.case, by=world.a.users["assessor"], on=TODAY, note="Asked")

    entry = _find(_trail(world), "Consent withdrawn")

    assert entry.summary == f"Consent withdrawn on {TODAY:%d/%m/%Y}: Asked"
    assert "Withdrawal note: Asked" in [str(c) for c in entry.changes]


def test_sharing_decision(world):
    sharing_decision_record(
        case=world.a.case,
        by=world.a.users["assessor"],
        ground="risk_of_harm",
        shared_with="GP surgery",
        what="Attendance",
        justification="Risk",
    )

    entry = _find(_trail(world), "Sharing decision")

    assert entry.summary == (
        "Sharing decision: shared with GP surgery (without consent: risk of significant harm)"
    )
    assert entry.kind == "consent"


def test_legal_hold_placed_and_lifted(world):
    manager = world.a.users["caf_manager"]
    hold = legal_hold_place(
        tenant=world.a.tenant, case=world.a.case, reason="Complaint", by=manager
    )
    legal_hold_lift(hold=hold, reason="Resolved", by=manager)

    entries = _trail(world, kind="retention")

    assert [e.summary for e in entries] == [
        "Legal hold lifted: Resolved",
        "Legal hold placed: Complaint",
    ]
    assert entries[0].who == _name(manager)
    assert "Lift reason: Resolved" in [str(c) for c in entries[0].changes]


def test_plan_action_added(world):
    plan_action_add(
        case=world.a.case,
        by=world.a.users["assessor"],
        need="School attendance",
        action="Walk to school daily with a mentor",
        due_on=date(2027, 1, 1),
        owner_agency=world.a.school,
    )

    entry = _find(_trail(world, kind="plan"), "Plan action added")

    assert entry.summary == "Plan action added: “Walk to school daily with a mentor”"
    changes = [str(c) for c in entry.changes]
    assert "By when: 01/01/2027" in changes
    assert f"Owner agency: {world.a.school.name}" in changes
    assert "Status: Not started" in changes  # the choice's label, not its code


def test_case_opened_and_child_registered(world):
    entries = _trail(world, case_id=world.a.case.pk, log="changes")

    opened = _find(entries, "Case CAF-")
    registered = _find(entries, "Child registered")

    assert opened.summary == f"Case {world.a.case.reference} opened"
    assert registered.summary == f"Child registered (register id {world.a.case.child_id})"
    labels = {c.label for c in registered.changes}
    assert {"First name", "Date of birth", "Gender"} <= labels
    # Reverse relations (later episodes, sound keys…) are not the row's values.
    assert not any("episode" in c.label.lower() or "key" in c.label.lower() for c in opened.changes)


def test_membership_and_staff_records(world):
    newcomer = make_staff(world.a.tenant, [], username="north-newcomer")
    membership_add(
        user=newcomer,
        agency=world.a.police,
        role=Role.PRACTITIONER,
        by=world.a.users["tenant_admin"],
    )

    entries = _trail(world, kind="staff")

    joined = _find(entries, _name(newcomer) + " joined")
    assert joined.summary == f"{_name(newcomer)} joined {world.a.police.name} as practitioner"
    _find(entries, f"Staff account created for {_name(newcomer)}")
    # The auth group that follows a membership is folded into it, not a row of its own.
    assert not any(e.summary == f"{_name(newcomer)}'s account details changed" for e in entries)


def _row(world, label: str, action: int, changes: dict, *, actor=None, at=None, object_pk=1):
    app_label, model = label.split(".")
    return ChangeLogEntry.objects.create(
        content_type=ContentType.objects.get_by_natural_key(app_label, model),
        object_pk=str(object_pk),
        object_id=object_pk,
        object_repr="row",
        action=action,
        changes=changes,
        tenant_id=world.a.tenant.pk,
        case_id=world.a.case.pk,
        actor=actor or world.a.users["coordinator"],
        timestamp=at or timezone.now(),
    )


@pytest.mark.parametrize(
    ("label", "action", "changes", "expected"),
    [
        ("cases.case", 1, {"state": ["consent", "assessment"]}, "Case {ref} moved from Consent"),
        ("assessments.assessment", 0, {"state": ["None", "draft"]}, "Assessment started"),
        (
            "assessments.assessment",
            1,
            {"logged_reference": ["", "EH-1"]},
            "Assessment logged as EH-1",
        ),
        ("assessments.assessmentsection", 1, {"status": ["", "complete"]}, "Assessment section"),
        (
            "assessments.assessmentversion",
            1,
            {"signed_off_by": ["None", "{coordinator}"]},
            "Assessment signed off by {coordinator_name}",
        ),
        (
            "assessments.validation",
            0,
            {"outcome": ["None", ""]},
            "Assessment submitted for validation",
        ),
        (
            "meetings.tacmeeting",
            0,
            {"venue": ["", "Library"], "scheduled_at": ["None", "2026-03-02 10:00:00"]},
            "TAC meeting arranged for 02/03/2026 10:00 at Library",
        ),
        (
            "meetings.tacmeeting",
            1,
            {"held_on": ["None", "2026-03-02"]},
            "TAC meeting recorded as held on 02/03/2026",
        ),
        ("meetings.nomination", 0, {"kind": ["", "new"]}, "Nominated to the forum"),
        (
            "delivery.leadproposal",
            0,
            {"proposed": ["None", "{coordinator}"]},
            "Proposed {coordinator_name}",
        ),
        (
            "cases.case",
            1,
            {"lead_professional": ["None", "{coordinator}"]},
            "Lead professional changed to {coordinator_name}",
        ),
        ("delivery.casereview", 0, {"decision": ["", "continue"]}, "Review recorded"),
        ("delivery.caseclosure", 0, {"reason": ["", "needs_met"]}, "Case {ref} closed"),
        (
            "delivery.caseclosure",
            1,
            {"reopened_on": ["None", "2026-03-02"], "reopen_reason": ["", "New worry"]},
            "Case {ref} reopened: New worry",
        ),
        ("referrals.task", 0, {"kind": ["", "join_request"]}, "Task set"),
        (
            "retention.retentionpolicy",
            1,
            {"archived_for_years": ["6", "7"]},
            "Retention policy changed",
        ),
        (
            "retention.purgerecord",
            0,
            {
                "reference": ["None", "CAF-000009"],
                "counts": [None, {"cases.case": 1, "cases.childnamekey": 4}],
            },
            "Case CAF-000009 purged under the retention policy: 5 records removed",
        ),
        ("consent.consentrefusal", 0, {"refused_by": ["", "parent"]}, "Consent refused"),
        (
            "agencies.user",
            1,
            {"is_active": ["True", "False"]},
            "{coordinator_name}'s account switched off",
        ),
        ("agencies.agency", 0, {"name": ["None", "Youth Service"]}, "Agency added: row"),
    ],
)
def test_each_kind_of_change_in_words(world, label, action, changes, expected):
    coordinator = world.a.users["coordinator"]
    fill = {
        "ref": world.a.case.reference,
        "coordinator": coordinator.pk,
        "coordinator_name": _name(coordinator),
    }
    changes = {
        name: [v.format(**fill) if isinstance(v, str) else v for v in values]
        for name, values in changes.items()
    }
    # A staff record's row is about the coordinator; the others' ids do not matter.
    row = _row(world, label, action, changes, object_pk=coordinator.pk)

    [entry] = describe_entries([row])

    assert entry.summary.startswith(expected.format(**fill))
    for change in entry.changes:
        assert "_" not in change.label and "None" not in str(change)


def test_values_in_words():
    from consent.models import Consent as ConsentModel
    from meetings.models import TacMeeting

    names = type("Names", (), {"user": lambda self, pk: "", "agency": lambda self, pk: ""})()
    field = ConsentModel._meta.get_field
    assert value_in_words(field("to_record"), "True", names) == "Yes"
    assert value_in_words(field("to_record"), "False", names) == "No"
    assert value_in_words(field("signed_on"), "2016-04-12", names) == "12/04/2016"
    assert value_in_words(field("share_scope"), "named_only", names) == "Only the agencies named"
    assert value_in_words(field("signed_on"), "None", names) == ""
    long = "word " * 60
    shortened = value_in_words(TacMeeting._meta.get_field("purpose"), long, names)
    assert len(shortened) <= 81 and shortened.endswith("…")


def test_access_entries_in_words(world, login):
    coordinator = world.a.users["coordinator"]
    login(coordinator).get(f"/cases/{world.a.case.pk}/")
    access_log_record(
        action=AccessAction.PRINT, user=coordinator, case=world.a.case, detail="consent form"
    )
    login(world.a.users["police_practitioner"]).get(f"/cases/{world.a.case.pk}/")

    entries = _trail(world, log="access")

    ref = world.a.case.reference
    viewed = _find(entries, f"Viewed {ref}")
    assert viewed.kind == "viewed"
    assert viewed.sentence == f"{_name(coordinator)} ({world.a.caf_team.name}) viewed {ref}"
    assert _find(entries, f"Printed {ref}").summary == f"Printed {ref}: consent form"
    refused = _find(entries, f"Refused access to {ref}")
    assert refused.sentence.startswith(
        f"{_name(world.a.users['police_practitioner'])} ({world.a.police.name}) was refused"
    )
    assert _find(entries, "Signed in").kind == "sign_ins"


# --- Folding -----------------------------------------------------------------------------------


def test_only_neighbouring_rows_of_one_action_fold(world):
    start = timezone.now()
    coordinator, assessor = world.a.users["coordinator"], world.a.users["assessor"]
    perm = {"user": ["None", str(assessor.pk)]}
    rows = [
        _row(world, "cases.case", 1, {"state": ["consent", "assessment"]}, at=start),
        _row(world, "cases.caseuserobjectpermission", 0, perm, at=start),
        _row(world, "cases.caseuserobjectpermission", 0, perm, at=start),
        # Another person at the same moment: an entry of its own.
        _row(world, "cases.case", 1, {"state": ["assessment", "tac"]}, actor=assessor, at=start),
        # The same person, a minute on: not the same action.
        _row(world, "cases.caseuserobjectpermission", 0, perm, at=start + timedelta(minutes=1)),
    ]
    ordered = sorted(rows, key=lambda r: (r.timestamp, r.pk), reverse=True)

    entries = describe_entries(ordered)

    assert [e.folded for e in entries] == [0, 0, 2]
    assert entries[0].summary == f"Access to {world.a.case.reference} given to {_name(assessor)}"
    assert entries[2].folded_lines == [
        f"Access to {world.a.case.reference} given to {_name(assessor)}"
    ]
    assert entries[2].who == _name(coordinator)


# --- The page: filters, pages, bad input, scope ------------------------------------------------


def _entries(response) -> list:
    assert response.status_code == 200
    return response.context["entries"]


def test_each_filter(world, login):
    assessor, police = world.a.users["assessor"], world.a.users["police_practitioner"]
    login(police).get(f"/cases/{world.a.case.pk}/")  # refused
    login(world.a.users["coordinator"]).get(f"/cases/{world.a.case.pk}/")
    child_details_correct(case=world.a.case, by=assessor, date_of_birth=date(2015, 5, 21))
    manager = login(world.a.users["caf_manager"])

    by_person = _entries(manager.get("/audit/", {"person": assessor.pk}))
    assert by_person and {e.who for e in by_person} == {_name(assessor)}

    by_agency = _entries(manager.get("/audit/", {"agency": world.a.police.pk}))
    assert by_agency and {e.agency for e in by_agency} == {world.a.police.name}

    by_case = _entries(manager.get("/audit/", {"case": world.a.case.reference}))
    assert by_case and all(
        e.case_id == world.a.case.pk or e.child_id == world.a.case.child_id for e in by_case
    )
    assert _entries(manager.get("/audit/", {"case": "CAF-999999"})) == []

    by_child = _entries(manager.get("/audit/", {"child": world.a.case.child_id}))
    assert by_child and {e.child_id for e in by_child} == {world.a.case.child_id}
    assert not any(e.child_id == world.b.case.child_id for e in by_child)

    refused = _entries(manager.get("/audit/", {"kind": "refused"}))
    assert refused and {e.kind for e in refused} == {"refused"}
    case_changes = _entries(manager.get("/audit/", {"kind": "case"}))
    assert case_changes and {e.kind for e in case_changes} == {"case"}

    changes_only = _entries(manager.get("/audit/", {"log": "changes"}))
    assert {e.log for e in changes_only} == {"changes"}
    both = _entries(manager.get("/audit/"))
    assert {e.log for e in both} == {"changes", "access"}

    tomorrow = (TODAY + timedelta(days=1)).strftime("%d/%m/%Y")
    assert _entries(manager.get("/audit/", {"date_from": tomorrow})) == []
    today = TODAY.strftime("%d/%m/%Y")
    assert _entries(manager.get("/audit/", {"date_from": today, "date_to": today}))


def _bulk(world, n: int, start):
    """n views and n changes of world.a's case by the coordinator, sharing timestamps."""
    user = world.a.users["coordinator"]
    content_type = ContentType.objects.get_for_model(Case)
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            action=AccessAction.VIEW,
            user=user,
            username=user.username,
            tenant=world.a.tenant,
            case_id=world.a.case.pk,
            at=start + timedelta(seconds=i // 3),
        )
        for i in range(n)
    )
    ChangeLogEntry.objects.bulk_create(
        ChangeLogEntry(
            content_type=content_type,
            object_pk=str(world.a.case.pk),
            object_id=world.a.case.pk,
            object_repr="case",
            action=ChangeLogEntry.Action.UPDATE,
            changes={"state": ["consent", "assessment"]},
            tenant_id=world.a.tenant.pk,
            case_id=world.a.case.pk,
            actor=user,
            # Each its own action: ten seconds apart, interleaved with the views.
            timestamp=start + timedelta(seconds=10 * i, milliseconds=1),
        )
        for i in range(n)
    )


def _walk(client, url: str, max_queries, django_assert_max_num_queries) -> list:
    seen, counts = [], []
    while url:
        with django_assert_max_num_queries(max_queries) as captured:
            response = client.get(url)
        # Less the session's own upkeep (saved now and then, in a savepoint).
        counts.append(
            sum(
                "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
                for q in captured.captured_queries
            )
        )
        seen.extend((e.log, e.pk) for e in _entries(response))
        next_query = response.context["next_query"]
        url = f"/audit/?{next_query}" if next_query else None
    return seen, counts


def test_pages_of_both_logs_have_no_gaps_or_repeats_and_constant_queries(
    world, login, django_assert_max_num_queries
):
    start = timezone.now() - timedelta(days=2)
    manager = login(world.a.users["caf_manager"])
    person = world.a.users["coordinator"].pk
    url = f"/audit/?person={person}&date_to={(TODAY - timedelta(days=1)):%d/%m/%Y}"

    _bulk(world, 30, start)
    small, small_counts = _walk(manager, url, 23, django_assert_max_num_queries)
    _bulk(world, 2 * PAGE_SIZE, start - timedelta(days=1))
    large, large_counts = _walk(manager, url, 23, django_assert_max_num_queries)

    assert len(small) == len(set(small)) == 60
    assert len(large) == len(set(large)) == 60 + 4 * PAGE_SIZE
    assert set(large_counts) == set(small_counts)  # the same queries whatever the size


def test_bad_input_is_a_field_error_never_a_server_error(world, login):
    manager = login(world.a.users["caf_manager"])
    other_tenant_person = world.b.users["coordinator"].pk
    for query, field in [
        ({"date_from": "31/13/2026"}, "date_from"),
        ({"date_from": "1/3/2026", "date_to": "1/2/2026"}, "date_to"),
        ({"case": "CAF-abc"}, "case"),
        ({"child": "abc"}, "child"),
        ({"child": "99999999999999999999999"}, "child"),
        ({"person": "999999"}, "person"),
        ({"person": other_tenant_person}, "person"),
        ({"person": "x"}, "person"),
        ({"kind": "nonsense"}, "kind"),
        ({"log": "nonsense"}, "log"),
        ({"agency": world.b.police.pk}, "agency"),
        ({"before": "garbage_x"}, "before"),
        ({"before": "2026-01-01T00:00:00+00:00_access_x"}, "before"),
        ({"before": "2026-01-01T00:00:00_access_1"}, "before"),
    ]:
        page = manager.get("/audit/", query)
        assert page.status_code == 200, query
        assert field in page.context["form"].errors, query
        assert "govuk-error-summary" in page.content.decode()
        api = manager.get("/api/audit/", query)
        assert api.status_code == 400, query
        assert field in api.json(), query
        assert manager.get("/audit/export.csv", query).status_code == 400, query


def test_agency_manager_sees_their_agencies_caf_manager_the_tenant(world, login):
    login(world.a.users["police_practitioner"]).get(f"/cases/{world.a.case.pk}/")
    login(world.a.users["coordinator"]).get(f"/cases/{world.a.case.pk}/")
    login(world.b.users["coordinator"]).get(f"/cases/{world.b.case.pk}/")
    police_people = {_name(world.a.users[n]) for n in ("police_practitioner", "police_manager")}

    police = {e.who for e in _entries(login(world.a.users["police_manager"]).get("/audit/"))}
    caf = {e.who for e in _entries(login(world.a.users["caf_manager"]).get("/audit/"))}
    other = {e.who for e in _entries(login(world.b.users["caf_manager"]).get("/audit/"))}

    assert police & police_people
    assert not police & {_name(world.a.users[n]) for n in ("coordinator", "assessor")}
    assert {_name(world.a.users["coordinator"]), _name(world.a.users["assessor"])} <= caf
    assert police_people & caf
    assert not caf & {_name(u) for u in world.b.users.values()}
    assert not other & {_name(u) for u in world.a.users.values()}
    # The police manager cannot pick the CAF team's people either.
    page = login(world.a.users["police_manager"]).get(
        "/audit/", {"person": world.a.users["coordinator"].pk}
    )
    assert "person" in page.context["form"].errors


@pytest.mark.parametrize(
    "name", ["police_practitioner", "coordinator", "tenant_admin", "school_no_dbs"]
)
def test_non_managers_get_404_on_page_export_and_api(world, login, name):
    client = login(world.a.users[name])
    for url in ("/audit/", "/audit/export.csv", "/api/audit/"):
        assert client.get(url).status_code == 404, url


def test_a_manager_without_dbs_check_gets_404(world, login):
    manager = make_staff(world.a.tenant, [(world.a.police, Role.MANAGER)], dbs=False)
    client = login(manager)
    for url in ("/audit/", "/audit/export.csv", "/api/audit/"):
        assert client.get(url).status_code == 404, url


# --- The CSV export ----------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_export_is_marked_in_words_guarded_and_audited(world, login):
    child_details_correct(
        case=world.a.case, by=world.a.users["assessor"], date_of_birth=date(2015, 5, 21)
    )
    # A name a spreadsheet would run as a formula.
    User.objects.filter(pk=world.a.users["assessor"].pk).update(first_name="=SUM(A1)")
    manager = world.a.users["caf_manager"]
    client = login(manager)

    rows = _csv(client.get("/audit/export.csv", {"case": world.a.case.reference, "log": "changes"}))

    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert rows[1][0].startswith(f"Audit trail exported by {_name(manager)} on {TODAY:%d/%m/%Y}")
    assert rows[3] == ["When", "Who", "Role", "Agency", "From", "What", "Case", "Child", "Changes"]
    body = rows[4:]
    dob = next(r for r in body if r[5].startswith("Date of birth"))
    assert dob[1] == "'=SUM(A1) " + world.a.users["assessor"].last_name
    assert dob[2] == "Practitioner" and dob[3] == world.a.school.name
    assert dob[7] == str(world.a.case.child_id)  # the child's record, not the case's
    assert dob[8] == "Date of birth: 17/05/2015 → 21/05/2015"
    assert dob[0][:10] == f"{TODAY:%d/%m/%Y}"
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    exported = AccessLogEntry.objects.get(action=AccessAction.EXPORT, user=manager)
    assert world.a.case.pk and f"case_id={world.a.case.pk}" in exported.detail
    assert "log=changes" in exported.detail


def test_export_keeps_the_scope(world, login):
    login(world.a.users["coordinator"]).get(f"/cases/{world.a.case.pk}/")
    rows = _csv(login(world.a.users["police_manager"]).get("/audit/export.csv"))
    who = {row[1] for row in rows[4:]}
    assert _name(world.a.users["coordinator"]) not in who


# --- The API -----------------------------------------------------------------------------------


def test_api_answers_in_words_with_a_cursor_and_is_audited(world, login):
    child_details_correct(
        case=world.a.case, by=world.a.users["assessor"], date_of_birth=date(2015, 5, 21)
    )
    manager = world.a.users["caf_manager"]
    client = login(manager)

    body = client.get("/api/audit/", {"kind": "case"}).json()

    dob = next(e for e in body["results"] if e["summary"].startswith("Date of birth"))
    assert dob["who"] == _name(world.a.users["assessor"])
    assert dob["agency"] == world.a.school.name
    assert dob["changes"] == [
        {"label": "Date of birth", "before": "17/05/2015", "after": "21/05/2015"}
    ]
    assert dob["child_id"] == world.a.case.child_id
    assert dob["kind"] == "case"
    assert AccessLogEntry.objects.filter(
        action=AccessAction.AUDIT, user=manager, detail__startswith="API: kind=case"
    ).exists()


def test_api_pages_by_cursor(world, login):
    _bulk(world, PAGE_SIZE, timezone.now() - timedelta(days=2))
    client = login(world.a.users["caf_manager"])
    query = {
        "person": world.a.users["coordinator"].pk,
        "date_to": f"{TODAY - timedelta(days=1):%d/%m/%Y}",
    }

    seen, cursor = [], None
    while True:
        body = client.get("/api/audit/", {**query, **({"before": cursor} if cursor else {})}).json()
        seen.extend((e["log"], e["id"]) for e in body["results"])
        cursor = body["next"]
        if not cursor:
            break

    assert len(seen) == len(set(seen)) == 2 * PAGE_SIZE


def test_api_is_in_the_schema(world, login):
    schema = login(world.a.users["caf_manager"]).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/audit/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "person",
        "agency",
        "case",
        "child",
        "kind",
        "date_from",
        "date_to",
        "before",
        "log",
    }


def test_entries_about_a_case_the_managers_agencies_cannot_see_say_nothing_of_it(world, login):
    """The police officer changes the child's details while the police have no access (the
    case was shared with them and then withdrawn): their manager sees that a change was made and
    the case's reference, a number, not what was changed nor whose case it is; the CAF team's
    manager sees it all."""
    police, officer = world.a.police, world.a.users["police_practitioner"]
    _consent(world, scope="named_only", agencies=[police])
    login(officer).get(f"/cases/{world.a.case.pk}/")
    consent_withdraw(case=world.a.case, by=world.a.users["assessor"], on=TODAY)

    theirs = login(world.a.users["police_manager"]).get("/audit/")
    overseer = login(world.a.users["caf_manager"]).get("/audit/", {"person": officer.pk})

    viewed = _find(_entries(theirs), "Viewed")
    reference = world.a.case.reference
    assert viewed.summary == f"Viewed: {reference}, a CAF your agencies cannot see"
    assert viewed.who == _name(officer)
    page = theirs.content.decode()
    assert world.a.case.child.family_name not in page
    assert _find(_entries(overseer), f"Viewed {world.a.case.reference}")
