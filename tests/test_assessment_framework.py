"""The form an assessment is written on: the national domains and elements as data, a
tenant's own prompts added without code, and each version keeping the list it was written on
(R-ASSESS-1, R-ASSESS-7)."""

from datetime import date

import pytest

from assessments.models import Domain, Element, LocalPrompt
from assessments.national_form import DOMAINS
from assessments.selectors import current_version
from assessments.services import assessment_begin
from cases.models import Gender
from cases.services import case_open, child_register
from consent.services import consent_record

pytestmark = pytest.mark.django_db


def _consented_case(world, tenant_world, family_name):
    assessor = tenant_world.users["assessor"]
    child = child_register(
        by=assessor,
        given_name="Robin",
        family_name=family_name,
        date_of_birth=date(2015, 5, 1),
        gender=Gender.NOT_KNOWN,
    )
    case = case_open(child=child, assessor_agency=tenant_world.school, by=assessor)
    consent_record(
        case=case,
        by=assessor,
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="none",
        method="written",
        signed_name="Pat Parent",
        signed_on=date.today(),
        agencies=[],
    )
    return case


def _element_titles(version) -> list[str]:
    return [e["title"] for d in version.framework for e in d["elements"]]


def test_the_national_form_has_every_element_of_the_three_domains():
    stored = [
        (d.code, [e.code for e in d.elements.order_by("position")]) for d in Domain.objects.all()
    ]
    assert stored == [(code, [e[0] for e in elements]) for code, _, elements in DOMAINS]
    assert Element.objects.count() == 16
    assert Element.objects.get(code="learning").domain.code == "development"


def test_a_local_prompt_added_in_admin_reaches_new_assessments_of_that_tenant_only(world, login):
    earlier = assessment_begin(
        case=_consented_case(world, world.a, "Earlier"), by=world.a.users["assessor"]
    )
    admin = login(world.a.users["tenant_admin"])
    housing = Element.objects.get(code="housing_employment_finance")
    response = admin.post(
        "/admin/assessments/localprompt/add/",
        {
            "element": housing.pk,
            "text": "Ask about temporary accommodation and the council's housing register.",
            "position": 1,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    prompt = LocalPrompt.objects.get()
    assert prompt.tenant_id == world.a.tenant.pk

    later = assessment_begin(
        case=_consented_case(world, world.a, "Later"), by=world.a.users["assessor"]
    )
    elsewhere = assessment_begin(
        case=_consented_case(world, world.b, "Elsewhere"), by=world.b.users["assessor"]
    )

    def prompts(assessment):
        version = current_version(assessment)
        return [
            p
            for d in version.framework
            for e in d["elements"]
            if e["code"] == housing.code
            for p in e["local_prompts"]
        ]

    assert prompts(later) == [prompt.text]
    assert prompts(earlier) == [] and prompts(elsewhere) == []
    # The element list itself is the same national one for everybody.
    assert _element_titles(current_version(later)) == _element_titles(current_version(elsewhere))


def test_another_tenants_prompt_is_not_found_in_admin(world, login):
    prompt = LocalPrompt.objects.create(
        tenant=world.b.tenant, element=Element.objects.first(), text="Westside only"
    )
    admin = login(world.a.users["tenant_admin"])
    assert admin.get(f"/admin/assessments/localprompt/{prompt.pk}/change/").status_code == 404
    assert b"Westside only" not in admin.get("/admin/assessments/localprompt/").content
