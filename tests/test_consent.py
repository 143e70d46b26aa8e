"""Layered consent as the access model (R-CONSENT-1..9): who may consent, what each consent
state opens on every surface, withdrawal, refusals, sharing decisions and confidential notes."""

import io
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from knox.models import AuthToken
from pypdf import PdfReader
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from cases.models import Case, CaseState, Child
from consent.models import Consent, ConsentRefusal, RefusalEscalation, SharingDecision
from consent.services import (
    ConsentError,
    consent_record,
    consent_withdraw,
    fraser_check,
    refusal_record,
)

TODAY = timezone.localdate()


def record(world, *, scope="all_except", agencies=(), by="assessor", **extra):
    fields = dict(
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope=scope,
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        agencies=list(agencies),
    )
    fields.update(extra)
    return consent_record(case=world.a.case, by=world.a.users[by], **fields)


def set_age(world, years, days=0):
    """Make world.a's child exactly ``years`` old today, plus or minus days."""
    born = TODAY - relativedelta(years=years) + relativedelta(days=days)
    Child.objects.filter(pk=world.a.case.child_id).update(date_of_birth=born)
    world.a.case.child.refresh_from_db()


def api(user):
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# Consent states and whether the police (not the assessor's agency) may see the case.
def never_asked(world):
    pass


def granted_to_all(world):
    record(world)


def police_excluded(world):
    record(world, agencies=[world.a.police])


def named_police(world):
    record(world, scope="named_only", agencies=[world.a.police])


def named_other(world):
    record(world, scope="named_only", agencies=[world.a.school])


def withdrawn_whole(world):
    record(world)
    consent_withdraw(case=world.a.case, by=world.a.users["assessor"], on=TODAY)


def withdrawn_for_police(world):
    record(world)
    consent_withdraw(
        case=world.a.case, by=world.a.users["assessor"], on=TODAY, agency=world.a.police
    )


STATES = [
    (never_asked, False),
    (granted_to_all, True),
    (police_excluded, False),
    (named_police, True),
    (named_other, False),
    (withdrawn_whole, False),
    (withdrawn_for_police, False),
]


@pytest.mark.parametrize(("state", "police_sees"), STATES, ids=[s.__name__ for s, _ in STATES])
@pytest.mark.parametrize("name", ["police_practitioner", "police_manager"])
def test_consent_state_decides_access_on_every_surface(world, login, state, police_sees, name):
    state(world)
    case = world.a.case
    user = world.a.users[name]
    client = login(user)

    page = client.get(f"/cases/{case.pk}/")
    detail = api(user).get(f"/api/cases/{case.pk}/")
    listed = [c["reference"] for c in api(user).get("/api/cases/").json()["results"]]
    home = client.get("/").content.decode()
    pdf = client.get(f"/cases/{case.pk}/consent/pdf/")
    checked = client.post(
        "/checks/new/",
        {
            "agency": world.a.police.pk,
            "given_name": "Jamie",
            "family_name": case.child.family_name,
            "date_of_birth": "17/5/2015",
        },
        follow=True,
    ).content.decode()

    expected = 200 if police_sees else 404
    assert page.status_code == detail.status_code == expected
    assert (case.reference in listed) is police_sees
    assert (case.child.full_name in home) is police_sees
    assert (f'href="/cases/{case.pk}/"' in checked) is police_sees
    if not police_sees:
        assert pdf.status_code == 404
    # The people the case belongs to are never affected by sharing consent.
    assert login(world.a.users["school_practitioner"]).get(f"/cases/{case.pk}/").status_code == 200
    assert login(world.a.users["coordinator"]).get(f"/cases/{case.pk}/").status_code == 200
    # Another tenant never sees it, whatever the consent.
    assert login(world.b.users["police_practitioner"]).get(f"/cases/{case.pk}/").status_code == 404


def test_withdrawal_ends_access_at_once_and_keeps_what_was_shared(world, login):
    record(world)
    police = login(world.a.users["police_practitioner"])
    assert police.get(f"/cases/{world.a.case.pk}/").status_code == 200

    response = login(world.a.users["assessor"]).post(
        f"/cases/{world.a.case.pk}/consent/withdraw/",
        {"agency": world.a.police.pk, "on": TODAY.strftime("%d/%m/%Y"), "note": "Asked by mum"},
    )

    assert response.status_code == 302
    assert police.get(f"/cases/{world.a.case.pk}/").status_code == 404
    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/").content.decode()
    assert "Shared before withdrawal" in page and world.a.police.name in page


def _record_child_consent(world, evidence=""):
    return record(
        world, given_by="child", giver_name="Jamie", relationship="", competence_evidence=evidence
    )


@pytest.mark.parametrize(
    ("years", "days", "child_without_evidence", "parent"),
    [
        (12, 1, False, True),  # 11, the day before the 12th birthday
        (12, 0, False, True),  # 12 today: competence must still be shown
        (16, 1, False, True),  # 15, the day before the 16th birthday
        (16, 0, True, False),  # 16 today: presumed competent, consents for themselves
    ],
    ids=["11", "12-on-birthday", "15", "16-on-birthday"],
)
def test_fraser_rules_at_the_age_boundaries(world, years, days, child_without_evidence, parent):
    set_age(world, years, days)

    if child_without_evidence:
        assert _record_child_consent(world).child_age == 16
    else:
        with pytest.raises(ConsentError, match="under 16"):
            _record_child_consent(world)
        assert (
            _record_child_consent(world, evidence="Understands and weighs it").given_by == "child"
        )
    if parent:
        assert record(world).given_by == "parent"
    else:
        with pytest.raises(ConsentError, match="16 or over"):
            record(world)


def test_competent_child_refusal_blocks_parental_consent(world):
    set_age(world, 14)
    refusal_record(
        case=world.a.case, by=world.a.users["assessor"], refused_by="child", refused_on=TODAY
    )
    world.a.case.refresh_from_db()
    # The refusal ended the episode, which takes no consent now; and were it reopened, still
    # no parent's consent in place of the child's.
    with pytest.raises(ConsentError, match="closed"):
        record(world)
    with pytest.raises(ConsentError, match="cannot be recorded instead"):
        fraser_check(case=world.a.case, given_by="parent", on=TODAY, competence_evidence="")
    assert not Consent.objects.exists()
    assert world.a.case.state == CaseState.CLOSED


def test_no_assessment_without_consent_through_pages_and_api(world, login):
    client = login(world.a.users["assessor"])
    case = world.a.case

    client.post(f"/cases/{case.pk}/assessment/begin/")
    refused_api = api(world.a.users["assessor"]).post(f"/api/assessments/{case.pk}/begin/")
    case.refresh_from_db()
    assert case.state == CaseState.INTENTION_LOGGED
    assert refused_api.status_code == 400
    assert "consent" in str(refused_api.json()).lower()

    record(world)
    started = api(world.a.users["assessor"]).post(f"/api/assessments/{case.pk}/begin/")
    case.refresh_from_db()
    assert started.status_code == 200 and case.state == CaseState.ASSESSMENT


def test_consent_form_explains_errors_beside_fields_and_keeps_input(world, login):
    set_age(world, 13)
    response = login(world.a.users["assessor"]).post(
        f"/cases/{world.a.case.pk}/consent/",
        {
            "given_by": "child",
            "giver_name": "Jamie Kid",
            "to_undertake": "on",
            "to_record": "on",
            "share_scope": "all_except",
            "method": "verbal",
            "signed_on": TODAY.strftime("%d/%m/%Y"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "record why they are competent" in page
    assert 'value="Jamie Kid"' in page
    assert not Consent.objects.exists()


def test_consent_through_the_api_with_field_errors(world):
    client = api(world.a.users["assessor"])
    body = {
        "given_by": "parent",
        "giver_name": "Pat",
        "relationship": "father",
        "to_undertake": True,
        "to_record": True,
        "share_scope": "named_only",
        "agencies": [world.b.police.pk],
        "method": "written",
        "signed_name": "Pat",
        "signed_on": TODAY.isoformat(),
    }
    wrong_tenant = client.post(f"/api/cases/{world.a.case.pk}/consent/", body, format="json")
    body["agencies"] = [world.a.police.pk]
    created = client.post(f"/api/cases/{world.a.case.pk}/consent/", body, format="json")
    outsider = api(world.a.users["police_manager"]).post(
        f"/api/cases/{world.a.case.pk}/consent/", body, format="json"
    )

    assert wrong_tenant.status_code == 400 and "agencies" in wrong_tenant.json()
    assert created.status_code == 201
    assert created.json()["agencies_with_access"] == [world.a.police.name]
    assert outsider.status_code == 404  # police can now view, but only casework may change


def test_consent_pdf_is_marked_and_logged(world, login):
    record(world)
    client = login(world.a.users["assessor"])

    response = client.get(f"/cases/{world.a.case.pk}/consent/pdf/")

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    for page in reader.pages:
        text = page.extract_text()
        assert "OFFICIAL-SENSITIVE" in text
        assert world.a.users["assessor"].get_full_name() in text
    assert AccessLogEntry.objects.filter(
        action=AccessAction.PRINT, case_id=world.a.case.pk
    ).exists()


def test_consent_pdf_is_a_family_copy_that_prints_names_as_typed(world, login):
    assessor = world.a.users["assessor"]
    assessor.last_name, assessor.telephone = "O'Brien-Smith", "01632 960123"
    assessor.email = "j.obrien-smith@north.example"
    assessor.save()
    record(world)
    client = login(assessor)

    response = client.get(f"/cases/{world.a.case.pk}/consent/pdf/")

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert world.a.tenant.name in text
    assert "17 May 2015" in text  # the child's date of birth
    assert "01632 960123" in text and "j.obrien-smith@north.example" in text
    assert "Signed (person giving consent)" in text
    assert f"Printed by {assessor.get_full_name()}" in text
    assert "u0027" not in text and "u002D" not in text


def test_confidential_notes_are_the_authors_alone(world, login):
    author = login(world.a.users["assessor"])
    author.post(f"/cases/{world.a.case.pk}/notes/", {"text": "Dad drinks, do not record"})
    record(world)

    own = author.get(f"/cases/{world.a.case.pk}/").content.decode()
    colleague = login(world.a.users["coordinator"]).get(f"/cases/{world.a.case.pk}/")
    pdf = PdfReader(io.BytesIO(author.get(f"/cases/{world.a.case.pk}/consent/pdf/").content))
    api_notes = api(world.a.users["coordinator"]).get(f"/api/cases/{world.a.case.pk}/notes/")

    assert "Dad drinks" in own
    assert "Dad drinks" not in colleague.content.decode()
    assert all("Dad drinks" not in p.extract_text() for p in pdf.pages)
    assert api_notes.json() == []
    assert not any("Dad drinks" in str(e.changes) for e in ChangeLogEntry.objects.all())


def test_sharing_decisions_are_recorded_with_grounds(world, login):
    client = login(world.a.users["assessor"])

    no_consent = client.post(
        f"/cases/{world.a.case.pk}/sharing/",
        {"ground": "consent", "shared_with": "GP", "what": "Name", "justification": "Asked"},
    )
    harm = client.post(
        f"/cases/{world.a.case.pk}/sharing/",
        {
            "ground": "significant_harm",
            "shared_with": "Children's social care",
            "what": "Bruising seen on 3 May",
            "justification": "Risk of significant harm",
        },
    )
    missing_reason = client.post(
        f"/cases/{world.a.case.pk}/sharing/",
        {"ground": "not_shared", "shared_with": "Housing", "what": "Address"},
    )

    assert "no consent to share on record" in no_consent.content.decode()
    assert harm.status_code == 302
    assert "Record the reasons for the decision." in missing_reason.content.decode()
    decision = SharingDecision.objects.get()
    assert decision.ground == "significant_harm"
    page = client.get(f"/cases/{world.a.case.pk}/").content.decode()
    assert "Bruising seen on 3 May" in page


def test_refusals_are_monitored_for_patterns_and_escalated(world, login):
    assessor = world.a.users["assessor"]
    refusal_record(case=world.a.case, by=assessor, refused_by="parent", refused_on=TODAY)
    from cases.services import case_open

    second = case_open(child=world.a.case.child, assessor_agency=world.a.school, by=assessor)
    refusal_record(case=second, by=assessor, refused_by="parent", refused_on=TODAY)

    coordinator = login(world.a.users["coordinator"])
    page = coordinator.get("/refusals/").content.decode()
    assert "Same child" in page and world.a.case.child.full_name in page
    ids = ",".join(str(r.pk) for r in ConsentRefusal.objects.all())
    coordinator.post(
        "/refusals/",
        {
            "pattern": "Same child twice",
            "refusals": ids,
            "escalated_to": "MASH",
            "reason": "Repeat",
        },
    )
    assert RefusalEscalation.objects.get().refusals.count() == 2
    coordinator_api = api(world.a.users["coordinator"])
    assert len(coordinator_api.get("/api/refusals/").json()) == 2
    assert coordinator_api.get("/api/refusals/patterns/").json()[0]["count"] == 2
    assert api(world.b.users["coordinator"]).get("/api/refusals/").json() == []
    escalated = coordinator_api.post(
        "/api/refusals/escalate/",
        {"refusals": [], "pattern": "x", "escalated_to": "MASH", "reason": "y"},
        format="json",
    )
    assert escalated.status_code == 400 and "refusals" in escalated.json()
    other_area = coordinator.get("/refusals/", {"area": "ZZ9"}).content.decode()
    same_area = coordinator.get("/refusals/", {"area": "NS1"}).content.decode()
    assert "No refusals recorded." in other_area
    assert "No refusals recorded." not in same_area
    assert login(world.a.users["police_practitioner"]).get("/refusals/").status_code == 404
    assert world.a.case.child.full_name not in (
        login(world.b.users["coordinator"]).get("/refusals/").content.decode()
    )


def test_excluded_agency_cannot_ask_to_join(world, login):
    record(world, agencies=[world.a.police])
    Case.objects.filter(pk=world.a.case.pk).update(state=CaseState.ASSESSMENT)
    client = login(world.a.users["police_practitioner"])
    response = client.post(
        "/checks/new/",
        {
            "agency": world.a.police.pk,
            "given_name": "Jamie",
            "family_name": world.a.case.child.family_name,
            "date_of_birth": "17/5/2015",
        },
    )
    check_url = response["Location"]
    child_id = world.a.case.child_id

    page = client.post(f"{check_url}join/{child_id}/", {"message": "Can we help?"}).content.decode()

    assert "has not agreed to share this CAF with your agency" in page


def test_consent_over_two_years_old_is_due_for_review(world, login):
    record(world, signed_on=date(2024, 1, 1))
    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/").content.decode()
    home = login(world.a.users["assessor"]).get("/").content.decode()
    colleague = login(world.a.users["school_practitioner"]).get("/").content.decode()
    assert "over 2 years old" in page
    overdue = home[home.index(">Overdue</caption>") :]
    assert "Revisit the family&#x27;s consent" in overdue and world.a.case.reference in overdue
    assert "Revisit the family" not in colleague


def test_excluded_agency_reopens_the_case_but_not_into_its_own_hands(world, login):
    record(world, agencies=[world.a.police])
    Case.objects.filter(pk=world.a.case.pk).update(
        state=CaseState.CLOSED, closed_on=TODAY - relativedelta(months=1)
    )
    client = login(world.a.users["police_practitioner"])
    check_url = client.post(
        "/checks/new/",
        {
            "agency": world.a.police.pk,
            "given_name": "Jamie",
            "family_name": world.a.case.child.family_name,
            "date_of_birth": "17/5/2015",
        },
    )["Location"]

    response = client.post(
        f"{check_url}decide/", {"action": "reopen", "child": world.a.case.child_id}, follow=True
    )

    assert response.status_code == 200
    assert Case.objects.get(pk=world.a.case.pk).state == CaseState.DELIVERY
    assert client.get(f"/cases/{world.a.case.pk}/").status_code == 404
    assert not world.a.case.consents.get().grants.filter(agency=world.a.police).exists()


def test_agency_the_consent_names_joins_a_reopened_case_through_a_consent_grant(world, login):
    consent = record(world, scope="named_only", agencies=[world.a.police])
    Case.objects.filter(pk=world.a.case.pk).update(
        state=CaseState.CLOSED, closed_on=TODAY - relativedelta(months=1)
    )
    police = login(world.a.users["police_practitioner"])
    check_url = police.post(
        "/checks/new/",
        {
            "agency": world.a.police.pk,
            "given_name": "Jamie",
            "family_name": world.a.case.child.family_name,
            "date_of_birth": "17/5/2015",
        },
    )["Location"]

    police.post(f"{check_url}decide/", {"action": "reopen", "child": world.a.case.child_id})

    assert police.get(f"/cases/{world.a.case.pk}/").status_code == 200
    assert consent.grants.filter(agency=world.a.police, revoked_at__isnull=True).exists()
    consent_withdraw(case=world.a.case, by=world.a.users["assessor"], on=TODAY)
    assert police.get(f"/cases/{world.a.case.pk}/").status_code == 404
