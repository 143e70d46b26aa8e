"""Every route keyed by an object other than a case, asked for by outsiders (R-AUDIT-2, R-TEN-1,
R-TEN-4).

``tests/test_access_oracle.py`` walks the routes keyed by a case or a register check against
rules computed from raw rows. The routes keyed by anything else (a meeting, a forum, a
nomination, a task, an export...) are walked in their own files, each with the people that file
thought of. Here each of them is an outsider test by construction: one real object of each kind
is built in tenant a through the services, and every route of that kind, with every method
``ROUTES`` lists, is asked for

* by every user of tenant b (its social care's duty manager among them), and
* by users of tenant a with no relation to the object (the family did not agree to share with
  their agency, they do no case work, they have no DBS check, or the object is someone else's),

and must answer the 404 of a missing object (the same route with the object's id 99999999),
byte for byte but for the per-response tokens, never a server error, writing nothing to the
change log, asking nothing of anyone (a task) and emailing nobody. Each route is also asked for
by the object's owner, who must not get a 403 or a 404, so a URL built wrong fails here rather
than passing. A kind added to ``ROUTES`` without a builder here
fails ``test_every_object_kind_has_a_builder``, as a route without an oracle fails there.

Every request is made in a savepoint that is rolled back: one wrong answer cannot change the
scene the next request sees.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agencies.models import AgencyKind, Role
from assessments.models import Assessment
from assessments.selectors import current_version
from assessments.services import assessment_begin
from assessments.services.contributions import contribution_request
from assessments.services.sign_off import assessment_sign_off
from assessments.services.validation import assessment_submit, assessment_validate
from audit.models import ChangeLogEntry
from cases.models import Case, CaseState
from cases.plans import plan_action_agree
from delivery.services.lead import lead_dispute_raise
from meetings.models import ForumInvitation, NominationKind
from meetings.services.forums import core_member_add
from meetings.services.nominations import nomination_create
from meetings.services.tac import tac_participant_invite
from referrals.models import Task, TaskKind, ThresholdDecision
from referrals.services import task_create
from referrals.social_care import social_care_decide
from reports.exports import export_job_request, export_job_run
from reports.models import ExportKind, ExportState
from retention.services.holds import legal_hold_place
from security.models import StaffSession
from tests.assessment_states import consented_case, write
from tests.factories import make_agency, make_staff
from tests.forum_states import scheduled_forum
from tests.test_access_oracle import ROUTES, _without_tokens, sees
from tests.test_assessment_sign_off import signatures
from tests.test_consent_scans import pdf_bytes, with_scan
from tests.test_forum_day import FORUM_ROUTES, NOMINATION_ROUTES
from tests.test_lead_professional import propose
from tests.test_service_requests import send
from tests.test_social_care import FEEDBACK, _child, refer
from tests.test_tac_meetings import begun_case, convene
from tests.test_tasks import health_visitor

pytestmark = [pytest.mark.matrix, pytest.mark.django_db]

TODAY = timezone.localdate()
MISSING = 99999999
MISSING_UUID = uuid.UUID("00000000-0000-4000-8000-000099999999")
SIGN_IN = "/sign-in/"

# Kinds the oracle walks by its rules, or whose routes are nobody else's (one's own account,
# lists, public pages). Everything else names an object by its id.
ORACLE_KINDS = {"case", "check", "caf_team", "manager", "own", "list", "public"}

# Routes of object kinds whose URL carries no id: lists and the forms that create one, which
# answer each user with their own tenant's (tests/test_forum_pages.py walks them).
NOT_KEYED = {
    "meetings:forums",
    "forum-list",
    "meetings:season_new",
    "forum-season-list",
    "nomination-list",
}


# --- Which routes are keyed by an object, and by which kind ------------------------------------


def _kwarg_names(patterns=None, namespace="", inherited=()) -> dict[str, tuple[str, ...]]:
    """Each named route (the admin's aside) with the names of the values its URL carries."""
    names: dict[str, tuple[str, ...]] = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        own = inherited + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner == "admin":
                continue
            inner_names = _kwarg_names(
                pattern.url_patterns, f"{namespace}{inner}:" if inner else namespace, own
            )
            for name, values in inner_names.items():
                names.setdefault(name, values)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.setdefault(f"{namespace}{pattern.name}", own)
    return names


def _builder_key(name: str, kind: str) -> str:
    # One's own things keyed by an id (a session): each route is its own kind.
    return name if kind == "own" else kind


def object_routes() -> dict[str, str]:
    """Every route whose URL names an object the oracle does not walk (anything but a case or
    a register check, one's own session included): name -> the kind it is built as."""
    kwargs = _kwarg_names()
    routes = {}
    for name, (kind, _, _) in ROUTES.items():
        if kind in ORACLE_KINDS - {"own"} or not kwargs.get(name):
            continue
        routes[name] = _builder_key(name, kind)
    return routes


# --- The scene: one object of each kind in tenant a ------------------------------------------


@dataclass
class Scene:
    users: dict  # label -> User
    objects: dict = field(default_factory=dict)  # name -> the object


def _label_users(world) -> dict:
    users = {f"a.{name}": user for name, user in world.a.users.items()}
    users |= {f"b.{name}": user for name, user in world.b.users.items()}
    # Tenant b's own children's social care: same role as tenant a's duty manager.
    b_csc = make_agency(world.b.tenant, "West Children's Social Care", AgencyKind.CSC)
    users["b.csc_manager"] = make_staff(
        world.b.tenant, [(b_csc, Role.MANAGER)], username="west-outsider-duty"
    )
    return users


def _logged_with_signature_scan(world, family_name: str, excluded) -> Case:
    """A CAF signed off with a scan of the signed page, submitted and logged by the CAF team,
    whose family agreed to share with every agency but ``excluded``."""
    assessor = world.a.users["assessor"]
    case = consented_case(world, family_name, excluded=excluded)
    assessment = assessment_begin(case=case, by=assessor)
    write(assessment, assessor)
    assessment_sign_off(
        version=current_version(assessment),
        by=assessor,
        **signatures(signature_scan=SimpleUploadedFile("signed.pdf", pdf_bytes())),
    )
    assessment.refresh_from_db()
    assessment_submit(assessment=assessment, by=assessor)
    assessment.refresh_from_db()
    assessment_validate(
        assessment=assessment,
        by=world.a.users["coordinator"],
        confirmations={"safeguarding": True, "single_agency": True},
    )
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.LOGGED
    return case


def build_scene(world, login) -> Scene:
    a = world.a
    users = _label_users(world)
    scene = Scene(users=users)
    objects = scene.objects
    police = a.police
    assessor, coordinator = a.users["assessor"], a.users["coordinator"]

    # A health visitor whose agency exists before the families' consent: it gets a grant.
    hv_agency, users["a.hv"] = health_visitor(world)

    # The logged CAF most objects hang on; the police were excluded by the family.
    case = objects["case"] = _logged_with_signature_scan(world, "Outsiderson", [police])
    # A CAF still being written, for a contribution.
    other = objects["other_case"] = begun_case(world, "Contributorson", excluded=[police])

    # Set up after the consents: no grant, so no access to the CAFs through consent.
    support = make_agency(a.tenant, "North Outsider Family Support", AgencyKind.VOLUNTARY)
    users["a.support"] = make_staff(a.tenant, [(support, Role.PRACTITIONER)], username="n-sup")
    csc = make_agency(a.tenant, "North Outsider Social Care", AgencyKind.CSC)
    users["a.csc_manager"] = make_staff(a.tenant, [(csc, Role.MANAGER)], username="n-duty")
    users["a.csc_worker"] = make_staff(a.tenant, [(csc, Role.PRACTITIONER)], username="n-sw")

    objects["contribution"] = contribution_request(
        version=current_version(Assessment.objects.get(case=other)),
        key="development",
        contributor=users["a.hv"],
        message="Anything from your visits?",
        by=assessor,
    )
    meeting = objects["meeting"] = convene(world, case)
    tac_participant_invite(meeting=meeting, by=assessor, user=users["a.hv"], agency=hv_agency)

    forum, session = scheduled_forum(world)
    objects |= {"forum": forum, "forum_session": session, "forum_season": forum.season}
    objects["core_member"] = core_member_add(
        season=forum.season, by=coordinator, user=a.users["school_manager"], agency=a.school
    )
    objects["forum_invitation"] = ForumInvitation.objects.get(
        forum=forum, user=a.users["school_manager"]
    )
    objects["nomination"] = nomination_create(
        session=session, case=case, by=assessor, kind=NominationKind.NEW, reason="Mornings"
    )

    objects["plan_action"] = plan_action_agree(
        case=case,
        by=assessor,
        need="Attendance has fallen",
        outcome="Attends every morning by the end of term",
        action="Health review",
        due_on=TODAY + timedelta(days=14),
        today=TODAY,
        owner_agency=hv_agency,
    )
    objects["lead_proposal"] = propose(world, case, a.users["school_practitioner"])
    objects["lead_dispute"] = lead_dispute_raise(case=case, by=assessor, about="Who leads?")

    objects["service_request"] = send(world, case, support)
    referral = objects["social_care_referral"] = refer(world, case)
    social_care_decide(
        referral=referral,
        by=users["a.csc_manager"],
        decision=ThresholdDecision.NOT_MET,
        feedback=FEEDBACK,
    )
    objects["child"] = _child(world, "Steppedoutsider")

    # A join request from the health visitor, named for the assessor (theirs alone).
    objects["task"] = task_create(
        kind=TaskKind.JOIN_REQUEST,
        by=users["a.hv"],
        from_agency=hv_agency,
        assigned_agency=a.school,
        assigned_to=assessor,
        child=case.child,
        case=case,
        message="We know the family well.",
    )

    # World a's own case: a consent with a scan and sharing with nobody, and a legal hold.
    objects["scan"] = with_scan(world)
    objects["legal_hold"] = legal_hold_place(
        tenant=a.tenant, case=a.case, reason="Claim.", by=coordinator
    )

    job = export_job_request(user=a.users["caf_manager"], kind=ExportKind.ANNEX_A_CSV, as_at=TODAY)
    objects["export_job"] = export_job_run(job.pk)
    assert objects["export_job"].state == ExportState.DONE

    objects["person"] = a.users["school_practitioner"]

    # Another browser of the assessor's: its session is theirs alone to end.
    browser = login(assessor)
    objects["session"] = StaffSession.objects.get(
        user=assessor, session_key=browser.session.session_key
    )
    return scene


# --- What each kind's routes are asked with, and by whom ---------------------------------------

# Users of tenant a no object's route is for: no case work at all, or no DBS check.
NOBODY_A = ("a.tenant_admin", "a.school_no_dbs")
# The family excluded the police from every CAF of the scene.
POLICE = ("a.police_practitioner", "a.police_manager")
# Users of tenant a who do case work and could be in the object's way.
CASEWORK_A = (
    "a.assessor",
    "a.school_practitioner",
    "a.school_manager",
    "a.police_practitioner",
    "a.police_manager",
    "a.coordinator",
    "a.chair",
    "a.caf_manager",
)


@dataclass(frozen=True)
class Kind:
    values: Callable  # scene -> {URL value name: value}
    keys: tuple = ("pk",)  # the values that name the object (99999999 when missing)
    owner: str = "a.assessor"  # someone who opens the routes
    outsiders: tuple = ()  # users of tenant a with no relation to the object
    missing: object = MISSING
    # The parent value and another parent the owner opens: the object under it is missing.
    parent: tuple | None = None


def _pk(name: str) -> Callable:
    return lambda scene: {"pk": scene.objects[name].pk}


def _pk_and_id(name: str) -> Callable:
    return lambda scene: {"pk": scene.objects[name].pk, "id": scene.objects[name].pk}


BUILDERS: dict[str, Kind] = {
    # A person's activity: their manager's (tests/test_person_activity.py).
    "person": Kind(
        _pk("person"),
        owner="a.school_manager",
        outsiders=(*NOBODY_A, *POLICE, "a.assessor", "a.coordinator", "a.chair"),
    ),
    # The scan of the signed page of the case's CAF: keyed by the case.
    "signature": Kind(_pk("case"), outsiders=(*NOBODY_A, *POLICE)),
    # The scan of a consent form of world a's case, which the family shares with nobody.
    "scan": Kind(
        lambda s: {"pk": s.objects["scan"].case_id, "consent_pk": s.objects["scan"].pk},
        keys=("consent_pk",),
        outsiders=(*NOBODY_A, *POLICE, "a.hv"),
        parent=("pk", lambda s: s.objects["case"].pk),
    ),
    # Written by the named contributor; reviewed by the assessor's agency and the CAF team.
    "contribution": Kind(
        lambda s: {
            "pk": s.objects["contribution"].pk,
            "contribution_pk": s.objects["contribution"].pk,
        },
        owner="a.hv",
        outsiders=(*NOBODY_A, *POLICE),
    ),
    "meeting": Kind(
        lambda s: {"pk": s.objects["case"].pk, "meeting_pk": s.objects["meeting"].pk},
        keys=("meeting_pk",),
        outsiders=(*NOBODY_A, *POLICE),
        parent=("pk", lambda s: s.objects["other_case"].pk),
    ),
    # The school manager's invitation as a core member: answered by the invitee alone.
    "forum_invitation": Kind(
        _pk("forum_invitation"),
        owner="a.school_manager",
        outsiders=(
            *NOBODY_A,
            *POLICE,
            "a.assessor",
            "a.school_practitioner",
            "a.coordinator",
            "a.chair",
        ),
    ),
    # Forums and their sessions are every casework user's of the tenant.
    "forum": Kind(_pk("forum"), owner="a.coordinator", outsiders=NOBODY_A),
    "forum_session": Kind(_pk("forum_session"), owner="a.coordinator", outsiders=NOBODY_A),
    # Seasons are the coordinators'.
    "forum_season": Kind(
        lambda s: {
            "pk": s.objects["forum_season"].pk,
            "member_pk": s.objects["core_member"].pk,
        },
        owner="a.coordinator",
        outsiders=tuple(
            sorted({*NOBODY_A, *CASEWORK_A} - {"a.coordinator"}),
        ),
    ),
    "nomination": Kind(_pk("nomination"), outsiders=(*NOBODY_A, *POLICE)),
    # A join request named for the assessor: not their colleague's, the requester's or the
    # CAF team's (tests/test_tasks.py).
    "task": Kind(
        _pk("task"),
        outsiders=(
            *NOBODY_A,
            *POLICE,
            "a.school_practitioner",
            "a.coordinator",
            "a.hv",
        ),
    ),
    "service_request": Kind(
        _pk_and_id("service_request"), keys=("pk", "id"), outsiders=(*NOBODY_A, *POLICE)
    ),
    # The referral is the team's and social care's duty managers', not its social workers'.
    "social_care_referral": Kind(
        _pk_and_id("social_care_referral"),
        keys=("pk", "id"),
        outsiders=(*NOBODY_A, *POLICE, "a.csc_worker"),
    ),
    # Stepping a child down from social care: social care's alone.
    "child": Kind(
        lambda s: {"child_pk": s.objects["child"].pk},
        keys=("child_pk",),
        owner="a.csc_manager",
        outsiders=(*NOBODY_A, *POLICE, "a.assessor", "a.coordinator", "a.caf_manager"),
    ),
    # Proposed by the coordinator to the school practitioner; raised by the assessor.
    "lead_proposal": Kind(
        _pk("lead_proposal"), owner="a.school_practitioner", outsiders=(*NOBODY_A, *POLICE)
    ),
    "lead_dispute": Kind(
        _pk("lead_dispute"), outsiders=(*NOBODY_A, *POLICE, "a.school_practitioner")
    ),
    "plan_action": Kind(_pk("plan_action"), outsiders=(*NOBODY_A, *POLICE)),
    # The CAF team manager's export: the requester's alone (tests/test_exports.py).
    "export_job": Kind(
        _pk("export_job"),
        owner="a.caf_manager",
        outsiders=(
            *NOBODY_A,
            *POLICE,
            "a.school_manager",
            "a.coordinator",
            "a.chair",
            "a.assessor",
        ),
        missing=MISSING_UUID,
    ),
    # A hold of world a's case (shared with nobody): lifted by whoever may place it.
    "legal_hold": Kind(
        _pk("legal_hold"),
        owner="a.coordinator",
        outsiders=(*NOBODY_A, *POLICE, "a.assessor", "a.chair"),
    ),
    # Another browser's session of the assessor's.
    "security:session_end": Kind(
        _pk("session"),
        outsiders=(*NOBODY_A, *POLICE, "a.school_practitioner", "a.coordinator"),
    ),
}

# Routes whose values or owner differ from their kind's.
ROUTE_VALUES = {
    "assessments:contribution_review": lambda s: {
        "pk": s.objects["other_case"].pk,
        "contribution_pk": s.objects["contribution"].pk,
    },
    "assessment-contribution-accept": lambda s: {
        "pk": s.objects["other_case"].pk,
        "contribution_pk": s.objects["contribution"].pk,
    },
    # Sessions are added to a forum, by the coordinators who keep the seasons.
    "forum-sessions": _pk("forum"),
}
ROUTE_KEYS = {
    "assessments:contribution_review": ("contribution_pk",),
    "assessment-contribution-accept": ("contribution_pk",),
}
ROUTE_PARENT = {
    "assessments:contribution_review": ("pk", lambda s: s.objects["case"].pk),
    "assessment-contribution-accept": ("pk", lambda s: s.objects["case"].pk),
}
ROUTE_OWNER = {
    "assessments:contribution_review": "a.assessor",
    "assessment-contribution-accept": "a.assessor",
    "meetings:respond": "a.hv",
    "meetings:api-respond": "a.hv",
    "forum-sessions": "a.coordinator",
    "meetings:forum_case_record": "a.coordinator",
    "meetings:forum_case_action": "a.coordinator",
    "meetings:forum_case_heard": "a.coordinator",
    "forum-case-record": "a.coordinator",
    "forum-case-heard": "a.coordinator",
    "nomination-accept-late": "a.coordinator",
    "nomination-defer": "a.coordinator",
    "delivery:proposal_withdraw": "a.coordinator",
    "delivery:api-proposal-withdraw": "a.coordinator",
    "delivery:api-dispute-resolve": "a.coordinator",
    "referrals:api-service-request-answer": "a.support",
    "referrals:api-social-care-decision": "a.csc_manager",
    "delivery:plan_action_accept": "a.hv",
    "delivery:plan_action_decline": "a.hv",
    "delivery:plan_action_status": "a.hv",
    "delivery:plan_action_note": "a.hv",
    "delivery:api-plan-action-accept": "a.hv",
    "delivery:api-plan-action-decline": "a.hv",
    "delivery:api-plan-action-status": "a.hv",
    "delivery:api-plan-action-note": "a.hv",
}


def _extra_outsiders() -> dict[tuple[str, str], set[str]]:
    """Outsiders of one route and method beyond its kind's: casework users of tenant a who may
    open the object but not this, as the per-file tests show."""
    extra: dict[tuple[str, str], set[str]] = {}

    def add(names, labels, methods=None):
        for name in names:
            for method in methods or ROUTES[name][2]:
                extra.setdefault((name, method), set()).update(labels)

    # The forum's running and its nominations' record: the coordinator's and the chair's
    # (tests/test_forum_day.py), the forum not being held yet.
    for name, (_, allowed) in {**FORUM_ROUTES, **NOMINATION_ROUTES}.items():
        add([name], {label for label in CASEWORK_A if label[2:] not in allowed})
    add(["meetings:forum_change"], set(CASEWORK_A) - {"a.coordinator"})
    add(["nomination-accept-late", "nomination-defer"], {"a.assessor", "a.school_practitioner"})
    # Answering a TAC invitation: the invited practitioner alone.
    add(
        ["meetings:respond", "meetings:api-respond"],
        {"a.assessor", "a.school_practitioner", "a.coordinator"},
    )
    # Writing a contribution: the named contributor alone; reviewing it: not theirs.
    add(
        ["assessments:contribution", "contribution-detail", "contribution-submit"],
        {"a.assessor", "a.school_practitioner", "a.coordinator", "a.caf_manager"},
    )
    add(["assessments:contribution_review", "assessment-contribution-accept"], {"a.hv"})
    # A lead proposal: answered by the proposed alone; withdrawn by the proposer or CAF team.
    add(["delivery:proposal"], {"a.assessor", "a.caf_manager"}, ["post"])
    add(
        ["delivery:api-proposal-accept", "delivery:api-proposal-decline"],
        {"a.assessor", "a.caf_manager"},
    )
    add(
        ["delivery:proposal_withdraw", "delivery:api-proposal-withdraw"],
        {"a.assessor", "a.school_practitioner"},
    )
    # A disagreement is resolved by a coordinator or manager of the CAF team.
    add(["delivery:dispute"], {"a.assessor", "a.chair"}, ["post"])
    add(["delivery:api-dispute-resolve"], {"a.assessor", "a.chair"})
    # A request for service is answered by the receiving agency; a referral decided by social
    # care's duty manager.
    add(["referrals:api-service-request-answer"], {"a.assessor", "a.coordinator"})
    add(
        ["referrals:api-social-care-decision"],
        {"a.assessor", "a.coordinator", "a.caf_manager"},
    )
    add(["referrals:social_care"], {"a.assessor", "a.coordinator", "a.caf_manager"}, ["post"])
    return extra


# --- Asking ------------------------------------------------------------------------------------


@dataclass
class Route:
    name: str
    kind: str
    url: str
    missing_url: str
    owner: str  # who opens it: with a GET if it has one, else with the empty input sent
    owner_method: str
    # method -> users who get the 404 of a missing object, identical to it (no relation to the
    # object), and users who get a 404 (who may open the object, not this route).
    strangers: dict
    related: dict
    # The object under another parent its owner opens, and a missing object under it.
    wrong_parent: tuple | None = None


def routes_of(scene: Scene) -> list[Route]:
    kwarg_names = _kwarg_names()
    extra = _extra_outsiders()
    tenant_b = sorted(label for label in scene.users if label.startswith("b."))
    routes = []
    for name, kind_name in object_routes().items():
        kind = BUILDERS[kind_name]
        values = ROUTE_VALUES.get(name, kind.values)(scene)
        keys = ROUTE_KEYS.get(name, kind.keys)
        names = kwarg_names[name]
        unknown = set(names) - set(values)
        assert not unknown, f"{name}: no value for {unknown} in the {kind_name} builder"
        kwargs = {n: values[n] for n in names}
        missing = {n: (kind.missing if n in keys else v) for n, v in kwargs.items()}
        assert missing != kwargs, f"{name}: none of {keys} is in its URL {names}"
        methods = ROUTES[name][2]
        owner = ROUTE_OWNER.get(name, kind.owner)
        owner_method = "get" if "get" in methods else methods[0]
        assert owner not in kind.outsiders, f"{name}: its owner {owner} is an outsider"
        assert owner not in extra.get((name, owner_method), ()), f"{name}: {owner} is refused"
        route = Route(
            name=name,
            kind=kind_name,
            url=reverse(name, kwargs=kwargs),
            missing_url=reverse(name, kwargs=missing),
            owner=owner,
            owner_method=owner_method,
            strangers={m: tenant_b + sorted(set(kind.outsiders)) for m in methods},
            related={m: sorted(extra.get((name, m), set()) - set(kind.outsiders)) for m in methods},
        )
        parent = ROUTE_PARENT.get(name, kind.parent)
        if parent is not None:
            value_name, other = parent
            route.wrong_parent = (
                reverse(name, kwargs={**kwargs, value_name: other(scene)}),
                reverse(name, kwargs={**missing, value_name: other(scene)}),
            )
        routes.append(route)
    return routes


def _call(client, method: str, url: str):
    if method == "get":
        response = client.get(url)
    elif method == "put":
        response = client.put(url, {}, content_type="application/json")
    elif method == "delete":
        response = client.delete(url)
    else:
        response = client.post(url, {})
    if response.status_code == 302 and method != "get":
        client.get(response["Location"])  # shows (and so clears) the message it left
    return response


def _undone(client, method: str, url: str) -> tuple[int, bytes, bool]:
    """The status and body of one request (a redirect to sign in as a 401: the user was signed
    out) and whether it wrote to the change log, asked anything of anyone (a task) or sent an
    email; whatever it wrote is rolled back."""
    with transaction.atomic():
        before = (ChangeLogEntry.objects.count(), Task.objects.count(), len(mail.outbox))
        response = _call(client, method, url)
        wrote = (ChangeLogEntry.objects.count(), Task.objects.count(), len(mail.outbox)) != before
        transaction.set_rollback(True)
    # Reading a file's whole answer closes it as the test client means it to be closed.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    status = response.status_code
    if status == 302 and response["Location"].startswith(SIGN_IN):
        status = 401
    return status, body, wrote


def _difference(one: bytes, other: bytes) -> str:
    one, other = _without_tokens(one), _without_tokens(other)
    pairs = zip(one, other, strict=False)
    at = next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(one), len(other)))
    return (
        f"at byte {at}: {one[max(0, at - 60) : at + 60]!r} vs {other[max(0, at - 60) : at + 60]!r}"
    )


def _refused(client, who, route, method, url, missing_url, problems, *, alike=True) -> None:
    """A 404 that writes nothing; ``alike``, the very 404 of ``missing_url``."""
    status, body, wrote = _undone(client, method, url)
    where = f"{who} {method.upper()} {route.name} {url}"
    if status >= 500:
        problems.append(f"{where} -> {status}: server error")
    elif status != 404:
        problems.append(f"{where} -> {status}: answered, where a missing {route.kind} is 404")
    elif alike:
        missing_status, missing_body, _ = _undone(client, method, missing_url)
        if missing_status != 404:
            problems.append(f"{where}: the missing one {missing_url} -> {missing_status}")
        elif _without_tokens(body) != _without_tokens(missing_body):
            problems.append(
                f"{where}: the 404 differs from {missing_url}'s {_difference(body, missing_body)}"
            )
    if wrote:
        problems.append(f"{where} -> {status}: wrote, asked or emailed something")


def problems_of(routes: list[Route], clients: dict) -> list[str]:
    """Every route as every outsider in ``clients``, and as its owner if they are in it."""
    problems = []
    for route in routes:
        for method in ROUTES[route.name][2]:
            for who in route.strangers[method]:
                if who in clients:
                    _refused(
                        clients[who], who, route, method, route.url, route.missing_url, problems
                    )
            for who in route.related[method]:
                if who in clients:
                    _refused(
                        clients[who], who, route, method, route.url, None, problems, alike=False
                    )
        if route.owner not in clients:
            continue
        owner = clients[route.owner]
        # The owner opens it (a 400 for the empty input sent is an answer too).
        status, _, _ = _undone(owner, route.owner_method, route.url)
        if status in (401, 403, 404, 405) or status >= 500:
            problems.append(
                f"owner {route.owner} {route.owner_method.upper()} {route.name} {route.url}"
                f" -> {status}"
            )
        # Under another case they open, the object is as missing as one that does not exist.
        if route.wrong_parent is not None:
            moved, moved_missing = route.wrong_parent
            where = f"owner {route.owner} under another case"
            for method in ROUTES[route.name][2]:
                _refused(owner, where, route, method, moved, moved_missing, problems)
    return problems


# --- The tests -----------------------------------------------------------------------------------


def test_every_object_kind_has_a_builder():
    routes = object_routes()
    missing = set(routes.values()) - set(BUILDERS)
    assert missing == set(), f"build one object of these kinds in BUILDERS: {sorted(missing)}"
    kwargs = _kwarg_names()
    unkeyed = {
        name
        for name, (kind, _, _) in ROUTES.items()
        if kind not in ORACLE_KINDS and not kwargs.get(name)
    }
    assert unkeyed == NOT_KEYED, "a route of an object kind without an id: say why in NOT_KEYED"


@pytest.fixture
def scene(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return build_scene(world, login)


def _clients(scene: Scene, login, labels) -> dict:
    clients = {}
    for label in sorted(labels):
        client = login(scene.users[label])
        client.raise_request_exception = False  # a server error is an answer to report
        clients[label] = client
    return clients


def test_the_scene_outsiders_of_tenant_a_see_none_of_its_cases(scene):
    """The police, the tenant administrator and staff without a DBS check see none of the
    scene's CAFs (the oracle's own rule, from raw rows), nor does tenant b."""
    cases = [scene.objects["case"], scene.objects["other_case"], scene.objects["scan"].case]
    strangers = [*POLICE, *NOBODY_A, *(label for label in scene.users if label[:2] == "b.")]
    for label in strangers:
        for case in cases:
            assert not sees(scene.users[label], case), (label, case.reference)


PARTS = 2


@pytest.mark.parametrize("part", range(PARTS))
def test_outsiders_get_the_404_of_a_missing_object_and_owners_do_not(scene, login, part):
    """Every user's requests in one part of the users (the parts run side by side under
    pytest-xdist); one failure lists every wrong answer."""
    routes = routes_of(scene)
    labels = {route.owner for route in routes}
    for route in routes:
        for users in (*route.strangers.values(), *route.related.values()):
            labels.update(users)
    clients = _clients(scene, login, sorted(labels)[part::PARTS])
    problems = problems_of(routes, clients)
    assert problems == [], "\n".join(problems)
