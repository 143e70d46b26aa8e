"""Contributions (R-REF-3): the assessor asks a named practitioner of an agency the family
agreed to share with to write one section; the request is a task carrying no case content;
the contributor sees that section only and writes in its shape; the assessor accepts their
text into the section, attributed to them. Exactly who may open each contribution route."""

import re
from html import escape

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import Role
from assessments.models import AssessmentSection, Contribution, ContributionState
from assessments.services import AssessmentError
from assessments.services.contributions import (
    contribution_accept,
    contribution_request,
    contribution_submit,
    contribution_withdraw,
)
from consent.services import consent_withdraw
from referrals.models import Task, TaskKind
from tests.factories import make_staff
from tests.test_assessment_versions import TODAY, begin, save_section, sign_off

STATEMENT = {
    "general_health": {
        "statements": [
            {
                "kind": "need",
                "text": "Seen twice by officers late at night near the station.",
                "whose": "PC Jones",
                "nature": "observation",
            }
        ]
    }
}


def api(user):
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _without_tokens(content: bytes) -> bytes:
    return re.sub(rb'(nonce|value|csrfmiddlewaretoken)="[^"]*"', b"", content)


@pytest.fixture
def shared(world):
    """World a's case shared with the police, its assessment, a section already written."""
    assessment = begin(world, share_with=[world.a.police])
    version = assessment.versions.get()
    save_section(
        version,
        "views",
        {"child": "SECRET-VIEWS I want to stay at home.", "parents": ""},
        world.a.users["assessor"],
    )
    save_section(
        version,
        "development",
        {"learning": {"finding": "no_concerns", "statements": []}},
        world.a.users["assessor"],
    )
    world.a.users["police_colleague"] = make_staff(
        world.a.tenant, [(world.a.police, Role.PRACTITIONER)], username="north-police_colleague"
    )
    return assessment


def ask(world, assessment, key="development", contributor="police_practitioner", message=""):
    return contribution_request(
        version=assessment.versions.order_by("-number").first(),
        key=key,
        contributor=world.a.users[contributor],
        message=message,
        by=world.a.users["assessor"],
    )


# --- End to end ------------------------------------------------------------------------------


def test_a_contribution_from_request_to_the_section(world, shared, login):
    assessor, police = world.a.users["assessor"], world.a.users["police_practitioner"]
    case_pk = world.a.case.pk

    # The assessor asks, on the page.
    client = login(assessor)
    url = reverse(
        "assessments:contribution_request", kwargs={"pk": case_pk, "section": "development"}
    )
    page = client.get(url).content.decode()
    assert escape(police.get_full_name()) in page
    asked = client.post(
        url, {"contributor": str(police.pk), "message": "Anything from your visits?"}
    )
    assert asked.status_code == 302
    contribution = Contribution.objects.get()
    assert (contribution.contributor, contribution.agency, contribution.key) == (
        police,
        world.a.police,
        "development",
    )

    # A task to the contributor, with no case content beyond the request and the link.
    task = Task.objects.get(kind=TaskKind.CONTRIBUTION)
    assert task.assigned_to == police and task.assigned_agency == world.a.police
    assert task.done_at is None and contribution.task == task
    assert "Anything from your visits?" in task.message
    assert task.link == f"/contributions/{contribution.pk}/"
    assert world.a.case.child.family_name not in task.message
    # The contributor's worklist links the task to where it is done.
    assert f'href="{task.link}"' in login(police).get("/").content.decode()

    # The contributor sees their section only: its elements and prompts, nothing written.
    writer = login(police)
    write_url = reverse("assessments:contribution", kwargs={"pk": contribution.pk})
    page = writer.get(write_url).content.decode()
    assert "General health" in page and "Illnesses, injuries" in page
    assert "SECRET-VIEWS" not in page and "No concerns" not in page
    assert "Parents and carers" not in page

    # They write, save, and send.
    form = {
        "general_health-0-kind": "need",
        "general_health-0-text": "Seen twice by officers late at night.",
        "general_health-0-whose": "PC Jones",
        "general_health-0-nature": "observation",
        "action": "save",
    }
    assert writer.post(write_url, form).status_code == 302
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.REQUESTED
    assert "Seen twice by officers" in writer.get(write_url).content.decode()
    assert writer.post(write_url, {**form, "action": "send"}).status_code == 302
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.SUBMITTED

    # The assessor reviews it beside the section, and accepts it.
    review = reverse(
        "assessments:contribution_review",
        kwargs={"pk": case_pk, "contribution_pk": contribution.pk},
    )
    page = client.get(review).content.decode()
    assert "Seen twice by officers late at night." in page and "What they wrote" in page
    assert client.post(review, {}).status_code == 200  # a choice is needed
    assert client.post(review, {"decision": "accept"}).status_code == 302

    section = AssessmentSection.objects.get(version=contribution.version, key="development")
    added = section.data["general_health"]["statements"][0]
    assert added["text"] == "Seen twice by officers late at night."
    assert added["by"] == police.pk and added["contribution"] == contribution.pk
    assert section.data["learning"]["finding"] == "no_concerns"
    contribution.refresh_from_db()
    task.refresh_from_db()
    assert contribution.state == ContributionState.ACCEPTED and task.done_at is not None

    # It reads in the assessment, attributed to them.
    version = client.get(reverse("assessments:version", kwargs={"pk": case_pk, "number": 1}))
    assert f"contributed by {police.get_full_name()}" in version.content.decode()


def test_accepting_bumps_the_section_revision_so_a_concurrent_edit_conflicts(world, shared):
    contribution = ask(world, shared)
    section = AssessmentSection.objects.get(version=contribution.version, key="development")
    before = section.revision
    contribution_submit(
        contribution=contribution, data=STATEMENT, by=world.a.users["police_practitioner"]
    )
    contribution_accept(contribution=contribution, by=world.a.users["coordinator"])
    section.refresh_from_db()
    assert section.revision == before + 1


def test_accepting_into_a_section_never_saved_creates_it(world, shared):
    contribution = ask(world, shared, key="conclusions")
    contribution_submit(
        contribution=contribution,
        data={"summary": "Police see no risk outside the home."},
        by=world.a.users["police_practitioner"],
    )
    contribution_accept(contribution=contribution, by=world.a.users["assessor"])
    section = AssessmentSection.objects.get(version=contribution.version, key="conclusions")
    assert section.data["summary"].startswith("Police see no risk outside the home.")
    assert world.a.users["police_practitioner"].get_full_name() in section.data["summary"]


def test_free_text_is_added_after_what_the_section_says(world, shared):
    contribution = ask(world, shared, key="views")
    contribution_submit(
        contribution=contribution,
        data={"parents": "Dad told me he is worried."},
        by=world.a.users["police_practitioner"],
    )
    contribution_accept(contribution=contribution, by=world.a.users["assessor"])
    data = AssessmentSection.objects.get(version=contribution.version, key="views").data
    assert data["child"] == "SECRET-VIEWS I want to stay at home."
    assert data["parents"].startswith("Dad told me he is worried.\n(Contributed by")


def test_the_contributor_writes_in_the_sections_shape(world, shared, login):
    contribution = ask(world, shared)
    police = world.a.users["police_practitioner"]
    bad = [
        {"general_health": {"statements": [{"kind": "need", "text": "x", "nature": "rumour"}]}},
        {"general_health": {"statements": [{"kind": "", "text": "x", "nature": "fact"}]}},
        {"basic_care": {"statements": []}},  # another section's element
        {"general_health": "text"},
        ["not", "an", "object"],
    ]
    for data in bad:
        with pytest.raises(AssessmentError):
            contribution_submit(contribution=contribution, data=data, by=police)
    with pytest.raises(AssessmentError, match="Write something"):
        contribution_submit(contribution=contribution, data={}, by=police)
    client = login(police)
    url = reverse("assessments:contribution", kwargs={"pk": contribution.pk})
    typed = "Something I typed that must not be lost."
    page = client.post(url, {"general_health-0-text": typed, "action": "send"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "There is a problem" in text and typed in text
    assert "Choose whether this is a strength or a need." in text
    assert 'href="#general_health-0-kind"' in text and 'id="general_health-0-kind"' in text
    over_api = api(police).post(
        f"/api/contributions/{contribution.pk}/submit/", {"data": "text"}, format="json"
    )
    assert over_api.status_code == 400


def test_contribution_over_the_api(world, shared):
    police = world.a.users["police_practitioner"]
    assessor_api = api(world.a.users["assessor"])
    url = f"/api/assessments/{world.a.case.pk}/contributions/"
    assert assessor_api.post(url, {}, format="json").status_code == 400
    made = assessor_api.post(
        url,
        {"section": "development", "contributor": police.pk, "message": "Please"},
        format="json",
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    accept = f"/api/assessments/{world.a.case.pk}/contributions/{pk}/accept/"
    assert assessor_api.post(accept).status_code == 400  # not sent yet

    police_api = api(police)
    detail = police_api.get(f"/api/contributions/{pk}/").json()
    assert [e["code"] for e in detail["elements"]][:2] == ["general_health", "physical_development"]
    assert detail["fields_to_write"] == [] and "SECRET-VIEWS" not in str(detail)
    sent = police_api.post(f"/api/contributions/{pk}/submit/", {"data": STATEMENT}, format="json")
    assert sent.status_code == 200 and sent.json()["state"] == "submitted"
    accepted = assessor_api.post(accept)
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    again = police_api.post(f"/api/contributions/{pk}/submit/", {"data": STATEMENT}, format="json")
    assert again.status_code == 400


def test_asking_twice_for_the_same_section_is_refused(world, shared):
    ask(world, shared)
    with pytest.raises(AssessmentError, match="already been asked"):
        ask(world, shared)


def test_a_section_not_in_the_version_cannot_be_asked_for(world, shared, login):
    with pytest.raises(AssessmentError, match="section"):
        ask(world, shared, key="nonsense")
    client = login(world.a.users["assessor"])
    url = f"/cases/{world.a.case.pk}/assessment/section/nonsense/contributions/new/"
    assert client.get(url).status_code == 404


def test_a_signed_off_version_takes_no_requests(world, shared):
    sign_off(shared)
    with pytest.raises(AssessmentError, match="signed off"):
        ask(world, shared)


def test_withdrawing_ends_the_request_and_the_task(world, shared, login):
    contribution = ask(world, shared)
    contribution_withdraw(contribution=contribution, by=world.a.users["assessor"])
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.WITHDRAWN
    assert contribution.task.done_at is not None
    client = login(world.a.users["police_practitioner"])
    url = reverse("assessments:contribution", kwargs={"pk": contribution.pk})
    assert client.get(url).status_code == 404


# --- Who may be asked ------------------------------------------------------------------------


def test_only_practitioners_of_agencies_sharing_the_case_can_be_asked(world, shared):
    no_dbs = make_staff(
        world.a.tenant, [(world.a.police, Role.PRACTITIONER)], username="north-pc-nodbs", dbs=False
    )
    world.a.users["police_no_dbs"] = no_dbs
    for who in ("school_practitioner", "coordinator", "police_no_dbs"):
        with pytest.raises(AssessmentError, match="agency the family agreed"):
            ask(world, shared, contributor=who)
    with pytest.raises(AssessmentError):
        contribution_request(
            version=shared.versions.get(),
            key="development",
            contributor=world.b.users["police_practitioner"],
            message="",
            by=world.a.users["assessor"],
        )
    assert not Contribution.objects.exists() and not Task.objects.exists()


def test_an_excluded_agency_cannot_be_asked(world, login):
    from consent.services import consent_record

    consent_record(
        case=world.a.case,
        by=world.a.users["assessor"],
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        agencies=[world.a.police],
    )
    from assessments.services import assessment_begin

    assessment = assessment_begin(case=world.a.case, by=world.a.users["assessor"])
    with pytest.raises(AssessmentError, match="agency the family agreed"):
        ask(world, assessment)
    client = login(world.a.users["assessor"])
    url = reverse(
        "assessments:contribution_request", kwargs={"pk": world.a.case.pk, "section": "family"}
    )
    page = client.get(url).content.decode()
    assert escape(world.a.users["police_practitioner"].get_full_name()) not in page
    posted = client.post(url, {"contributor": str(world.a.users["police_practitioner"].pk)})
    assert posted.status_code == 200 and "There is a problem" in posted.content.decode()


def test_an_agency_without_a_grant_cannot_be_asked(world):
    assessment = begin(world)  # shared with nobody
    with pytest.raises(AssessmentError, match="agency the family agreed"):
        ask(world, assessment)


def test_withdrawn_consent_ends_the_contributors_access(world, shared, login):
    contribution = ask(world, shared)
    police = world.a.users["police_practitioner"]
    client = login(police)
    url = reverse("assessments:contribution", kwargs={"pk": contribution.pk})
    assert client.get(url).status_code == 200
    consent_withdraw(
        case=world.a.case, by=world.a.users["assessor"], on=TODAY, agency=world.a.police
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "send"}).status_code == 404
    token = api(police)
    assert token.get(f"/api/contributions/{contribution.pk}/").status_code == 404
    submit = f"/api/contributions/{contribution.pk}/submit/"
    assert token.post(submit, {"data": STATEMENT}, format="json").status_code == 404
    with pytest.raises(AssessmentError):
        contribution_submit(contribution=contribution, data=STATEMENT, by=police)


# --- Exactly who opens each contribution route -----------------------------------------------


def _client(login, user):
    if user.has_dbs_check:
        return login(user)
    client = Client()
    client.force_login(user)
    client.get("/")  # starts the session's idle clock, as signing in does
    return client


CONTRIBUTOR_ROUTES = [
    ("page", "get", "/contributions/{c}/"),
    ("page", "post", "/contributions/{c}/"),
    ("api", "get", "/api/contributions/{c}/"),
    ("api", "post", "/api/contributions/{c}/submit/"),
]
REVIEW_ROUTES = [
    ("page", "get", "/cases/{case}/assessment/contributions/{c}/"),
    ("page", "post", "/cases/{case}/assessment/contributions/{c}/"),
    ("api", "post", "/api/assessments/{case}/contributions/{c}/accept/"),
]
# Who may open what: the contributor writes; those who may change the case review.
EXPECTED = {
    ("a", "police_practitioner"): (True, False),
    ("a", "assessor"): (False, True),
    ("a", "school_practitioner"): (False, True),
    ("a", "coordinator"): (False, True),
    ("a", "caf_manager"): (False, True),
    ("a", "police_colleague"): (False, False),
    ("a", "police_manager"): (False, False),
    ("a", "tenant_admin"): (False, False),
    ("a", "school_no_dbs"): (False, False),
    ("b", "police_practitioner"): (False, False),
    ("b", "coordinator"): (False, False),
    ("b", "assessor"): (False, False),
}


def _call(client, method, url, kind):
    if kind == "api":
        if method == "get":
            return client.get(url)
        return client.post(url, {}, format="json")
    if method == "get":
        return client.get(url)
    response = client.post(url, {})
    if response.status_code == 302:
        client.get(response["Location"])  # shows (and so clears) the message it left
    return response


@pytest.mark.parametrize("who", list(EXPECTED), ids=lambda who: f"{who[0]}.{who[1]}")
def test_exactly_who_opens_each_contribution_route(world, shared, login, who):
    """The named contributor alone opens the contribution (200, or a 400 for the empty
    input sent here); the assessor's agency and the CAF team alone open the review. Everyone
    else gets a 404 identical to the one for a contribution that does not exist."""
    contribution = ask(world, shared)
    tenant, name = who
    user = getattr(world, tenant).users[name]
    writes, reviews = EXPECTED[who]
    page, token = _client(login, user), api(user)
    for routes, allowed in ((CONTRIBUTOR_ROUTES, writes), (REVIEW_ROUTES, reviews)):
        for kind, method, pattern in routes:
            client = page if kind == "page" else token
            url = pattern.format(c=contribution.pk, case=world.a.case.pk)
            response = _call(client, method, url, kind)
            where = f"{name} {method} {url}"
            if allowed:
                assert response.status_code in (200, 302, 400), where
                continue
            assert response.status_code == 404, where
            missing = _call(client, method, pattern.format(c=99999999, case=world.a.case.pk), kind)
            assert missing.status_code == 404
            if kind == "page":
                assert _without_tokens(response.content) == _without_tokens(missing.content), where
            else:
                assert response.json() == missing.json(), where
            assert world.a.case.child.family_name.encode() not in response.content
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.REQUESTED


def test_the_contributor_cannot_open_any_section_of_the_assessment(world, shared, login):
    """Contributing to one section opens no section: the section pages and their API are
    for the assessor's agency and the CAF team (a consent grant only lets an agency read)."""
    ask(world, shared)
    police = world.a.users["police_practitioner"]
    client, token = login(police), api(police)
    try:  # the sections' API is written alongside this
        reverse("assessment-section", kwargs={"pk": world.a.case.pk, "section": "about"})
        api_section_routes = True
    except NoReverseMatch:
        api_section_routes = False
    for key in ("about", "checklist", "views", "development", "parents", "family", "conclusions"):
        url = reverse("assessments:section", kwargs={"pk": world.a.case.pk, "section": key})
        assert client.get(url).status_code == 404, key
        assert client.post(url, {}).status_code == 404, key
        if api_section_routes:
            api_url = reverse("assessment-section", kwargs={"pk": world.a.case.pk, "section": key})
            assert token.get(api_url).status_code == 404, key
            assert token.put(api_url, {}, format="json").status_code == 404, key
    request_url = reverse(
        "assessments:contribution_request", kwargs={"pk": world.a.case.pk, "section": "views"}
    )
    assert client.get(request_url).status_code == 404


@pytest.mark.parametrize(
    "who", [("b", "assessor"), ("b", "coordinator"), ("a", "police_practitioner")]
)
def test_outsiders_get_404_when_asking_for_a_contribution(world, login, who):
    """Another tenant, or an agency without a grant (nobody shares this case): 404 on the
    request page and API, as for a case that does not exist."""
    begin(world)
    tenant, name = who
    user = getattr(world, tenant).users[name]
    client = login(user)
    url = reverse(
        "assessments:contribution_request", kwargs={"pk": world.a.case.pk, "section": "views"}
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {"contributor": str(user.pk)}).status_code == 404
    response = api(user).post(
        f"/api/assessments/{world.a.case.pk}/contributions/",
        {"section": "views", "contributor": user.pk},
        format="json",
    )
    assert response.status_code == 404
    assert not Contribution.objects.exists()
