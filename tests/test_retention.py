"""Retention (R-RET-1): archive a year after closure by the tenant's policy, legal holds, the
daily run and its dry run, and what an archived CAF looks like to each user."""

from datetime import date
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from agencies.models import Tenant
from cases import checks
from cases.models import Case, CaseGroupObjectPermission, CaseState, Gender, TeamMembership
from cases.services import case_open, child_register
from consent.grant_audit import access_grant_disagreements
from consent.models import ConsentGrant
from consent.services import consent_record
from delivery.models import ClosureReason
from delivery.services.closure import case_close
from referrals.models import Task, TaskKind, TaskState
from referrals.services import task_create
from retention import jobs
from retention.models import JobKind, JobRun, LegalHold, RetentionPolicyChange
from retention.selectors import retention_preview
from retention.services.archive import case_archive
from retention.services.holds import legal_hold_lift, legal_hold_place
from retention.services.policy import RetentionError, retention_policy_change, tenant_policy
from tests.assessment_states import consented_case
from tests.test_worker import send_twice_and_wait, worker_queue  # noqa: F401 (a fixture)

TODAY = timezone.localdate()
YEAR_ON = TODAY + relativedelta(months=12)


def _shared_with_police(world) -> Case:
    case = world.a.case
    consent_record(
        case=case,
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
    return case


def _closed(world, case=None) -> Case:
    case = case or world.a.case
    side = world.a if case.tenant_id == world.a.tenant.pk else world.b
    case_close(
        case=case,
        by=side.users["coordinator"],
        reason=ClosureReason.MOVED_AWAY,
        note="The family moved to another council.",
    )
    return Case.objects.get(pk=case.pk)


def _state(case) -> str:
    return Case.objects.get(pk=case.pk).state


# --- Archive at the boundary ---------------------------------------------------------------


def test_never_archived_one_day_early(world):
    case = _closed(world)
    jobs.retention_run(today=YEAR_ON - relativedelta(days=1))
    assert _state(case) == CaseState.CLOSED
    jobs.retention_run(today=YEAR_ON)
    case.refresh_from_db()
    assert case.state == CaseState.ARCHIVED
    assert case.archived_on == YEAR_ON


def test_a_lengthened_policy_is_respected(world):
    retention_policy_change(
        tenant=world.a.tenant,
        by=world.a.users["caf_manager"],
        accessible_for_months=24,
        archived_for_years=6,
        keep_until_age=25,
        reason="The council keeps early help records to the 25th birthday.",
    )
    case = _closed(world)
    jobs.retention_run(today=YEAR_ON)
    assert _state(case) == CaseState.CLOSED
    jobs.retention_run(today=TODAY + relativedelta(months=24))
    assert _state(case) == CaseState.ARCHIVED


def test_another_tenants_policy_does_not_apply(world):
    retention_policy_change(
        tenant=world.b.tenant,
        by=world.b.users["tenant_admin"],
        accessible_for_months=36,
        archived_for_years=6,
        keep_until_age=None,
        reason="Longer in the west.",
    )
    case = _closed(world)
    jobs.retention_run(today=YEAR_ON)
    assert _state(case) == CaseState.ARCHIVED


def test_running_twice_changes_nothing_the_second_time(world):
    case = _closed(world)
    first = jobs.retention_run(today=YEAR_ON).run
    archived = Case.objects.get(pk=case.pk)
    second = jobs.retention_run(today=YEAR_ON).run
    assert first.counts["archived"] == 1
    assert second.counts["archived"] == 0
    assert Case.objects.get(pk=case.pk).updated_at == archived.updated_at


def test_each_run_is_recorded(world):
    _closed(world)
    run = jobs.retention_run(today=YEAR_ON).run
    run.refresh_from_db()
    assert run.state == JobRun.State.DONE
    assert run.as_of == YEAR_ON
    assert run.finished_at is not None
    assert run.counts["archived"] == 1 and run.counts["errors"] == 0


def test_each_council_reads_only_its_own_figures_of_a_run(world, login):
    """The run covers every council; the run log shows a council's staff their own counts."""
    _closed(world)
    _closed(world, consented_case(world, "Secondcase"))
    _closed(world, world.b.case)

    preview = jobs.retention_run(today=YEAR_ON, dry_run=True).run
    done = jobs.retention_run(today=YEAR_ON).run
    done.refresh_from_db()

    assert preview.counts_for(world.a.tenant.pk)["archived"] == 2
    assert done.counts["archived"] == 3
    assert done.counts_for(world.a.tenant.pk) == {"archived": 2, "held": 0, "errors": 0}
    assert done.counts_for(world.b.tenant.pk)["archived"] == 1
    page = login(world.a.users["caf_manager"]).get("/runs/").content.decode()
    assert "Archived: 2" in page and "Archived: 3" not in page
    page = login(world.b.users["caf_manager"]).get("/runs/").content.decode()
    assert "Archived: 1" in page and "Archived: 2" not in page


def test_one_failing_case_is_logged_and_the_rest_go_on(world, monkeypatch):
    first = _closed(world)
    second = _closed(world, world.b.case)
    real = case_archive

    def failing(*, case, today, run):
        if case.pk == first.pk:
            raise RuntimeError("disk full")
        return real(case=case, today=today, run=run)

    monkeypatch.setattr(jobs, "case_archive", failing)
    run = jobs.retention_run(today=YEAR_ON).run
    assert _state(first) == CaseState.CLOSED
    assert _state(second) == CaseState.ARCHIVED
    assert run.counts["errors"] == 1 and "disk full" in run.errors
    assert run.counts_for(world.a.tenant.pk) == {"archived": 0, "held": 0, "errors": 1}
    assert run.counts_for(world.b.tenant.pk) == {"archived": 1, "held": 0, "errors": 0}


def test_a_failed_run_is_recorded_as_failed(world, monkeypatch):
    _closed(world)

    def broken(**kwargs):
        raise RuntimeError("purge broke")

    monkeypatch.setattr(jobs, "_purge", broken)
    with pytest.raises(RuntimeError):
        jobs.retention_run(today=YEAR_ON)
    run = JobRun.objects.get()
    assert run.state == JobRun.State.FAILED and "purge broke" in run.errors
    # The archive before the failure is committed, and counted for its council.
    assert run.counts_for(world.a.tenant.pk)["archived"] == 1


def test_a_run_failing_within_a_council_keeps_every_councils_figures(world, monkeypatch):
    _closed(world)
    _closed(world, world.b.case)
    real = jobs.tenant_held

    def failing_for_b(tenant_id):
        if tenant_id == world.b.tenant.pk:
            raise RuntimeError("policy table gone")
        return real(tenant_id)

    monkeypatch.setattr(jobs, "tenant_held", failing_for_b)
    with pytest.raises(RuntimeError):
        jobs.retention_run(today=YEAR_ON)
    run = JobRun.objects.get()
    assert run.state == JobRun.State.FAILED
    assert run.counts_for(world.a.tenant.pk)["archived"] == 1
    assert run.counts_for(world.b.tenant.pk) == {"archived": 0, "held": 0, "errors": 0}


def test_a_run_from_before_councils_were_counted_says_so(world, login):
    JobRun.objects.create(
        kind=JobKind.RETENTION, as_of=YEAR_ON, state=JobRun.State.DONE, counts={"archived": 9}
    )
    page = login(world.a.users["caf_manager"]).get("/runs/").content.decode()
    assert "Not counted by council" in page and "Archived: 9" not in page


def test_batches_take_every_due_case(world):
    cases = [_closed(world), _closed(world, world.b.case)]
    run = jobs.retention_run(today=YEAR_ON, batch=1).run
    assert [_state(case) for case in cases] == [CaseState.ARCHIVED] * 2
    assert run.counts["archived"] == 2


# --- What archiving ends -------------------------------------------------------------------


def test_archiving_ends_every_other_agencys_access(world):
    case = _closed(world, _shared_with_police(world))
    assign_perm("view_case", world.a.users["school_practitioner"], case)
    jobs.retention_run(today=YEAR_ON)
    agencies = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
            "group__agency", flat=True
        )
    )
    assert agencies <= {world.a.caf_team.pk}
    assert not ConsentGrant.objects.filter(consent__case=case, revoked_at=None).exists()
    assert not TeamMembership.objects.filter(case=case, left_at=None).exists()
    assert not case.caseuserobjectpermission_set.exists()


def test_archiving_closes_the_open_tasks_about_the_child(world):
    case = _closed(world)
    task = task_create(
        kind=TaskKind.READ_ACCESS,
        by=world.a.users["coordinator"],
        from_agency=world.a.caf_team,
        assigned_agency=world.a.police,
        child=case.child,
        case=case,
        message="Please read.",
    )
    jobs.retention_run(today=YEAR_ON)
    assert Task.objects.get(pk=task.pk).state != TaskState.OPEN


# --- Policy --------------------------------------------------------------------------------


def test_the_national_default_until_changed(world):
    policy = tenant_policy(world.a.tenant)
    assert (policy.accessible_for_months, policy.archived_for_years) == (12, 6)
    assert policy.keep_until_age is None


def test_shortening_is_refused_without_a_decision(world):
    with pytest.raises(RetentionError) as refused:
        retention_policy_change(
            tenant=world.a.tenant,
            by=world.a.users["caf_manager"],
            accessible_for_months=6,
            archived_for_years=6,
            keep_until_age=None,
            reason="Less is better.",
        )
    assert refused.value.field == "decision_reference"
    assert tenant_policy(world.a.tenant).accessible_for_months == 12


def test_shortening_with_a_decision_is_recorded(world):
    retention_policy_change(
        tenant=world.a.tenant,
        by=world.a.users["tenant_admin"],
        accessible_for_months=12,
        archived_for_years=5,
        keep_until_age=None,
        reason="Cabinet decision.",
        decision_reference="CAB-2026-14",
    )
    change = RetentionPolicyChange.objects.get()
    assert change.shortens and change.decision_reference == "CAB-2026-14"
    assert change.before["archived_for_years"] == 6 and change.after["archived_for_years"] == 5


def test_removing_the_age_kept_to_is_shortening(world):
    kwargs = dict(tenant=world.a.tenant, by=world.a.users["caf_manager"], reason="r")
    retention_policy_change(
        **kwargs, accessible_for_months=12, archived_for_years=6, keep_until_age=25
    )
    with pytest.raises(RetentionError):
        retention_policy_change(
            **kwargs, accessible_for_months=12, archived_for_years=6, keep_until_age=None
        )


@pytest.mark.parametrize("name", ["coordinator", "school_manager", "assessor"])
def test_only_the_admin_or_caf_manager_changes_the_policy(world, name):
    with pytest.raises(RetentionError):
        retention_policy_change(
            tenant=world.a.tenant,
            by=world.a.users[name],
            accessible_for_months=24,
            archived_for_years=6,
            keep_until_age=None,
            reason="Longer.",
        )


def test_a_manager_of_another_tenant_cannot_change_the_policy(world):
    with pytest.raises(RetentionError):
        retention_policy_change(
            tenant=world.a.tenant,
            by=world.b.users["caf_manager"],
            accessible_for_months=24,
            archived_for_years=6,
            keep_until_age=None,
            reason="Longer.",
        )


# --- Legal holds ---------------------------------------------------------------------------


def test_a_held_case_is_untouched_until_the_hold_is_lifted(world):
    case = _closed(world)
    hold = legal_hold_place(
        tenant=world.a.tenant, case=case, reason="Public inquiry.", by=world.a.users["coordinator"]
    )
    run = jobs.retention_run(today=YEAR_ON).run
    assert _state(case) == CaseState.CLOSED
    assert run.counts["held"] == 1
    legal_hold_lift(hold=hold, reason="Inquiry reported.", by=world.a.users["caf_manager"])
    jobs.retention_run(today=YEAR_ON)
    assert _state(case) == CaseState.ARCHIVED


def test_a_tenant_hold_keeps_every_case_of_that_tenant_only(world):
    case = _closed(world)
    other = _closed(world, world.b.case)
    hold = legal_hold_place(
        tenant=world.a.tenant, reason="Inquiry into the council.", by=world.a.users["caf_manager"]
    )
    jobs.retention_run(today=YEAR_ON)
    assert _state(case) == CaseState.CLOSED
    assert _state(other) == CaseState.ARCHIVED
    legal_hold_lift(hold=hold, reason="Inquiry over.", by=world.a.users["coordinator"])
    jobs.retention_run(today=YEAR_ON)
    assert _state(case) == CaseState.ARCHIVED


def test_a_manager_of_another_agency_holds_only_a_case_they_see(world):
    case = world.a.case  # the school's
    legal_hold_place(
        tenant=world.a.tenant, case=case, reason="Claim.", by=world.a.users["school_manager"]
    )
    with pytest.raises(RetentionError):
        legal_hold_place(
            tenant=world.a.tenant, case=case, reason="Claim.", by=world.a.users["police_manager"]
        )
    with pytest.raises(RetentionError):
        legal_hold_place(tenant=world.a.tenant, reason="All.", by=world.a.users["school_manager"])


@pytest.mark.parametrize("name", ["assessor", "chair", "tenant_admin"])
def test_others_cannot_place_a_hold(world, name):
    with pytest.raises(RetentionError):
        legal_hold_place(
            tenant=world.a.tenant, case=world.a.case, reason="Why.", by=world.a.users[name]
        )
    assert not LegalHold.objects.exists()


def test_a_hold_needs_a_reason(world):
    with pytest.raises(RetentionError) as refused:
        legal_hold_place(
            tenant=world.a.tenant, case=world.a.case, reason="  ", by=world.a.users["coordinator"]
        )
    assert refused.value.field == "reason"


# --- Dry run -------------------------------------------------------------------------------


def test_a_dry_run_changes_nothing_and_lists_what_the_run_then_archives(world):
    case = _closed(world)
    held = _closed(world, world.b.case)
    legal_hold_place(
        tenant=world.b.tenant, case=held, reason="Inquiry.", by=world.b.users["coordinator"]
    )
    preview = jobs.retention_run(today=YEAR_ON, dry_run=True)
    assert [c.pk for c in preview.to_archive] == [case.pk]
    assert [c.pk for c in preview.held] == [held.pk]
    assert _state(case) == CaseState.CLOSED
    assert preview.run.dry_run and preview.run.counts["archived"] == 1
    jobs.retention_run(today=YEAR_ON)
    archived = Case.objects.filter(state=CaseState.ARCHIVED).values_list("pk", flat=True)
    assert list(archived) == [case.pk]


def test_the_command_runs_as_on_a_day(world, capsys):
    case = _closed(world)
    call_command("retention_run", "--today", YEAR_ON.isoformat(), "--dry-run")
    assert f"would archive: {case.reference}" in capsys.readouterr().out
    assert _state(case) == CaseState.CLOSED
    call_command("retention_run", "--today", YEAR_ON.isoformat())
    assert _state(case) == CaseState.ARCHIVED


def test_the_task_runs_today(world):
    from retention.tasks import retention_run_task

    assert retention_run_task.delay().get()["archived"] == 0


# --- An archived CAF to its readers --------------------------------------------------------


@pytest.fixture
def archived(world) -> Case:
    case = _closed(world, _shared_with_police(world))
    jobs.retention_run(today=YEAR_ON)
    return Case.objects.get(pk=case.pk)


def test_an_agency_that_saw_it_gets_404(world, login, archived):
    for name in ("assessor", "police_practitioner", "school_manager"):
        client = login(world.a.users[name])
        for url in (
            reverse("cases:detail", kwargs={"pk": archived.pk}),
            f"/api/cases/{archived.pk}/",
            reverse("delivery:closure_letter", kwargs={"pk": archived.pk}),
        ):
            assert client.get(url).status_code == 404, (name, url)


def test_the_caf_team_reads_it_but_cannot_change_it(world, login, archived):
    client = login(world.a.users["coordinator"])
    page = client.get(reverse("cases:detail", kwargs={"pk": archived.pk}))
    assert page.status_code == 200
    assert archived.child.family_name in page.content.decode()
    assert client.get(f"/api/cases/{archived.pk}/").status_code == 200
    child_page = reverse("cases:child_details", kwargs={"pk": archived.pk})
    assert client.post(child_page, {"given_name": "Changed"}).status_code == 404
    assert client.post(f"/api/cases/{archived.pk}/notes/", {"text": "x"}).status_code == 404
    assert Case.objects.get(pk=archived.pk).child.given_name == "Jamie"


def test_the_caf_team_cannot_reopen_it(world, login, archived):
    client = login(world.a.users["coordinator"])
    client.post(reverse("delivery:reopen", kwargs={"pk": archived.pk}), {"reason": "Back."})
    assert _state(archived) == CaseState.ARCHIVED


def test_the_register_check_shows_only_that_a_caf_existed(world, login, archived):
    Agency = type(world.a.caf_team)
    Agency.objects.filter(pk=world.a.caf_team.pk).update(telephone="01632 960000")
    officer = world.a.users["police_practitioner"]
    check, _ = checks.check_search(
        by=officer,
        agency=world.a.police,
        given_name="Jamie",
        family_name=archived.child.family_name,
        date_of_birth=archived.child.date_of_birth,
    )
    client = login(officer)
    page = client.get(reverse("checks:detail", kwargs={"pk": check.pk})).content.decode()
    assert "A CAF existed for this child" in page
    assert "01632 960000" in page and world.a.caf_team.name in page
    assert archived.reference not in page
    assert world.a.users["assessor"].get_full_name() not in page
    assert "Closed " not in page
    assert "Start a new episode" in page
    caf = client.get(f"/api/checks/{check.pk}/").json()["matches"][0]["caf"]
    assert caf["closed_on"] is None and caf["reference"] is None
    assert caf["contact"]["agency"] == world.a.caf_team.name
    response = client.post(
        reverse("checks:decide", kwargs={"pk": check.pk}),
        {"child": archived.child_id, "action": "new_episode"},
    )
    assert response.status_code == 302
    episode = Case.objects.exclude(pk=archived.pk).get(child=archived.child)
    assert episode.previous_episode_id == archived.pk and episode.is_open


# --- Pages ---------------------------------------------------------------------------------


def test_the_policy_page_keeps_what_was_typed_beside_the_error(world, login):
    client = login(world.a.users["caf_manager"])
    response = client.post(
        reverse("retention:policy"),
        {
            "accessible_for_months": "6",
            "archived_for_years": "6",
            "keep_until_age": "",
            "reason": "Save space on the server.",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "needs the reference of the decision" in page
    assert 'value="6"' in page and "Save space on the server." in page
    assert tenant_policy(world.a.tenant).accessible_for_months == 12


def test_the_policy_page_refuses_nonsense_with_a_field_error(world, login):
    client = login(world.a.users["tenant_admin"])
    response = client.post(
        reverse("retention:policy"),
        {"accessible_for_months": "x", "archived_for_years": "99999", "reason": "r"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "between 1 and 240" in page and "between 0 and 100" in page


def test_the_policy_page_lengthens_the_periods(world, login):
    client = login(world.a.users["tenant_admin"])
    response = client.post(
        reverse("retention:policy"),
        {
            "accessible_for_months": "12",
            "archived_for_years": "6",
            "keep_until_age": "25",
            "reason": "To the 25th birthday.",
        },
    )
    assert response.status_code == 302
    assert tenant_policy(world.a.tenant).keep_until_age == 25
    assert "To the 25th birthday." in client.get(reverse("retention:policy")).content.decode()


def test_a_hold_is_placed_by_reference_and_lifted_from_the_pages(world, login):
    case = _closed(world)
    client = login(world.a.users["coordinator"])
    response = client.post(
        reverse("retention:hold_place"),
        {"scope": "case", "reference": case.reference.lower(), "reason": "Inquiry."},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get(case=case)
    holds = client.get(reverse("retention:holds")).content.decode()
    assert case.reference in holds and "Inquiry." in holds
    lift = reverse("retention:hold_lift", kwargs={"pk": hold.pk})
    assert client.post(lift, {"reason": ""}).status_code == 200
    assert client.post(lift, {"reason": "Over."}).status_code == 302
    assert LegalHold.objects.get(pk=hold.pk).lifted_by == world.a.users["coordinator"]


def test_a_case_the_placer_cannot_see_is_not_found(world, login):
    client = login(world.a.users["police_manager"])
    response = client.post(
        reverse("retention:hold_place"),
        {"scope": "case", "reference": world.a.case.reference, "reason": "Claim."},
    )
    assert response.status_code == 200
    assert "No CAF you can see has this reference" in response.content.decode()
    response = client.post(
        reverse("retention:hold_place"),
        {"scope": "case", "reference": "nonsense", "reason": "Claim."},
    )
    assert "Enter a CAF reference like CAF-000123" in response.content.decode()
    assert not LegalHold.objects.exists()


def test_lifting_a_hold_is_for_who_may_place_it(world, login):
    case_hold = legal_hold_place(
        tenant=world.a.tenant, case=world.a.case, reason="Claim.", by=world.a.users["coordinator"]
    )
    tenant_hold = legal_hold_place(
        tenant=world.a.tenant, reason="Inquiry.", by=world.a.users["coordinator"]
    )
    allowed = {
        case_hold.pk: {"coordinator", "caf_manager", "school_manager"},
        tenant_hold.pk: {"coordinator", "caf_manager"},
    }
    users = {f"a.{n}": u for n, u in world.a.users.items()} | {
        "b.coordinator": world.b.users["coordinator"],
        "b.caf_manager": world.b.users["caf_manager"],
    }
    for label, user in users.items():
        client = login(user)
        for pk, who in allowed.items():
            status = client.get(reverse("retention:hold_lift", kwargs={"pk": pk})).status_code
            expected = 200 if label.startswith("a.") and label[2:] in who else 404
            assert status == expected, (label, pk)
            if expected == 404:
                client.post(reverse("retention:hold_lift", kwargs={"pk": pk}), {"reason": "x"})
    assert not LegalHold.objects.filter(lifted_at__isnull=False).exists()


def test_the_dry_run_page_shows_what_is_due_a_month_ahead(world, login):
    case = _closed(world)
    held = Case.objects.get(pk=_closed(world, _second_case(world)).pk)
    legal_hold_place(
        tenant=world.a.tenant, case=held, reason="Inquiry.", by=world.a.users["coordinator"]
    )
    client = login(world.a.users["chair"])
    url = reverse("retention:preview")
    page = client.get(url).content.decode()
    assert "Nothing to archive." in page
    page = client.get(url, {"on": YEAR_ON.isoformat()}).content.decode()
    assert case.reference in page and held.reference in page and "Held" in page
    assert _state(case) == CaseState.CLOSED
    response = client.get(url, {"on": "31/02/2027"})
    assert response.status_code == 200 and "Enter a date like" in response.content.decode()
    assert "31/02/2027" in response.content.decode()
    assert "from today" in client.get(url, {"on": "0001-01-01"}).content.decode()


def _second_case(world) -> Case:
    assessor = world.a.users["assessor"]
    child = child_register(
        by=assessor,
        given_name="Robin",
        family_name="Heldsworth",
        date_of_birth=date(2016, 2, 29),
        gender=Gender.NOT_KNOWN,
    )
    return case_open(child=child, assessor_agency=world.a.school, by=assessor)


def test_the_demo_data_walks_retention(db, settings):
    settings.DEBUG = True
    call_command("load_demo_data", stdout=StringIO())
    northshire = Tenant.objects.get(slug="northshire")
    cases = Case.objects.filter(tenant=northshire)
    assert cases.get(child__family_name="Oldfield").state == CaseState.ARCHIVED
    held = cases.get(child__family_name="Holden")
    assert held.state == CaseState.CLOSED and held.legal_holds.filter(lifted_at=None).exists()
    preview = retention_preview(northshire, TODAY + relativedelta(months=1))
    assert "Soonworth" in {c.child.family_name for c in preview.to_archive}
    assert "Holden" in {c.child.family_name for c in preview.held}


def test_archived_access_agrees_with_the_grant_audit(world, archived):
    assert access_grant_disagreements(tenant_id=world.a.tenant.pk) == []


def test_holds_policy_changes_and_archiving_are_in_the_change_log(world, archived):
    from audit.models import ChangeLogEntry

    coordinator = world.a.users["coordinator"]
    hold = legal_hold_place(tenant=world.a.tenant, reason="Inquiry.", by=coordinator)
    entries = ChangeLogEntry.objects.filter(tenant_id=world.a.tenant.pk)
    assert entries.filter(object_pk=str(hold.pk), actor=coordinator).exists()
    assert any("archived" in str(e.changes) for e in entries.filter(case_id=archived.pk))


def test_a_dry_run_lists_what_the_run_then_purges(world, archived):
    # The purge itself is tested in tests/test_purge.py; here, that the run takes it.
    from retention.models import PurgeRecord

    purge_day = YEAR_ON + relativedelta(years=6)
    preview = jobs.retention_run(today=purge_day - relativedelta(days=1), dry_run=True)
    assert archived.pk not in [c.pk for c in preview.to_purge]
    preview = jobs.retention_run(today=purge_day, dry_run=True)
    assert [c.pk for c in preview.to_purge] == [archived.pk]
    run = jobs.retention_run(today=purge_day).run
    assert run.counts["purged"] == 1
    assert not Case.objects.filter(pk=archived.pk).exists()
    assert PurgeRecord.objects.filter(reference=archived.reference).exists()


# --- On a real worker --------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_retention_job_and_archives_what_is_due(world, request):
    """Beat's nightly run on a real Celery worker over Redis (tests/test_worker.py), sent
    twice for the day a year after closure: the CAF is archived once, both runs are done."""
    from retention.models import JobKind

    case = _closed(world, _shared_with_police(world))
    runs = JobRun.objects.filter(kind=JobKind.RETENTION, state=JobRun.State.DONE)
    send_twice_and_wait(
        request.getfixturevalue("worker_queue"),
        "retention.tasks.retention_run_task",
        YEAR_ON.isoformat(),
        lambda: runs.count() == 2,
    )
    assert _state(case) == CaseState.ARCHIVED
    assert Case.objects.get(pk=case.pk).archived_on == YEAR_ON
    assert sorted(run.counts.get("archived", 0) for run in runs) == [0, 1]
    # Police could see it before; the archive is the CAF team's alone.
    assert not ConsentGrant.objects.filter(consent__case=case, revoked_at__isnull=True).exists()
