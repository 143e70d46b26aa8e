"""Reads of assessments that respect access: through the case's access model, nothing else.
A case the user may not see, or one with no assessment, is a 404 alike."""

from django.http import Http404, HttpRequest

from assessments.framework import DOMAIN_SECTIONS, Section, SectionStatus
from assessments.models import Assessment, AssessmentSection, AssessmentVersion, SectionDraft
from cases.permissions import VIEW, get_case_for_user


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
        raise Http404("No such case.")  # the same answer as for a missing case
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
