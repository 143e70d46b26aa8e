"""The "Start a CAF" journey through the pages (R-CHECK-1..8): what a practitioner sees of a
child they have no access to, each decision and its next step, and what the CAF team sees."""

from datetime import date
from html import escape

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from cases.models import CafCheck, Case, CaseState, CheckOutcome, Child
from referrals.models import InvolvementKind, SafeguardingReferral, Task, TaskKind
from referrals.services import tier34_involvement_record


def search(client, **fields):
    """Run a search through the form; return the check and the results page."""
    response = client.post("/checks/new/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    check = CafCheck.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    return check, client.get(response["Location"]).content.decode()


def jamie(world, tenant="a", **extra):
    """A search for world.<tenant>'s child, misspelt as a practitioner might."""
    tw = getattr(world, tenant)
    fields = {
        "agency": tw.police.pk,
        "given_name": "Jaime",
        "family_name": tw.case.child.family_name,
        "date_of_birth": "17/5/2015",
    }
    fields.update(extra)
    return fields


def close_case(case, months_ago):
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.CLOSED, closed_on=timezone.localdate() - relativedelta(months=months_ago)
    )


def test_practitioner_without_access_sees_existence_and_contact_only(world, login):
    client = login(world.a.users["police_practitioner"])
    case = world.a.case

    check, page = search(client, **jamie(world))

    assert case.child.full_name in page
    assert "Open CAF" in page
    assert escape(case.assessor.get_full_name()) in page
    assert case.assessor_agency.name in page
    assert case.reference not in page  # no way into the case
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert check.match_count == 1
    assert AccessLogEntry.objects.filter(
        action=AccessAction.SEARCH, username=world.a.users["police_practitioner"].username
    ).exists()


def test_practitioner_with_access_gets_a_link_to_the_case(world, login):
    client = login(world.a.users["school_practitioner"])
    _, page = search(client, **jamie(world, agency=world.a.school.pk))
    assert f'href="/cases/{world.a.case.pk}/"' in page


def test_another_tenant_finds_nothing(world, login):
    client = login(world.b.users["police_practitioner"])
    check, page = search(client, **jamie(world, agency=world.b.police.pk))

    # Only tenant b's own similar child (Jamie Westson) may come up, never tenant a's.
    assert world.a.case.child.full_name not in page
    assert escape(world.a.case.assessor.get_full_name()) not in page
    assert check.match_count <= 1


def test_search_needs_enough_detail_and_explains_next_to_the_field(world, login):
    client = login(world.a.users["police_practitioner"])

    no_name = client.post("/checks/new/", {"agency": world.a.police.pk, "postcode": "NS1 1AA"})
    bad_date = client.post(
        "/checks/new/", {"agency": world.a.police.pk, "given_name": "Jo", "date_of_birth": "31/2"}
    )

    assert no_name.status_code == bad_date.status_code == 200
    assert "Enter the child&#x27;s first name or last name." in no_name.content.decode()
    assert "Enter the date of birth as day/month/year" in bad_date.content.decode()
    assert "govuk-error-summary" in bad_date.content.decode()
    assert not CafCheck.objects.exists()


def test_no_caf_new_child_logs_the_intention(world, login):
    practitioner = world.a.users["police_practitioner"]
    client = login(practitioner)
    check, page = search(
        client,
        agency=world.a.police.pk,
        given_name="Zofia",
        family_name="Kowalczyk",
        date_of_birth="3/9/2019",
    )
    assert "No child on the register matches" in page

    response = client.post(
        f"/checks/{check.pk}/new-child/",
        {
            "given_name": "Zofia",
            "family_name": "Kowalczyk",
            "date_of_birth": "3/9/2019",
            "gender": "2",
            "ethnicity": "WOTH",
            "postcode": "ns2 4bb",
        },
    )

    assert response.status_code == 302
    check.refresh_from_db()
    assert check.outcome == CheckOutcome.NEW_CAF
    assert check.case.assessor == practitioner
    assert check.case.assessor_agency == world.a.police
    assert check.case.state == CaseState.INTENTION_LOGGED
    assert check.case.child.postcode == "NS2 4BB"
    assert client.get(f"/cases/{check.case.pk}/").status_code == 200
    # The CAF team sees the case it must log, too.
    assert login(world.a.users["coordinator"]).get(f"/cases/{check.case.pk}/").status_code == 200


def test_adding_a_likely_duplicate_warns_and_keeps_what_was_typed(world, login):
    client = login(world.a.users["police_practitioner"])
    check, _ = search(
        client,
        agency=world.a.police.pk,
        given_name="Jamie",
        family_name="Unrelated",
        date_of_birth="1/1/2012",
    )
    details = {
        "given_name": "Jamie",
        "family_name": world.a.case.child.family_name,
        "date_of_birth": "17/5/2015",
        "gender": "9",
        "ethnicity": "NOBT",
        "town": "Northtown",
    }

    warned = client.post(f"/checks/{check.pk}/new-child/", details)

    page = warned.content.decode()
    assert warned.status_code == 200
    assert "This child may already be on the register" in page
    assert 'value="Northtown"' in page
    assert Child.objects.count() == 2

    confirmed = client.post(
        f"/checks/{check.pk}/new-child/", {**details, "confirm_new_child": "on"}
    )
    assert confirmed.status_code == 302
    assert Child.objects.count() == 3


def test_open_caf_request_to_join_sends_a_task_to_the_assessor(world, login):
    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, **jamie(world))

    response = client.post(
        f"/checks/{check.pk}/join/{world.a.case.child_id}/", {"message": "We know the family."}
    )

    assert response.status_code == 302
    task = Task.objects.get()
    assert task.kind == TaskKind.JOIN_REQUEST
    assert task.assigned_to == world.a.case.assessor
    assert task.case == world.a.case
    check.refresh_from_db()
    assert check.outcome == CheckOutcome.JOIN_REQUESTED
    home = login(world.a.users["assessor"]).get("/").content.decode()
    assert "Request to join the team or add needs" in home
    assert "We know the family." in home
    # Asking does not open the case to the police.
    assert client.get(f"/cases/{world.a.case.pk}/").status_code == 404


def test_open_caf_cannot_be_started_again(world, login):
    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, **jamie(world))

    client.post(f"/checks/{check.pk}/decide/", {"action": "start", "child": world.a.case.child_id})

    assert Case.objects.filter(child=world.a.case.child).count() == 1
    check.refresh_from_db()
    assert check.outcome == CheckOutcome.PENDING


def test_closed_recently_is_reopened_without_a_new_assessment(world, login):
    close_case(world.a.case, months_ago=2)
    client = login(world.a.users["police_practitioner"])
    check, page = search(client, **jamie(world))
    assert "Reopen this CAF" in page

    client.post(f"/checks/{check.pk}/decide/", {"action": "reopen", "child": world.a.case.child_id})

    case = Case.objects.get(pk=world.a.case.pk)
    assert case.state == CaseState.DELIVERY and case.closed_on is None
    assert case.reopened_on == timezone.localdate()
    assert Case.objects.filter(child=case.child).count() == 1
    assert ChangeLogEntry.objects.filter(
        case_id=case.pk, actor=world.a.users["police_practitioner"]
    ).exists()


def test_reopening_without_consent_waits_for_it_and_asks_the_contact(world, login):
    # The family never consented to share with the police: reopening gives them nothing
    # beyond what the check shows, and the assessor is asked to record consent again.
    close_case(world.a.case, months_ago=2)
    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, **jamie(world))

    client.post(f"/checks/{check.pk}/decide/", {"action": "reopen", "child": world.a.case.child_id})

    assert client.get(f"/cases/{world.a.case.pk}/").status_code == 404
    task = Task.objects.get(case=world.a.case, kind=TaskKind.CONSENT_NEEDED)
    assert task.assigned_to == world.a.users["assessor"]
    page = client.get(f"/checks/{check.pk}/").content.decode()
    assert world.a.case.child.family_name in page
    assert world.a.case.reference not in page  # a CAF exists; its reference is not theirs


def test_closed_long_ago_starts_a_linked_episode_and_cannot_be_reopened(world, login):
    close_case(world.a.case, months_ago=7)
    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, **jamie(world))

    refused = client.post(
        f"/checks/{check.pk}/decide/", {"action": "reopen", "child": world.a.case.child_id}
    )
    assert "more than 6 months ago" in client.get(refused["Location"]).content.decode()
    client.post(
        f"/checks/{check.pk}/decide/", {"action": "new_episode", "child": world.a.case.child_id}
    )

    episode = Case.objects.exclude(pk=world.a.case.pk).get(child=world.a.case.child)
    assert episode.previous_episode == world.a.case
    assert episode.assessor_agency == world.a.police


@pytest.mark.parametrize(
    ("months_ago", "offered", "not_offered"),
    [(2, "Reopen this CAF", "Start a new episode"), (7, "Start a new episode", "Reopen this CAF")],
)
def test_only_the_decision_the_rules_allow_is_offered(
    world, login, months_ago, offered, not_offered
):
    close_case(world.a.case, months_ago=months_ago)
    client = login(world.a.users["police_practitioner"])

    _, page = search(client, **jamie(world))

    assert offered in page
    assert not_offered not in page


def test_after_logging_an_intention_the_next_step_is_consent(world, login):
    client = login(world.a.users["police_practitioner"])
    check, _ = search(
        client,
        given_name="Noah",
        family_name="Quince",
        date_of_birth="3/3/2016",
        agency=world.a.police.pk,
    )
    new_child = client.post(
        f"/checks/{check.pk}/new-child/",
        {
            "given_name": "Noah",
            "family_name": "Quince",
            "date_of_birth": "3/3/2016",
            "gender": "0",
            "ethnicity": "NOBT",
        },
    )
    assert new_child.status_code == 302, new_child.content.decode()[:3000]

    page = client.get(f"/checks/{check.pk}/").content.decode()

    case = Case.objects.get(child__family_name="Quince")
    assert (
        f'class="govuk-button" data-module="govuk-button" href="/cases/{case.pk}/consent/"' in page
    )
    assert "govuk-panel" in page and case.reference in page
    assert 'class="govuk-link app-panel-link"' not in page


def test_tier34_involvement_stops_the_caf_and_routes_the_concern(world, login):
    child = world.a.case.child
    involvement = tier34_involvement_record(
        child=child,
        kind=InvolvementKind.SOCIAL_CARE,
        keyworker_agency=world.a.school,
        keyworker_name="Sam Social-Worker",
        keyworker_telephone="01632 960123",
        started_on=date(2026, 1, 5),
        by=world.a.users["coordinator"],
    )
    client = login(world.a.users["police_practitioner"])
    check, page = search(client, **jamie(world))
    assert "Sam Social-Worker" in page and "01632 960123" in page
    assert "Ask to join" not in page

    empty = client.post(f"/checks/{check.pk}/concern/{involvement.pk}/", {"message": ""})
    assert "Describe your concern for the keyworker." in empty.content.decode()
    client.post(f"/checks/{check.pk}/concern/{involvement.pk}/", {"message": "Missing school."})

    task = Task.objects.get()
    assert task.kind == TaskKind.TIER34_CONCERN and task.assigned_agency == world.a.school
    check.refresh_from_db()
    assert check.outcome == CheckOutcome.TIER34_CONCERN


def test_child_protection_concern_stops_and_records_the_referral(world, login):
    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, **jamie(world))

    client.post(
        f"/checks/{check.pk}/child-protection/",
        {
            "child": world.a.case.child_id,
            "referred_to": "Northshire MASH",
            "referred_on": timezone.localdate().strftime("%d/%m/%Y"),
            "reference": "MASH-42",
        },
    )

    referral = SafeguardingReferral.objects.get()
    assert referral.case == world.a.case  # the open case is flagged
    assert referral.referred_by == world.a.users["police_practitioner"]
    check.refresh_from_db()
    assert check.outcome == CheckOutcome.CHILD_PROTECTION


@pytest.mark.parametrize(("learning_difficulty", "out_of_scope"), [(False, True), (True, False)])
def test_age_scope_is_explained(world, login, learning_difficulty, out_of_scope):
    client = login(world.a.users["police_practitioner"])
    born = timezone.localdate() - relativedelta(years=20)
    fields = {
        "agency": world.a.police.pk,
        "given_name": "Adult",
        "family_name": "Person",
        "date_of_birth": born.strftime("%d/%m/%Y"),
    }
    if learning_difficulty:
        fields["has_learning_difficulty"] = "on"

    check, page = search(client, **fields)

    assert ("A CAF is for children and young people up to 18" in page) is out_of_scope
    decided = client.post(f"/checks/{check.pk}/decide/", {"action": "out_of_scope"})
    check.refresh_from_db()
    assert (check.outcome == CheckOutcome.OUT_OF_SCOPE) is out_of_scope
    assert decided.status_code == 302


def test_caf_team_sees_the_live_list_and_others_do_not(world, login):
    search(login(world.a.users["police_practitioner"]), **jamie(world))
    search(login(world.b.users["police_practitioner"]), **jamie(world, tenant="b"))

    coordinator = login(world.a.users["coordinator"]).get("/checks/")
    police = login(world.a.users["police_practitioner"]).get("/checks/")

    page = coordinator.content.decode()
    assert coordinator.status_code == 200
    assert escape(world.a.users["police_practitioner"].get_full_name()) in page
    assert "No decision yet" in page
    assert escape(world.b.users["police_practitioner"].get_full_name()) not in page
    assert police.status_code == 404


def test_only_the_author_decides_and_other_practitioners_cannot_see_a_check(world, login):
    check, _ = search(login(world.a.users["police_practitioner"]), **jamie(world))
    other = login(world.a.users["police_manager"])

    assert other.get(f"/checks/{check.pk}/").status_code == 404
    assert other.post(f"/checks/{check.pk}/decide/", {"action": "out_of_scope"}).status_code == 404
    assert login(world.b.users["coordinator"]).get(f"/checks/{check.pk}/").status_code == 404
    coordinator_view = login(world.a.users["coordinator"]).get(f"/checks/{check.pk}/")
    assert coordinator_view.status_code == 200
    assert "Ask to join" not in coordinator_view.content.decode()


def test_coordinator_merges_duplicate_records_keeping_history(world, login):
    assessor = world.a.users["assessor"]
    from cases.services import child_register

    duplicate = child_register(
        by=assessor,
        given_name="Jaime",
        family_name=world.a.case.child.family_name,
        date_of_birth=date(2015, 5, 17),
        nhs_number="9434765919",
    )
    keep = world.a.case.child

    refused = login(world.a.users["police_practitioner"]).post(
        "/checks/merge-children/", {"keep": keep.pk, "duplicate": duplicate.pk}
    )
    other_tenant = login(world.b.users["coordinator"]).post(
        "/checks/merge-children/", {"keep": keep.pk, "duplicate": duplicate.pk}
    )
    merged = login(world.a.users["coordinator"]).post(
        "/checks/merge-children/", {"keep": keep.pk, "duplicate": duplicate.pk}
    )

    assert refused.status_code == 404
    assert "There is no child with this number" in other_tenant.content.decode()
    assert merged.status_code == 302
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into == keep
    assert keep.nhs_number == "9434765919"
    assert "Jaime" in keep.other_names
    check, _ = search(login(world.a.users["police_practitioner"]), **jamie(world))
    assert check.match_count == 1  # the merged record no longer shows
    assert ChangeLogEntry.objects.filter(
        child_id=duplicate.pk, actor=world.a.users["coordinator"]
    ).exists()


def test_results_page_queries_do_not_grow_with_matches(world, login, django_assert_max_num_queries):
    from cases.services import case_open, child_register

    assessor = world.a.users["assessor"]
    for given in ("Jamie", "Jaimie", "Jayme", "Jamey"):
        child = child_register(
            by=assessor, given_name=given, family_name="Northson", date_of_birth=date(2015, 5, 17)
        )
        case_open(child=child, assessor_agency=world.a.school, by=assessor)
    client = login(world.a.users["police_practitioner"])
    check, _ = search(client, **jamie(world))
    assert check.match_count >= 4

    with django_assert_max_num_queries(20):
        assert client.get(f"/checks/{check.pk}/").status_code == 200


def test_a_broad_search_says_so_on_the_results_page(world, login, monkeypatch):
    from cases import register
    from cases.services import child_register

    monkeypatch.setattr(register, "CANDIDATE_LIMIT", 2)
    for given in ("Jamie", "Jaimie", "Jayme"):
        child_register(
            by=world.a.users["assessor"],
            given_name=given,
            family_name="Northson",
            date_of_birth=date(2015, 5, 17),
        )
    client = login(world.a.users["police_practitioner"])

    _, broad_page = search(client, **jamie(world))
    monkeypatch.setattr(register, "CANDIDATE_LIMIT", 300)
    _, narrow_page = search(client, **jamie(world))

    assert "Many children on the register are like this search" in broad_page
    assert "Many children on the register are like this search" not in narrow_page
