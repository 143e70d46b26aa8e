"""Purge of archived CAFs at the end of retention (R-RET-1, R-AUDIT-1): after a purge no
personal data is left anywhere (every table of the database, the audit tables included, and the
media folder); a child another case needs keeps its record; held cases and cases not yet due are
untouched; a second run changes nothing; the audit tables stay append-only outside the scrub."""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone
from pypdf import PdfWriter

from assessments.selectors import current_version
from assessments.services import assessment_begin
from assessments.services.sections import section_save
from assessments.services.validation import assessment_submit, assessment_validate
from audit.models import AccessLogEntry, ChangeLogEntry
from audit.services import PURGED
from cases.models import Case, CaseState, Child, ChildNameKey, Ethnicity, Gender
from cases.services import case_open, child_register
from consent.models import Consent
from consent.services import consent_record
from delivery.models import ClosureReason
from delivery.services.closure import case_close
from meetings.services.tac import tac_action_agree, tac_hold
from retention.models import LegalHold, PurgeRecord, RetentionPolicy
from retention.purge import PurgeRefused, case_purge, purge_due_batch
from tests.assessment_states import sign, write
from tests.test_tac_meetings import convene

TODAY = timezone.localdate()
GIVEN, FAMILY = "Zephyrine", "Quillfeather"
PARENT = "Marguerite Ashcombe"
BORN = date(2016, 2, 3)
POSTCODE = "NS9 7QZ"
PHRASE = "frightened of the heron by the lock gates"
SEVEN_YEARS = relativedelta(years=7)  # 12 months accessible, then 6 years archived


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rich_case(world, login, child=None) -> Case:
    """A CAF with a history in every part of the service, closed: consent with a scanned form,
    the assessment written (with ``PHRASE``), signed, submitted and logged, a TAC held with an
    action agreed, a review, the closure, and the case page viewed."""
    assessor = world.a.users["assessor"]
    child = child or child_register(
        by=assessor,
        given_name=GIVEN,
        family_name=FAMILY,
        date_of_birth=BORN,
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.WBRI,
        address_line_1="7 Lock Cottages",
        postcode=POSTCODE,
    )
    case = case_open(child=child, assessor_agency=world.a.school, by=assessor)
    consent_record(
        case=case,
        by=assessor,
        given_by="parent",
        giver_name=PARENT,
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name=PARENT,
        signed_on=TODAY,
        agencies=[],
        scan=SimpleUploadedFile("signed.pdf", _pdf()),
    )
    assessment = assessment_begin(case=case, by=assessor)
    write(assessment, assessor)
    version = current_version(assessment)
    section_save(
        version=version,
        key="views",
        data={"child": f"{GIVEN} is {PHRASE}.", "parents": f"{PARENT}: mornings are hard."},
        base_revision=version.sections.get(key="views").revision,
        completed=True,
        by=assessor,
    )
    sign(assessment, assessor)
    assessment_submit(assessment=assessment, by=assessor)
    assessment_validate(
        assessment=assessment.__class__.objects.get(pk=assessment.pk),
        by=world.a.users["coordinator"],
        confirmations={"safeguarding": True, "single_agency": True},
    )
    case = Case.objects.get(pk=case.pk)
    meeting = convene(world, case)
    action = tac_action_agree(
        meeting=meeting,
        by=assessor,
        need=f"{GIVEN} is {PHRASE}",
        outcome="Walks to school calmly",
        action="A different route to school",
        owner_agency=world.a.school,
        due_on=TODAY + timedelta(days=30),
    )
    meeting = tac_hold(
        meeting=meeting, by=assessor, held_on=TODAY - timedelta(days=30), attendance={}
    )
    client = login(assessor)
    reviewed = client.post(
        f"/cases/{case.pk}/reviews/new/",
        {
            "held_on": TODAY.strftime("%d/%m/%Y"),
            "meeting": "",
            f"progress_{action.pk}": "partly",
            f"note_{action.pk}": f"{GIVEN} tried the new route.",
            "needs_met": "Calmer mornings.",
            "needs_unmet": PHRASE,
            "needs_new": "",
            "decision": "continue",
            "decision_note": "Keep going.",
        },
    )
    assert reviewed.status_code == 302
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    case_close(
        case=Case.objects.get(pk=case.pk),
        by=assessor,
        reason=ClosureReason.NEEDS_MET,
        note=f"{GIVEN} is settled.",
        meeting=meeting,
    )
    return Case.objects.get(pk=case.pk)


def archived(case: Case, *, closed_on: date) -> Case:
    """Time passes: the case closed on ``closed_on`` and was archived a year later (the
    archive run is another part of this issue)."""
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.ARCHIVED,
        closed_on=closed_on,
        archived_on=closed_on + relativedelta(years=1),
    )
    return Case.objects.get(pk=case.pk)


def due_today(world, login, child=None) -> Case:
    return archived(rich_case(world, login, child), closed_on=TODAY - SEVEN_YEARS)


def personal_data_found() -> list[tuple[str, str, str]]:
    """Every (table, column, term) where a column of any table holds one of the child's
    details, the parent's name or the assessment's free text."""
    terms = [GIVEN, FAMILY, PARENT, POSTCODE, BORN.isoformat(), BORN.strftime("%d/%m/%Y"), PHRASE]
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                for term in terms:
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {quote(table)} "  # noqa: S608 (names from the schema)
                        f"WHERE CAST({quote(column.name)} AS TEXT) LIKE %s",
                        [f"%{term}%"],
                    )
                    if cursor.fetchone()[0]:
                        found.append((table, column.name, term))
    return found


def files_in(folder: Path) -> list[Path]:
    return [path for path in Path(folder).rglob("*") if path.is_file()]


def test_after_a_purge_no_personal_data_is_left_in_the_database_or_media(world, login, media_root):
    case = due_today(world, login)
    scan = Consent.objects.get(case=case).scan.name
    assert (Path(media_root) / scan).is_file()
    before = personal_data_found()
    tables = {table for table, _, _ in before}
    # The history really is rich: the search finds the child all over, audit trail included.
    assert {"cases_child", "consent_consent", "audit_changelogentry"} <= tables
    assert any(term == PHRASE for _, _, term in before)

    counts = purge_due_batch(today=TODAY, batch=10, run=None)

    assert counts["purged"] == 1
    assert personal_data_found() == []
    assert files_in(media_root) == []
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Child.objects.filter(pk=case.child_id).exists()
    assert not ChildNameKey.objects.filter(child_id=case.child_id).exists()
    record = PurgeRecord.objects.get(reference=case.reference)
    assert (record.closed_on, record.archived_on, record.purged_on) == (
        case.closed_on,
        case.archived_on,
        TODAY,
    )
    assert record.counts["cases.case"] == 1 and record.counts["consent.consent"] == 1
    assert record.counts["assessments.assessmentversion"] >= 2
    assert record.counts["audit.changelogentry scrubbed"] > 0
    assert record.counts["audit.accesslogentry scrubbed"] > 0
    assert record.statistics == {
        "closure_reason": "needs_met",
        "level_of_need": 2,
        "assessor_agency_kind": world.a.school.kind,
        "age_band_at_closure": "0-4",
    }
    # Who did what, and when, stays; what it said does not.
    scrubbed = ChangeLogEntry.objects.filter(case_id=case.pk)
    assert scrubbed.exists()
    assert set(scrubbed.values_list("object_repr", flat=True)) == {PURGED}
    assert all(entry.actor_id for entry in scrubbed)
    assert set(AccessLogEntry.objects.filter(case_id=case.pk).values_list("path", flat=True)) == {
        PURGED
    }
    # The purge itself is audited, with its reference and counts.
    entry = ChangeLogEntry.objects.get(object_repr=f"{case.reference} purged")
    assert entry.changes["counts"][1] == record.counts


def test_a_child_another_case_needs_keeps_its_record_and_that_case(world, login):
    first = due_today(world, login)
    child = Child.objects.get(pk=first.child_id)
    second = case_open(child=child, assessor_agency=world.a.school, by=world.a.users["assessor"])
    second_changes = ChangeLogEntry.objects.filter(case_id=second.pk).count()

    counts = purge_due_batch(today=TODAY, batch=10, run=None)

    assert counts["purged"] == 1
    assert not Case.objects.filter(pk=first.pk).exists()
    child.refresh_from_db()
    assert (child.given_name, child.family_name, child.postcode) == (GIVEN, FAMILY, POSTCODE)
    assert ChildNameKey.objects.filter(child_id=child.pk).exists()
    assert Case.objects.get(pk=second.pk).state == second.state
    kept = ChangeLogEntry.objects.filter(case_id=second.pk)
    assert kept.count() == second_changes
    assert PURGED not in kept.values_list("object_repr", flat=True)
    # The child's own record's history stays too: it is not the purged case's.
    assert (
        ChangeLogEntry.objects.filter(child_id=child.pk, case_id=None)
        .exclude(object_repr=PURGED)
        .exists()
    )


@pytest.mark.parametrize("whole_tenant", [False, True])
def test_a_held_case_is_not_purged(world, login, whole_tenant):
    case = due_today(world, login)
    hold = LegalHold.objects.create(
        tenant=case.tenant,
        case=None if whole_tenant else case,
        reason="Public inquiry",
        placed_by=world.a.users["coordinator"],
    )

    counts = purge_due_batch(today=TODAY, batch=10, run=None)

    assert (counts["purged"], counts["purge_held"]) == (0, 1)
    assert Case.objects.filter(pk=case.pk).exists()
    with pytest.raises(PurgeRefused):
        case_purge(case=case, today=TODAY)

    LegalHold.objects.filter(pk=hold.pk).update(
        lifted_at=timezone.now(), lifted_by=world.a.users["coordinator"]
    )
    assert purge_due_batch(today=TODAY, batch=10, run=None)["purged"] == 1


def test_never_one_day_early(world, login):
    case = due_today(world, login)
    due = case.closed_on + SEVEN_YEARS

    assert purge_due_batch(today=due - timedelta(days=1), batch=10, run=None)["purged"] == 0
    assert Case.objects.filter(pk=case.pk).exists()
    with pytest.raises(PurgeRefused):
        case_purge(case=case, today=due - timedelta(days=1))

    assert purge_due_batch(today=due, batch=10, run=None)["purged"] == 1


def test_a_tenant_keeping_records_to_the_25th_birthday_purges_no_earlier(world, login):
    RetentionPolicy.objects.create(tenant=world.a.tenant, keep_until_age=25)
    case = due_today(world, login)
    birthday = BORN + relativedelta(years=25)

    assert purge_due_batch(today=birthday - timedelta(days=1), batch=10, run=None)["purged"] == 0
    assert purge_due_batch(today=birthday, batch=10, run=None)["purged"] == 1
    assert not Case.objects.filter(pk=case.pk).exists()


def test_a_closed_case_not_archived_is_not_purged(world, login):
    case = rich_case(world, login)
    Case.objects.filter(pk=case.pk).update(closed_on=TODAY - SEVEN_YEARS)

    assert purge_due_batch(today=TODAY, batch=10, run=None)["purged"] == 0
    assert Case.objects.filter(pk=case.pk).exists()


def test_running_twice_finds_nothing_the_second_time(world, login):
    due_today(world, login)
    due_today_case = purge_due_batch(today=TODAY, batch=1, run=None)
    assert due_today_case["purged"] == 1
    records = list(PurgeRecord.objects.values())
    changes = ChangeLogEntry.objects.count()
    accesses = AccessLogEntry.objects.count()

    again = purge_due_batch(today=TODAY, batch=1, run=None)

    assert again == {"purged": 0, "purge_held": 0, "purge_failed": 0}
    assert list(PurgeRecord.objects.values()) == records
    assert (ChangeLogEntry.objects.count(), AccessLogEntry.objects.count()) == (changes, accesses)


def test_purging_a_purged_case_again_returns_its_record(world, login):
    case = due_today(world, login)
    record = case_purge(case=case, today=TODAY)

    assert case_purge(case=case, today=TODAY) == record
    assert PurgeRecord.objects.count() == 1


def test_batches_take_every_due_case(world, login):
    cases = [due_today(world, login) for _ in range(3)]

    counts = purge_due_batch(today=TODAY, batch=2, run=None)

    assert counts["purged"] == 3
    assert not Case.objects.filter(pk__in=[case.pk for case in cases]).exists()


# --- The audit tables stay append-only outside the scrub --------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database trigger is PostgreSQL's"
)


def _statements_on_one_entry_each(statements: list[str]) -> list[tuple[str, int]]:
    change = ChangeLogEntry.objects.filter(case_id__isnull=False).first()
    access = AccessLogEntry.objects.filter(case_id__isnull=False).first()
    return [
        (statement, change.pk if "changelog" in statement else access.pk)
        for statement in statements
    ]


@postgres_only
def test_an_audit_entry_cannot_be_changed_outside_the_scrub(world, login):
    due_today(world, login)
    for statement, pk in _statements_on_one_entry_each(
        [
            "UPDATE audit_changelogentry SET object_repr = 'x' WHERE id = %s",
            "UPDATE audit_accesslogentry SET detail = 'x' WHERE id = %s",
        ]
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [pk])


@postgres_only
def test_the_scrub_setting_allows_no_delete_and_no_other_column(world, login):
    due_today(world, login)
    for statement, pk in _statements_on_one_entry_each(
        [
            "DELETE FROM audit_changelogentry WHERE id = %s",
            "UPDATE audit_changelogentry SET actor_id = NULL WHERE id = %s",
            "UPDATE audit_changelogentry SET timestamp = now() WHERE id = %s",
            "UPDATE audit_changelogentry SET object_repr = 'x', case_id = NULL WHERE id = %s",
            "UPDATE audit_accesslogentry SET user_id = NULL WHERE id = %s",
            "DELETE FROM audit_accesslogentry WHERE id = %s",
        ]
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL ecaf.audit_scrub = 'on'")
            cursor.execute(statement, [pk])


@postgres_only
@pytest.mark.django_db(transaction=True)  # a real commit, not the test's savepoint
def test_the_scrub_setting_lasts_only_for_its_transaction(world, login):
    due_today(world, login)
    [(statement, pk)] = _statements_on_one_entry_each(
        ["UPDATE audit_changelogentry SET object_repr = 'x' WHERE id = %s"]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ecaf.audit_scrub = 'on'")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [pk])


def test_a_failed_purge_leaves_the_case_whole(world, login, media_root, monkeypatch):
    due_today(world, login)
    before = personal_data_found()

    def crash(**kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr("retention.purge.purge_audit_record", crash)
    counts = purge_due_batch(today=TODAY, batch=10, run=None)

    assert (counts["purged"], counts["purge_failed"]) == (0, 1)
    assert personal_data_found() == before  # every row whole; only the file may be gone
    assert not PurgeRecord.objects.exists()

    monkeypatch.undo()
    assert purge_due_batch(today=TODAY, batch=10, run=None)["purged"] == 1
    assert personal_data_found() == []
    assert files_in(media_root) == []


@postgres_only
@pytest.mark.django_db(transaction=True)  # two connections: each sees what the other commits
def test_a_hold_placed_while_the_purge_starts_is_seen(world, login):
    """A coordinator's hold is being committed as the purge takes the case: the purge waits
    for it and refuses, and the hold is placed."""
    import threading
    import time

    from retention.services.holds import legal_hold_place

    case = due_today(world, login)
    locked, outcome = threading.Event(), []

    def place_hold_slowly():
        try:
            with transaction.atomic():  # held open a moment after the service returns
                legal_hold_place(
                    tenant=case.tenant,
                    case=case,
                    reason="Public inquiry",
                    by=world.a.users["coordinator"],
                )
                locked.set()
                time.sleep(1.5)
        finally:
            connection.close()

    def purge():
        try:
            case_purge(case=case, today=TODAY)
            outcome.append("purged")
        except PurgeRefused:
            outcome.append("refused")
        finally:
            connection.close()

    placing = threading.Thread(target=place_hold_slowly)
    placing.start()
    assert locked.wait(10)
    purging = threading.Thread(target=purge)
    purging.start()
    placing.join(20)
    purging.join(20)

    assert outcome == ["refused"]
    assert Case.objects.filter(pk=case.pk).exists()
    assert LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists()
