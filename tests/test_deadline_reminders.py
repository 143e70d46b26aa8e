"""Deadline reminders and the coordinators' weekly digest (issue 14, R-AUDIT-3): at most one
reminder per item, person and day, whatever the number of runs and workers; emails with no case
content; the run log of each run; the command and a real worker run the same job."""

import threading
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections

from agencies.models import Role
from cases.models import Case, CaseState
from deadlines import jobs
from deadlines.models import DigestSent, ReminderSent
from deadlines.reminders import reminders_send_due
from referrals.models import Task, TaskKind
from referrals.services import task_close, task_create
from retention.models import JobKind, JobRun
from tests.factories import make_staff
from tests.test_worker import send_twice_and_wait, worker_queue  # noqa: F401 (a fixture)

MONDAY = date(2026, 12, 7)
TUESDAY = MONDAY + timedelta(days=1)


def a_task(world, *, due_on: date, to=None, agency=None, tenant="a") -> Task:
    """An open task on the tenant's case, asked by the assessor, due on ``due_on``: of one
    person (``to``) or, with nobody named, of ``agency``'s queue."""
    side = getattr(world, tenant)
    return task_create(
        kind=TaskKind.CONTRIBUTION,
        by=side.users["assessor"],
        from_agency=side.school,
        assigned_agency=agency or side.police,
        assigned_to=to,
        child=side.case.child,
        case=side.case,
        message="Please add what you know about home life.",
        due_on=due_on,
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """The deadlines job as beat runs it, its emails sent once the scan commits."""

    def _run(today: date, **options) -> list[JobRun]:
        with django_capture_on_commit_callbacks(execute=True):
            return jobs.deadlines_run(today=today, **options)

    return _run


def sent_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


# --- Reminders -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reminder_goes_once_per_item_person_and_day_however_often_the_job_runs(world, run):
    officer = world.a.users["police_practitioner"]
    a_task(world, due_on=TUESDAY, to=officer)

    run(TUESDAY, digest=False)
    run(TUESDAY, digest=False)

    assert ReminderSent.objects.filter(recipient=officer, sent_on=TUESDAY).count() == 1
    assert len(sent_to(officer)) == 1
    assert "1 item due or overdue" in sent_to(officer)[0].subject
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_overdue_item_is_reminded_again_the_next_day(world, run):
    officer = world.a.users["police_practitioner"]
    a_task(world, due_on=TUESDAY, to=officer)

    run(TUESDAY, digest=False)
    run(TUESDAY + timedelta(days=1), digest=False)
    run(TUESDAY + timedelta(days=1), digest=False)

    assert len(sent_to(officer)) == 2
    days = ReminderSent.objects.filter(recipient=officer).values_list("sent_on", flat=True)
    assert sorted(days) == [TUESDAY, TUESDAY + timedelta(days=1)]


@pytest.mark.django_db
def test_an_item_not_yet_due_is_not_reminded(world, run):
    a_task(world, due_on=TUESDAY + timedelta(days=1), to=world.a.users["police_practitioner"])

    run(TUESDAY, digest=False)

    assert mail.outbox == [] and not ReminderSent.objects.exists()


@pytest.mark.django_db
def test_an_answered_item_stops_being_reminded(world, run):
    officer = world.a.users["police_practitioner"]
    task = a_task(world, due_on=TUESDAY, to=officer)
    run(TUESDAY, digest=False)

    task_close(task, by=officer, response="Added.")
    run(TUESDAY + timedelta(days=1), digest=False)

    assert len(sent_to(officer)) == 1
    assert not ReminderSent.objects.filter(sent_on=TUESDAY + timedelta(days=1)).exists()


@pytest.mark.django_db
def test_an_item_of_an_agency_queue_reminds_its_casework_staff_only(world, run):
    users = world.a.users
    no_dbs = make_staff(world.a.tenant, [(world.a.police, Role.PRACTITIONER)], dbs=False)
    admin_only = make_staff(world.a.tenant, [(world.a.police, Role.TENANT_ADMIN)])
    a_task(world, due_on=TUESDAY, agency=world.a.police)

    run(TUESDAY, digest=False)

    reminded = set(ReminderSent.objects.values_list("recipient_id", flat=True))
    assert reminded == {users["police_practitioner"].pk, users["police_manager"].pk}
    assert {tuple(message.to) for message in mail.outbox} == {
        (users["police_practitioner"].email,),
        (users["police_manager"].email,),
    }
    assert no_dbs.pk not in reminded and admin_only.pk not in reminded


@pytest.mark.django_db
def test_one_email_per_person_counts_all_their_items(world, run):
    officer = world.a.users["police_practitioner"]
    a_task(world, due_on=TUESDAY - timedelta(days=3), to=officer)
    a_task(world, due_on=TUESDAY, to=officer)
    a_task(world, due_on=TUESDAY, agency=world.a.police)

    run(TUESDAY, digest=False)

    [email] = sent_to(officer)
    assert "3 items due or overdue" in email.subject
    assert "Answer a task: 3" in email.body


@pytest.mark.django_db
def test_the_email_carries_no_case_content_only_a_link(world, run, settings):
    settings.SITE_URL = "https://ecaf.example.gov.uk"
    officer = world.a.users["police_practitioner"]
    task = a_task(world, due_on=TUESDAY, to=officer)
    child = world.a.case.child

    run(TUESDAY, digest=False)

    [email] = sent_to(officer)
    html = email.alternatives[0][0]
    for text in (email.subject, email.body, html):
        for secret in (
            child.given_name,
            child.family_name,
            child.postcode,
            child.date_of_birth.isoformat(),
            child.date_of_birth.strftime("%d/%m/%Y"),
            "17 May 2015",
            world.a.case.reference,
            task.message,
        ):
            assert secret not in text, secret
    assert "https://ecaf.example.gov.uk/" in email.body
    assert 'href="https://ecaf.example.gov.uk/"' in html


@pytest.mark.django_db
def test_an_item_of_an_archived_case_reminds_the_caf_team_only(world, run):
    a_task(world, due_on=TUESDAY, to=world.a.users["police_practitioner"])
    a_task(world, due_on=TUESDAY, agency=world.a.caf_team)
    # No retention service on this branch: the state alone matters (as the access oracle does).
    Case.objects.filter(pk=world.a.case.pk).update(state=CaseState.ARCHIVED)

    run(TUESDAY, digest=False)

    reminded = set(ReminderSent.objects.values_list("recipient_id", flat=True))
    assert reminded == {world.a.users[name].pk for name in ("coordinator", "chair", "caf_manager")}


@pytest.mark.django_db
def test_another_tenants_item_reminds_its_own_staff(world, run):
    a_task(world, due_on=TUESDAY, to=world.b.users["police_practitioner"], tenant="b")

    run(TUESDAY, digest=False)

    assert set(ReminderSent.objects.values_list("recipient_id", flat=True)) == {
        world.b.users["police_practitioner"].pk
    }


# --- Two workers at once (PostgreSQL) --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_the_same_reminder_twice(world):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises every write anyway")
    officer = world.a.users["police_practitioner"]
    for days in range(40):
        a_task(world, due_on=TUESDAY - timedelta(days=days), to=officer)
        a_task(world, due_on=TUESDAY - timedelta(days=days), agency=world.a.police)
    runs = [JobRun.objects.create(kind=JobKind.DEADLINES, as_of=TUESDAY) for _ in range(2)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work(job_run):
        try:
            barrier.wait(5)
            results.append(reminders_send_due(today=TUESDAY, batch=7, run=job_run))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(job_run,)) for job_run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    # 40 tasks of the officer's, 40 of the police queue (the officer and the police manager).
    assert ReminderSent.objects.count() == 120
    assert sum(counts["reminders"] for counts in results) == 120
    # Each person's reminders are in the emails of the runs that marked them, once.
    emailed = sum(int(m.subject.split()[3]) for m in mail.outbox if m.to == [officer.email])
    assert emailed == 80


# --- The weekly digest -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_digest_goes_to_the_tenants_coordinators_once_a_week_with_the_counts(world, run):
    coordinator = world.a.users["coordinator"]
    officer = world.a.users["police_practitioner"]
    a_task(world, due_on=MONDAY - timedelta(days=10), to=officer)  # overdue
    a_task(world, due_on=MONDAY - timedelta(days=1), agency=world.a.police)  # overdue
    a_task(world, due_on=MONDAY, to=officer)  # due this week (today)
    a_task(world, due_on=MONDAY + timedelta(days=6), to=officer)  # due this week (Sunday)
    a_task(world, due_on=MONDAY + timedelta(days=7), to=officer)  # next week
    other_officer = world.b.users["police_practitioner"]
    a_task(world, due_on=MONDAY - timedelta(days=1), to=other_officer, tenant="b")

    run(MONDAY)
    run(MONDAY)

    [digest] = [m for m in sent_to(coordinator) if "weekly" in m.subject]
    assert digest.subject == "eCAF weekly deadlines: 2 overdue, 2 due this week"
    assert "Answer a task: 2 overdue, 2 due this week" in digest.body
    assert "/deadlines/" in digest.body
    assert world.a.case.child.family_name not in digest.body + digest.alternatives[0][0]
    digests = DigestSent.objects.filter(week_of=MONDAY)
    # Coordinators only: not the chair nor the CAF team's manager; the other tenant's
    # coordinator has theirs, with their own counts.
    assert set(digests.values_list("recipient_id", flat=True)) == {
        coordinator.pk,
        world.b.users["coordinator"].pk,
    }
    [theirs] = [m for m in sent_to(world.b.users["coordinator"]) if "weekly" in m.subject]
    assert theirs.subject == "eCAF weekly deadlines: 1 overdue, 0 due this week"
    for name in ("chair", "caf_manager", "tenant_admin"):
        assert not [m for m in sent_to(world.a.users[name]) if "weekly" in m.subject]


@pytest.mark.django_db
def test_the_digest_is_sent_on_mondays_or_when_asked_and_once_in_a_week(world, run):
    coordinator = world.a.users["coordinator"]

    run(TUESDAY)
    assert not DigestSent.objects.exists()
    run(TUESDAY, digest=True)
    run(MONDAY + timedelta(days=4), digest=True)
    assert DigestSent.objects.filter(recipient=coordinator).count() == 1
    run(MONDAY + timedelta(days=7))
    assert DigestSent.objects.filter(recipient=coordinator).count() == 2


# --- The run log -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_run_is_recorded_with_its_counts(world, run):
    a_task(world, due_on=TUESDAY, agency=world.a.police)

    [reminders] = run(TUESDAY, digest=False)

    reminders.refresh_from_db()
    assert reminders.kind == JobKind.DEADLINES and reminders.as_of == TUESDAY
    assert reminders.state == JobRun.State.DONE and reminders.finished_at is not None
    assert reminders.counts["reminders"] == 2
    [_, digest] = run(MONDAY)
    assert digest.kind == JobKind.DIGEST and digest.counts == {"digests": 2}


@pytest.mark.django_db
def test_a_failing_run_is_recorded_failed_with_its_error_and_raised_again(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("mail server gone")

    monkeypatch.setattr(jobs, "reminders_send_due", broken)

    with pytest.raises(RuntimeError):
        jobs.deadlines_run(today=TUESDAY)

    failed = JobRun.objects.get()
    assert failed.state == JobRun.State.FAILED and failed.finished_at is not None
    assert "mail server gone" in failed.errors


@pytest.mark.django_db
def test_the_run_log_is_for_managers_and_the_caf_team(world, login):
    JobRun.objects.create(kind=JobKind.RETENTION, as_of=TUESDAY, errors="disk full")
    for name in ("coordinator", "chair", "caf_manager", "police_manager"):
        client = login(world.a.users[name])
        page = client.get("/runs/")
        assert page.status_code == 200, name
        assert b"Archive and purge" in page.content
        assert b"operators have the details" in page.content
        # Runs cover every council: their error text is not one tenant's to read.
        assert b"disk full" not in page.content
        assert b'href="/runs/"' in client.get("/").content, name
    for name in ("police_practitioner", "assessor", "tenant_admin", "school_no_dbs"):
        client = login(world.a.users[name])
        assert client.get("/runs/").status_code == 404, name
        assert b'href="/runs/"' not in client.get("/").content, name


@pytest.mark.django_db
def test_each_council_reads_only_its_own_figures_of_a_run(world, run, login):
    """A run covers every council; how many reminders and digests it sent elsewhere is not
    one council's to read (R-TEN-1)."""
    for due_on in (TUESDAY, TUESDAY - timedelta(days=1)):
        a_task(world, due_on=due_on, to=world.a.users["police_practitioner"])
    for days_late in range(3):
        due_on = TUESDAY - timedelta(days=days_late)
        a_task(world, due_on=due_on, to=world.b.users["police_practitioner"], tenant="b")

    reminders, digest = run(MONDAY + timedelta(days=7), digest=True)

    assert reminders.counts["reminders"] == 5
    assert reminders.counts_for(world.a.tenant.pk) == {"reminders": 2}
    assert reminders.counts_for(world.b.tenant.pk) == {"reminders": 3}
    assert sum(n["digests"] for n in digest.tenant_counts.values()) == digest.counts["digests"]
    page = login(world.a.users["coordinator"]).get("/runs/").content.decode()
    assert "Reminders: 2" in page and "Reminders: 3" not in page and "Reminders: 5" not in page
    page = login(world.b.users["coordinator"]).get("/runs/").content.decode()
    assert "Reminders: 3" in page and "Reminders: 2" not in page


@pytest.mark.django_db
def test_the_run_log_pages_newest_first(world, login):
    for day in range(60):
        JobRun.objects.create(kind=JobKind.DEADLINES, as_of=MONDAY + timedelta(days=day))
    client = login(world.a.users["coordinator"])

    first = client.get("/runs/")
    assert first.content.count(b"Deadlines and reminders") == 50
    assert b"04/02/2027" in first.content  # the newest, as of day 60
    older = first.context["next_query"]
    second = client.get(f"/runs/?{older}")
    assert second.content.count(b"Deadlines and reminders") == 10
    assert b"07/12/2026" in second.content and second.context["next_query"] is None
    assert client.get("/runs/?before=nonsense").status_code == 200


# --- The command -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_runs_as_on_the_day_given(world, django_capture_on_commit_callbacks):
    officer = world.a.users["police_practitioner"]
    a_task(world, due_on=TUESDAY, to=officer)
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("deadlines_run", "--today", str(TUESDAY - timedelta(days=1)), stdout=out)
    assert not ReminderSent.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deadlines_run", "--today", str(TUESDAY), stdout=out)

    assert ReminderSent.objects.get().sent_on == TUESDAY
    assert len(sent_to(officer)) == 1
    assert "Deadlines and reminders as of 08/12/2026: Done" in out.getvalue()
    assert "reminders 1" in out.getvalue()
    # The day before was a Monday: the digest went then, once.
    assert "Coordinators' weekly digest as of 07/12/2026: Done" in out.getvalue()


@pytest.mark.django_db
def test_the_command_sends_the_digest_when_asked_and_refuses_a_bad_date(world):
    out = StringIO()
    call_command("deadlines_run", "--today", str(TUESDAY), "--digest", stdout=out)
    assert DigestSent.objects.filter(week_of=MONDAY).count() == 2
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("deadlines_run", "--today", "31/12/2026")


# --- A real worker ---------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_deadlines_job_and_reminds_once(world, request):
    """Beat's deadline scan on a real Celery worker over Redis (tests/test_worker.py), sent
    twice for one day: the owner of the due task is reminded once, and both runs are in the
    run log, done."""
    officer = world.a.users["police_practitioner"]
    task = a_task(world, due_on=TUESDAY - timedelta(days=1), to=officer)

    runs = JobRun.objects.filter(kind=JobKind.DEADLINES, state=JobRun.State.DONE)
    send_twice_and_wait(
        request.getfixturevalue("worker_queue"),
        "deadlines.tasks.deadlines_run_task",
        TUESDAY.isoformat(),
        lambda: runs.count() == 2,
    )
    assert set(runs.values_list("as_of", flat=True)) == {TUESDAY}
    reminder = ReminderSent.objects.get(source_id=task.pk)
    assert (reminder.recipient_id, reminder.sent_on) == (officer.pk, TUESDAY)
    assert sorted(run.counts.get("reminders", 0) for run in runs) == [0, 1]
    assert sorted(run.counts.get("emails", 0) for run in runs) == [0, 1]
