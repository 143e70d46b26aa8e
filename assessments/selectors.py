"""Reads of assessments that respect access: through the case's access model, nothing else.
A case the user may not see, or one with no assessment, is a 404 alike."""

from datetime import date

from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone

from assessments.framework import DOMAIN_SECTIONS, Section, SectionStatus
from assessments.models import (
    Assessment,
    AssessmentSection,
    AssessmentState,
    AssessmentVersion,
    SectionDraft,
)
from cases.permissions import VIEW, get_case_for_user
from deadlines import rules


def get_assessment_for_user(
    user, case_pk, perm: str = VIEW, *, request: HttpRequest | None = None
) -> Assessment:
    """The assessment of a case ``user`` may see (or change, with ``perm``); 404 otherwise,
    the same answer as for a case that does not exist."""
    case = get_case_for_user(user, case_pk, perm, request=request)
    assessment = (
        Assessment.objects.filter(case=case).select_related("case__child", "tenant").first()
    )
    if assessment is None:
        # The same answer as for a case that does not exist (the API shows the message).
        raise Http404("No such case.")
    assessment.case = case
    return assessment


def versions_of(assessment: Assessment) -> list[AssessmentVersion]:
    return list(assessment.versions.order_by("number"))


def current_version(assessment: Assessment) -> AssessmentVersion:
    """The latest version: the one being written, or the one in force."""
    return assessment.versions.order_by("-number").select_related("completing_agency").first()


def section_keys(version: AssessmentVersion) -> list[str]:
    """The task list of a version: fixed sections around the domains it was written on."""
    domains = [domain["code"] for domain in version.framework]
    keys = [Section.ABOUT, Section.CHECKLIST, Section.VIEWS]
    keys += [code for code in domains if code in DOMAIN_SECTIONS]
    keys.append(Section.CONCLUSIONS)
    return [str(key) for key in keys]


def section_statuses(version: AssessmentVersion, user) -> dict[str, str]:
    """Each section's status for the task list: completed or in progress as saved; in
    progress where only ``user``'s draft exists; otherwise not started."""
    saved = dict(AssessmentSection.objects.filter(version=version).values_list("key", "status"))
    drafted = set(
        SectionDraft.objects.filter(version=version, author=user).values_list("key", flat=True)
    )
    statuses = {}
    for key in section_keys(version):
        if key in saved:
            statuses[key] = saved[key]
        elif key in drafted:
            statuses[key] = SectionStatus.IN_PROGRESS
        else:
            statuses[key] = SectionStatus.NOT_STARTED
    return statuses


def case_assessment_summary(case) -> dict | None:
    """What the case page says of the assessment: its state, dates and what is due next
    (R-ASSESS-5: submission within 28 days of completion), in two queries."""
    assessment = Assessment.objects.filter(case=case).first()
    if assessment is None:
        return None
    version = current_version(assessment)
    submit_by = None
    if assessment.state in (AssessmentState.SIGNED, AssessmentState.RETURNED):
        submit_by = version.submit_by
    return {
        "assessment": assessment,
        "version": version,
        "submit_by": submit_by,
        "submission_overdue": submit_by is not None and submit_by < timezone.localdate(),
    }


def with_submission_due(cases):
    """Annotate a list query of cases with what the assessor's worklist shows of their
    assessment: its state and, while it waits to be submitted, the last day to submit it
    (R-ASSESS-5). Adds no query: a join and a subquery in the list's own query."""
    latest_completion = (
        AssessmentVersion.objects.filter(assessment__case=OuterRef("pk"))
        .order_by("-number")
        .values("completed_on")[:1]
    )
    return cases.annotate(
        assessment_state=F("assessment__state"),
        latest_completed_on=Subquery(latest_completion),
    )


def submission_due(case) -> date | None:
    """For a case annotated by ``with_submission_due``."""
    waiting = case.assessment_state in (AssessmentState.SIGNED, AssessmentState.RETURNED)
    if not waiting or case.latest_completed_on is None:
        return None
    return rules.submission_due(case.latest_completed_on)


def domain_elements(framework: list, key: str) -> list[dict]:
    """The elements of a domain section on the element list a version was written on
    (``version.framework``), tolerant of a list stored by an older form."""
    for domain in framework or []:
        if domain.get("code") == key:
            return list(domain.get("elements") or [])
    return []


def section_title(framework: list, key: str) -> str:
    """A section's title: a domain's as the version has it, otherwise the form's."""
    for domain in framework or []:
        if domain.get("code") == key:
            return domain.get("title") or key
    return str(Section(key).label) if key in Section.values else key
