"""Contributions to an assessment (R-REF-3): the assessor asks a named practitioner of an
agency the family agreed to share with to write one section; the contributor sees that
section only and writes in its shape; the assessor accepts their text into the section,
attributed to them, or withdraws the request. Each request is a task to the contributor.

A contribution is open to its contributor only while their agency's consent grant is live
(R-CONSENT-4/5): when the grant ends, so does their access to it."""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agencies.models import CASEWORK_ROLES, Agency, Membership, User
from assessments.framework import (
    DOMAIN_SECTIONS,
    Finding,
    Nature,
    Section,
    SectionStatus,
    StatementKind,
)
from assessments.models import (
    AssessmentSection,
    AssessmentVersion,
    Contribution,
    ContributionState,
)
from assessments.selectors import domain_elements, section_keys
from assessments.services import (
    AssessmentError,
    acting,
    lock,
    require_case_worker,
    signatures_withdraw,
    version_is_editable,
)
from audit.context import acting_as
from cafsite.errors import CafError
from cases.models import Case
from cases.permissions import VIEW, acting_agency_id, cases_for_user, casework_access
from consent.models import ConsentGrant
from consent.selectors import current_consent
from consent.services import agency_excluded, consent_covers
from referrals.models import TaskKind
from referrals.services import task_close, task_create

MESSAGE_MAX = 2000
TEXT_MAX = 20000
WHOSE_MAX = 200

# The text a contributor may write in a section that is not a domain: its free-text fields.
TEXT_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    Section.ABOUT: (("present", "Who was present"), ("reason", "Reason for the assessment")),
    Section.CHECKLIST: (("notes", "Notes"),),
    Section.VIEWS: (
        ("child", "The child's views, in their own words"),
        ("parents", "The parents' or carers' views, in their own words"),
    ),
    Section.CONCLUSIONS: (("summary", "Summary"),),
}


# --- Who may be asked, and who may open a contribution -------------------------------------


def _live_grant(case: Case, agency_id: int) -> bool:
    return ConsentGrant.objects.filter(
        consent__case=case,
        consent__withdrawn_on__isnull=True,
        revoked_at__isnull=True,
        agency_id=agency_id,
    ).exists()


def agency_may_contribute(case: Case, agency: Agency) -> bool:
    """An agency of the case's tenant with a live consent grant for the case, covered by the
    current consent and not excluded by the family (R-CONSENT-4, R-REF-3)."""
    return (
        agency.tenant_id == case.tenant_id
        and agency.is_active
        and _live_grant(case, agency.pk)
        and consent_covers(current_consent(case), agency)
        and not agency_excluded(case, agency)
    )


def contributor_agency(case: Case, user: User) -> Agency | None:
    """The agency through which ``user`` may contribute to ``case``: one where they hold a
    casework role, with an enhanced DBS check (R-TEN-4), that may contribute. None if none."""
    if (
        not user.is_active
        or user.is_superuser
        or user.tenant_id != case.tenant_id
        or not user.has_dbs_check
    ):
        return None
    memberships = Membership.objects.filter(
        user=user, role__in=CASEWORK_ROLES, agency__tenant_id=case.tenant_id
    ).select_related("agency")
    for membership in memberships.order_by("agency__name", "agency_id"):
        if agency_may_contribute(case, membership.agency):
            return membership.agency
    return None


def eligible_contributors(case: Case) -> list[tuple[User, Agency]]:
    """Practitioners who may be asked to contribute to ``case``, with their agency."""
    agency_ids = ConsentGrant.objects.filter(
        consent__case=case, consent__withdrawn_on__isnull=True, revoked_at__isnull=True
    ).values("agency_id")
    agencies = [
        agency
        for agency in Agency.objects.filter(pk__in=agency_ids, tenant_id=case.tenant_id)
        if agency_may_contribute(case, agency)
    ]
    people = []
    for agency in sorted(agencies, key=lambda a: a.name):
        members = (
            User.objects.filter(
                memberships__agency=agency,
                memberships__role__in=CASEWORK_ROLES,
                is_active=True,
                is_superuser=False,
                tenant_id=case.tenant_id,
                dbs_checked_on__isnull=False,
            )
            .exclude(dbs_reference="")
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        people += [(member, agency) for member in members]
    return people


def contributor_may_open(contribution: Contribution, user: User) -> bool:
    """Whether ``user`` may open ``contribution`` to write it: its named contributor only,
    still a casework member of its agency, that agency still holding a live consent grant
    for a case they can see, and the request not withdrawn. Anyone else is answered as if
    it did not exist, the assessor and the CAF team included (they review it through the
    case)."""
    if contribution.contributor_id != user.pk or contribution.state == ContributionState.WITHDRAWN:
        return False
    access = casework_access(user)
    if access is None or contribution.agency_id not in access.agency_ids:
        return False
    case = contribution.version.assessment.case
    if not cases_for_user(user, VIEW).filter(pk=case.pk).exists():
        return False
    return agency_may_contribute(case, contribution.agency)


# --- What a contributor writes ---------------------------------------------------------------


def _clean_text(value, *, limit: int) -> tuple[str, str | None]:
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", "Enter text."
    value = value.replace("\x00", "").strip()
    if len(value) > limit:
        return value, f"Enter no more than {limit:,} characters."
    return value, None


def contribution_data_clean(
    version: AssessmentVersion, key: str, data
) -> tuple[dict, dict[str, str]]:
    """A contribution's content in the section's shape, and the errors in it by field.

    For a domain: ``{element code: {"statements": [{"kind", "text", "whose", "nature"}]}}``,
    every statement saying whether it is a strength or a need and whether it is fact,
    allegation, observation or opinion (R-ASSESS-2); a statement with no text is dropped.
    Otherwise ``{field: text}`` for the section's free-text fields. Error keys are
    ``element-index-part`` for statements and the field's name for text."""
    if not isinstance(data, dict):
        return {}, {"data": "Send the contribution as an object of the section's fields."}
    clean: dict = {}
    errors: dict[str, str] = {}
    if key in DOMAIN_SECTIONS:
        codes = {element.get("code") for element in domain_elements(version.framework, key)}
        for code, entry in data.items():
            if code not in codes:
                errors[str(code)[:60]] = "This element is not part of the section."
                continue
            statements = entry.get("statements") if isinstance(entry, dict) else None
            if not isinstance(statements, list):
                errors[code] = "Send this element's statements as a list."
                continue
            kept = []
            for index, statement in enumerate(statements):
                where = f"{code}-{index}"
                if not isinstance(statement, dict):
                    errors[f"{where}-text"] = "Send each statement as an object."
                    continue
                text, problem = _clean_text(statement.get("text"), limit=TEXT_MAX)
                whose, whose_problem = _clean_text(statement.get("whose"), limit=WHOSE_MAX)
                kind, nature = statement.get("kind") or "", statement.get("nature") or ""
                if problem:
                    errors[f"{where}-text"] = problem
                if whose_problem:
                    errors[f"{where}-whose"] = whose_problem
                if not text:
                    if (kind or nature or whose) and not problem:
                        errors[f"{where}-text"] = "Enter the statement, or clear this row."
                    continue
                if kind not in StatementKind.values:
                    errors[f"{where}-kind"] = "Choose whether this is a strength or a need."
                if nature not in Nature.values:
                    errors[f"{where}-nature"] = (
                        "Choose whether this is a fact, an allegation, an observation or an "
                        "opinion."
                    )
                kept.append({"kind": kind, "text": text, "whose": whose, "nature": nature})
            if kept:
                clean[code] = {"statements": kept}
        return clean, errors
    fields = dict(TEXT_FIELDS.get(key, ()))
    for name, value in data.items():
        if name not in fields:
            errors[str(name)[:60]] = "This is not a field you can write in this section."
            continue
        text, problem = _clean_text(value, limit=TEXT_MAX)
        if problem:
            errors[name] = problem
        elif text:
            clean[name] = text
    return clean, errors


def is_empty(data: dict) -> bool:
    return not data


# --- Services --------------------------------------------------------------------------------


def contribution_request(
    *, version: AssessmentVersion, key: str, contributor: User | None, message: str, by: User
) -> Contribution:
    """Ask ``contributor`` to contribute to section ``key`` of ``version`` (R-REF-3).

    The version must be the one being written; the contributor must be a casework member,
    DBS checked, of an agency of the tenant with a live consent grant for the case that the
    family has not excluded (R-CONSENT-4). Creates the contribution and a task to the
    contributor whose message is the request's text and the way to it, nothing of the case
    (R-AUDIT-3). The same person asked again for the same section while a request is
    outstanding is refused."""
    assessment = version.assessment
    require_case_worker(assessment.case, by)
    message, problem = _clean_text(message, limit=MESSAGE_MAX)
    if problem:
        raise AssessmentError(problem, field="message")
    with transaction.atomic():
        assessment = lock(assessment)
        case = assessment.case
        version = AssessmentVersion.objects.select_related("assessment").get(pk=version.pk)
        if not version_is_editable(version):
            raise AssessmentError(
                "This version is signed off: contributions can only be asked for while the "
                "assessment is being written."
            )
        if key not in section_keys(version):
            raise AssessmentError("Choose a section of this assessment.", field="section")
        agency = contributor_agency(case, contributor) if contributor is not None else None
        if agency is None:
            raise AssessmentError(
                "Choose a practitioner of an agency the family agreed to share with.",
                field="contributor",
            )
        if version.contributions.filter(
            key=key,
            contributor=contributor,
            state__in=(ContributionState.REQUESTED, ContributionState.SUBMITTED),
        ).exists():
            raise AssessmentError(
                "This practitioner has already been asked to contribute to this section.",
                field="contributor",
            )
        from_agency = Agency.objects.get(pk=acting_agency_id(by, case))
        with acting(by, case):
            contribution = Contribution(
                version=version,
                key=key,
                contributor=contributor,
                agency=agency,
                requested_by=by,
                message=message,
            )
            contribution.full_clean(exclude=["data", "task"])
            contribution.save()
            try:
                task = task_create(
                    kind=TaskKind.CONTRIBUTION,
                    by=by,
                    from_agency=from_agency,
                    assigned_agency=agency,
                    assigned_to=contributor,
                    child=case.child,
                    case=case,
                    message=message,
                    link=reverse("assessments:contribution", args=[contribution.pk]),
                )
            except CafError as error:
                raise AssessmentError(error.message, field="contributor") from error
            contribution.task = task
            contribution.save(update_fields=["task"])
    return contribution


def _lock_contribution(contribution: Contribution) -> Contribution:
    return (
        Contribution.objects.select_for_update(of=("self",))
        .select_related("version__assessment__case", "agency", "contributor", "task")
        .get(pk=contribution.pk)
    )


def contribution_submit(
    *, contribution: Contribution, data, by: User, send: bool = True
) -> Contribution:
    """The contributor's text for their section: saved, and with ``send`` sent to the
    assessor (R-REF-3). Only the named contributor, while they may open it; while it is
    outstanding they may change it and send it again. Nothing is saved if any of it is
    refused; the error names the field."""
    if not contributor_may_open(contribution, by):
        raise AssessmentError("Contribution not found.")
    with transaction.atomic():
        contribution = _lock_contribution(contribution)
        if not contribution.is_outstanding:
            raise AssessmentError(
                "The assessor has already decided on this contribution: it cannot be changed."
            )
        clean, errors = contribution_data_clean(contribution.version, contribution.key, data)
        if errors:
            field, problem = next(iter(errors.items()))
            raise AssessmentError(problem, field=field)
        if send and is_empty(clean):
            raise AssessmentError("Write something before sending your contribution.")
        with acting_as(by, agency_id=contribution.agency_id):
            contribution.data = clean
            fields = ["data", "state"]
            if send:
                contribution.state = ContributionState.SUBMITTED
                contribution.submitted_at = timezone.now()
                fields.append("submitted_at")
            else:
                contribution.state = ContributionState.REQUESTED
            contribution.full_clean(exclude=["data"])
            contribution.save(update_fields=fields)
    return contribution


def _attribution(contribution: Contribution) -> str:
    who = contribution.contributor.get_full_name() or contribution.contributor.username
    return f"(Contributed by {who}, {contribution.agency.name})"


def _merge(section_data: dict, contribution: Contribution) -> dict:
    data = dict(section_data) if isinstance(section_data, dict) else {}
    if contribution.key in DOMAIN_SECTIONS:
        for code, entry in contribution.data.items():
            element = dict(data.get(code)) if isinstance(data.get(code), dict) else {}
            statements = element.get("statements")
            statements = list(statements) if isinstance(statements, list) else []
            for statement in entry.get("statements", []):
                statements.append(
                    {
                        **statement,
                        "by": contribution.contributor_id,
                        "contribution": contribution.pk,
                    }
                )
            element["statements"] = statements
            if not element.get("finding"):
                element["finding"] = Finding.STRENGTHS_AND_NEEDS.value
            data[code] = element
        return data
    for name, text in contribution.data.items():
        existing = data.get(name) if isinstance(data.get(name), str) else ""
        addition = f"{text}\n{_attribution(contribution)}"
        data[name] = f"{existing.rstrip()}\n\n{addition}" if existing.strip() else addition
    return data


def contribution_accept(*, contribution: Contribution, by: User) -> Contribution:
    """Accept a sent contribution into its section (R-REF-3): its statements are added to
    the section of the version being written, each attributed to the contributor (``by``
    their user id, ``contribution`` its id), and free text is added with a line naming them.
    The section's revision moves on, so anyone editing it from an earlier one gets the usual
    conflict and keeps both texts. The task is done and the contribution accepted."""
    case = contribution.version.assessment.case
    require_case_worker(case, by)
    with transaction.atomic():
        assessment = lock(contribution.version.assessment)
        contribution = _lock_contribution(contribution)
        if contribution.state != ContributionState.SUBMITTED:
            raise AssessmentError(
                "Only a contribution sent to you can be accepted."
                if contribution.state == ContributionState.REQUESTED
                else "This contribution has already been decided on."
            )
        version = contribution.version
        if not version_is_editable(version):
            raise AssessmentError(
                "This version is signed off and can no longer change: withdraw the request."
            )
        # Consent decides whose words the CAF holds: an agency whose grant has ended since it
        # wrote cannot have them added (R-CONSENT-5).
        if not agency_may_contribute(assessment.case, contribution.agency):
            raise AssessmentError(
                "The family's consent no longer covers sharing with "
                f"{contribution.agency.name}: this contribution cannot be accepted. "
                "Withdraw the request."
            )
        now = timezone.now()
        with acting(by, assessment.case):
            signatures_withdraw(version)
            section = (
                AssessmentSection.objects.select_for_update()
                .filter(version=version, key=contribution.key)
                .first()
            )
            if section is None:
                section = AssessmentSection(
                    version=version,
                    key=contribution.key,
                    status=SectionStatus.IN_PROGRESS,
                    saved_by=by,
                )
            section.data = _merge(section.data, contribution)
            section.revision += 1
            section.saved_by = by
            section.full_clean(exclude=["data"])
            if section.pk is None:
                section.save()
            else:
                section.save(update_fields=["data", "revision", "saved_by", "saved_at"])
            _decide(contribution, ContributionState.ACCEPTED, by, now)
    return contribution


def contribution_withdraw(*, contribution: Contribution, by: User) -> Contribution:
    """End a request that is still outstanding (R-REF-3): the task is done, nothing written
    by the contributor enters the assessment."""
    case = contribution.version.assessment.case
    require_case_worker(case, by)
    with transaction.atomic():
        assessment = lock(contribution.version.assessment)
        contribution = _lock_contribution(contribution)
        if not contribution.is_outstanding:
            raise AssessmentError("This contribution has already been decided on.")
        with acting(by, assessment.case):
            _decide(contribution, ContributionState.WITHDRAWN, by, timezone.now())
    return contribution


def _decide(contribution: Contribution, state: str, by: User, now) -> None:
    contribution.state = state
    contribution.decided_at = now
    contribution.decided_by = by
    contribution.full_clean(exclude=["data"])
    contribution.save(update_fields=["state", "decided_at", "decided_by"])
    if contribution.task is not None:
        task_close(contribution.task, by=by)


def contributions_of(version: AssessmentVersion, key: str | None = None):
    """The contributions asked for on a version (of one section with ``key``), newest first,
    for the assessor's pages."""
    found = version.contributions.select_related("contributor", "agency")
    return found.filter(Q(key=key)) if key else found
