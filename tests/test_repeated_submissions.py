"""A form or API call sent twice records once (ASVS 11.1), and a closed case takes no consent
or refusal (R-CHECK-4: reopening is the way back)."""

import re
import threading
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from cases.models import CaseState, Gender
from cases.services import case_open, child_register
from consent.models import ConfidentialNote, Consent, ConsentRefusal, SharingDecision
from consent.services import (
    ConsentError,
    consent_record,
    refusal_record,
    sharing_decision_record,
)

TODAY = timezone.localdate()
HARM = {
    "ground": "significant_harm",
    "shared_with": "Children's social care",
    "what": "Bruising seen on 3 May",
    "justification": "Risk of significant harm",
}


def api(user):
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def form_key(client, path) -> str:
    page = client.get(path).content.decode()
    return re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)


def consent_fields(**extra):
    fields = dict(
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
    )
    fields.update(extra)
    return fields


def close_by_refusal(world):
    case = world.a.case
    refusal_record(case=case, by=world.a.users["assessor"], refused_by="parent", refused_on=TODAY)
    case.refresh_from_db()
    return case


def test_sharing_decision_posted_twice_is_recorded_once(world, login):
    client = login(world.a.users["assessor"])
    path = f"/cases/{world.a.case.pk}/sharing/"
    key = form_key(client, path)

    first = client.post(path, {**HARM, "idempotency_key": key})
    second = client.post(path, {**HARM, "idempotency_key": key})

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/cases/{world.a.case.pk}/"
    assert SharingDecision.objects.count() == 1


def test_each_showing_of_the_form_is_a_new_submission(world, login):
    client = login(world.a.users["assessor"])
    path = f"/cases/{world.a.case.pk}/sharing/"

    client.post(path, {**HARM, "idempotency_key": form_key(client, path)})
    client.post(path, {**HARM, "idempotency_key": form_key(client, path)})

    assert SharingDecision.objects.count() == 2


def test_confidential_note_posted_twice_is_recorded_once(world, login):
    client = login(world.a.users["assessor"])
    path = f"/cases/{world.a.case.pk}/notes/"
    key = form_key(client, path)

    for _ in range(2):
        response = client.post(path, {"text": "Dad drinks, do not record", "idempotency_key": key})
        assert response.status_code == 302

    assert ConfidentialNote.objects.count() == 1


def test_refusal_posted_twice_is_recorded_once_and_keeps_its_date(world, login):
    client = login(world.a.users["assessor"])
    path = f"/cases/{world.a.case.pk}/refusal/"
    key = form_key(client, path)
    earlier = TODAY - timedelta(days=3)

    first = client.post(
        path, {"refused_by": "parent", "refused_on": f"{earlier:%d/%m/%Y}", "idempotency_key": key}
    )
    second = client.post(
        path,
        {"refused_by": "parent", "refused_on": f"{TODAY:%d/%m/%Y}", "idempotency_key": key},
        follow=True,
    )

    assert first.status_code == 302
    assert second.redirect_chain == [(f"/cases/{world.a.case.pk}/", 302)]
    assert "The refusal is recorded." in second.content.decode()
    assert ConsentRefusal.objects.count() == 1
    world.a.case.refresh_from_db()
    assert world.a.case.closed_on == earlier


def test_api_submission_repeated_with_the_same_key_returns_the_first_record(world):
    client = api(world.a.users["assessor"])
    base = f"/api/cases/{world.a.case.pk}"

    by_header = [
        client.post(f"{base}/sharing/", HARM, format="json", HTTP_IDEMPOTENCY_KEY="share-0001")
        for _ in range(2)
    ]
    in_body = [
        client.post(
            f"{base}/notes/", {"text": "Private", "idempotency_key": "note-0001"}, format="json"
        )
        for _ in range(2)
    ]
    refusals = [
        client.post(
            f"{base}/refusal/",
            {"refused_by": "parent", "refused_on": TODAY.isoformat()},
            format="json",
            HTTP_IDEMPOTENCY_KEY="refusal-0001",
        )
        for _ in range(2)
    ]

    assert [r.status_code for r in by_header] == [201, 201]
    assert by_header[0].json() == by_header[1].json()
    assert SharingDecision.objects.count() == 1
    assert in_body[0].json() == in_body[1].json()
    assert len(in_body[1].json()) == 1
    assert [r.status_code for r in refusals] == [201, 201]
    assert refusals[0].json() == refusals[1].json()
    assert ConsentRefusal.objects.count() == 1


def test_api_submissions_without_a_key_are_each_recorded(world):
    client = api(world.a.users["assessor"])

    for _ in range(2):
        client.post(f"/api/cases/{world.a.case.pk}/sharing/", HARM, format="json")

    assert SharingDecision.objects.count() == 2


def test_a_key_used_on_another_case_is_a_400_not_that_cases_record(world):
    assessor = world.a.users["assessor"]
    sibling = child_register(
        by=assessor,
        given_name="Alex",
        family_name="Northson",
        date_of_birth=date(2017, 2, 3),
        gender=Gender.NOT_KNOWN,
        postcode="NS1 1AA",
    )
    other = case_open(child=sibling, assessor_agency=world.a.school, by=assessor)
    client = api(assessor)
    client.post(
        f"/api/cases/{world.a.case.pk}/sharing/",
        HARM,
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-0001",
    )

    reused = client.post(
        f"/api/cases/{other.pk}/sharing/", HARM, format="json", HTTP_IDEMPOTENCY_KEY="key-0001"
    )
    malformed = client.post(
        f"/api/cases/{other.pk}/sharing/", HARM, format="json", HTTP_IDEMPOTENCY_KEY="a b"
    )

    assert reused.status_code == 400
    assert "idempotency_key" in reused.json()
    assert malformed.status_code == 400
    assert SharingDecision.objects.count() == 1


def test_the_database_refuses_a_second_record_with_the_same_key(world):
    assessor = world.a.users["assessor"]
    fields = dict(case=world.a.case, ground="not_shared", shared_with="Housing", what="Address")
    SharingDecision.objects.create(
        **fields, justification="No need", decided_by=assessor, idempotency_key="same-key-1"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        SharingDecision.objects.create(
            **fields, justification="No need", decided_by=assessor, idempotency_key="same-key-1"
        )


@pytest.mark.django_db(transaction=True)
def test_simultaneous_identical_submissions_record_once(world):
    assessor, case = world.a.users["assessor"], world.a.case
    start, results, errors = threading.Barrier(4, timeout=10), [], []

    def submit():
        try:
            start.wait()
            decision = sharing_decision_record(
                case=case, by=assessor, idempotency_key="at-the-same-moment", **HARM
            )
            results.append(decision.pk)
        except Exception as error:  # reported to the test, which fails on it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert SharingDecision.objects.count() == 1


def test_a_refusal_on_a_closed_case_is_refused(world, login):
    case = close_by_refusal(world)
    closed_on = case.closed_on

    with pytest.raises(ConsentError, match="closed"):
        refusal_record(
            case=case, by=world.a.users["assessor"], refused_by="child", refused_on=TODAY
        )
    response = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/refusal/",
        {"refused_by": "parent", "refused_on": TODAY.isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert ConsentRefusal.objects.count() == 1
    case.refresh_from_db()
    assert case.closed_on == closed_on


def test_a_closed_case_accepts_no_consent(world):
    case = close_by_refusal(world)

    with pytest.raises(ConsentError, match="closed"):
        consent_record(case=case, by=world.a.users["assessor"], **consent_fields())
    response = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/consent/", consent_fields(signed_on=TODAY.isoformat()), format="json"
    )

    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_a_closed_case_page_offers_no_consent_or_refusal(world, login):
    case = close_by_refusal(world)
    client = login(world.a.users["assessor"])

    page = client.get(f"/cases/{case.pk}/").content.decode()
    consent_form = client.get(f"/cases/{case.pk}/consent/", follow=True)
    refusal_post = client.post(
        f"/cases/{case.pk}/refusal/",
        {"refused_by": "parent", "refused_on": f"{TODAY:%d/%m/%Y}"},
        follow=True,
    )

    assert case.state == CaseState.CLOSED
    assert "Record consent" not in page and "Record a refusal" not in page
    assert f"/cases/{case.pk}/consent/" not in page
    assert consent_form.redirect_chain[-1][0] == f"/cases/{case.pk}/"
    assert "This case is closed" in consent_form.content.decode()
    assert "This case is closed" in refusal_post.content.decode()
    assert ConsentRefusal.objects.count() == 1


def test_the_api_says_a_closed_case_accepts_no_consent(world):
    client = api(world.a.users["assessor"])
    before = client.get(f"/api/cases/{world.a.case.pk}/").json()
    close_by_refusal(world)

    after = client.get(f"/api/cases/{world.a.case.pk}/").json()

    assert before["accepts_consent"] is True
    assert after["accepts_consent"] is False


def test_an_open_case_page_still_offers_consent_and_refusal(world, login):
    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/").content.decode()

    assert "Record consent" in page and "Record a refusal" in page
