"""Correcting a child's register details from the case (R-ASSESS-3, R-ASSESS-6): by those who
work on the case, audited, validated with nothing typed lost, and found by the new name."""

import pytest

from assessments.checks import check_demographics
from audit.models import ChangeLogEntry
from cases.models import Child, Ethnicity, Gender
from cases.services import CaseError, child_details_correct

pytestmark = pytest.mark.django_db

DETAILS = {
    "given_name": "Jamie",
    "family_name": "Northson",
    "date_of_birth": "17/05/2015",
    "gender": Gender.MALE,
    "ethnicity": Ethnicity.WBRI,
    "address_line_1": "12 High Street",
    "town": "Northshire",
    "postcode": "ns1 1aa",
}


def test_the_assessor_completes_the_childs_details_and_is_sent_back_to_the_task_list(world, login):
    client = login(world.a.users["assessor"])
    url = f"/cases/{world.a.case.pk}/child/"
    assert "Correct the child" in client.get(url).content.decode()
    response = client.post(url, DETAILS | {"next_page": "tasks"})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{world.a.case.pk}/assessment/tasks/"
    child = Child.objects.get(pk=world.a.case.child_id)
    assert (child.gender, child.ethnicity, child.postcode) == (Gender.MALE, "WBRI", "NS1 1AA")
    assert (
        ChangeLogEntry.objects.get_for_object(child)
        .filter(actor=world.a.users["assessor"])
        .exists()
    )


def test_a_bad_date_keeps_everything_typed(world, login):
    client = login(world.a.users["assessor"])
    page = client.post(
        f"/cases/{world.a.case.pk}/child/", DETAILS | {"date_of_birth": "31/02/2015"}
    ).content.decode()
    assert "govuk-error-summary" in page and "12 High Street" in page
    assert Child.objects.get(pk=world.a.case.child_id).address_line_1 == ""


def test_a_renamed_child_is_found_by_the_new_name(world):
    from cases.checks import check_search

    child_details_correct(
        case=world.a.case, by=world.a.users["assessor"], family_name="Okonkwo-Northson"
    )
    check, results = check_search(
        by=world.a.users["police_practitioner"],
        agency=world.a.police,
        given_name="Jamie",
        family_name="Okonkwo",
        date_of_birth=world.a.case.child.date_of_birth,
    )
    assert world.a.case.child_id in {match.record.pk for match in results}


def test_only_those_who_work_on_the_case_correct_it(world, login):
    url = f"/cases/{world.a.case.pk}/child/"
    for outsider in (world.a.users["police_practitioner"], world.b.users["coordinator"]):
        client = login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, DETAILS).status_code == 404
    assert Child.objects.get(pk=world.a.case.child_id).gender == Gender.NOT_KNOWN
    with pytest.raises(CaseError, match="not found"):
        child_details_correct(
            case=world.a.case, by=world.a.users["police_practitioner"], gender=Gender.MALE
        )
    # The CAF team keeps the register: it may correct it too.
    assert login(world.a.users["coordinator"]).get(url).status_code == 200


def test_completed_details_pass_the_caf_teams_demographics_check(world):
    register_gaps = {
        "The child's gender is recorded as not known.",
        "The child's ethnicity is recorded as not yet obtained.",
    }
    before = set(check_demographics(world.a.case, {}).reasons)
    child_details_correct(
        case=world.a.case,
        by=world.a.users["assessor"],
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.ABAN,
        address_line_1="3 Mill Lane",
        postcode="NS2 4QP",
    )
    world.a.case.refresh_from_db()
    after = set(check_demographics(world.a.case, {}).reasons)
    assert register_gaps <= before
    assert not register_gaps & after
