"""The CAF form as a PDF: the family's copy, and any practitioner's print of a version
(R-ASSESS-4), following the national form's sections (seed 001 §4.5-4.10 and Table 1).

Only what consent allows goes into it: the saved sections of the version, with statements
from contributions only once the assessor accepted them. Never the confidential notes
(R-CONSENT-9: they are not read here at all), never a contribution still waiting (its text
lives in the contribution row until accepted), never anyone's unsaved draft. Every page is
marked OFFICIAL-SENSITIVE with who printed it and when (R-AUDIT-4); a version not signed off
is marked as a draft on every page."""

from datetime import datetime

from django.template.loader import render_to_string

from agencies.models import Agency, User
from assessments.framework import (
    Finding,
    LevelOfNeed,
    Nature,
    Outcome,
    PriorityGroup,
    Section,
    StatementKind,
)
from assessments.models import AssessmentVersion, Contribution, ContributionState


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _statements(raw, accepted: set[int], names: dict[int, str]) -> list[dict]:
    statements = []
    for statement in raw if isinstance(raw, list) else []:
        if not isinstance(statement, dict):
            continue
        contribution = statement.get("contribution")
        if contribution is not None and contribution not in accepted:
            continue
        text = str(statement.get("text") or "").strip()
        if not text:
            continue
        statements.append(
            {
                "kind": _label(StatementKind, statement.get("kind")),
                "text": text,
                "whose": str(statement.get("whose") or "").strip(),
                "nature": _label(Nature, statement.get("nature")),
                "by": names.get(statement.get("by"), ""),
            }
        )
    return statements


def _domains(version: AssessmentVersion, data: dict[str, dict]) -> list[dict]:
    """The three domains as the version was written on them: each element of its own element
    list with its finding and attributed statements."""
    accepted = set(
        Contribution.objects.filter(version=version, state=ContributionState.ACCEPTED).values_list(
            "pk", flat=True
        )
    )
    authors = {
        statement.get("by")
        for domain in version.framework
        for entry in (data.get(domain.get("code")) or {}).values()
        if isinstance(entry, dict)
        for statement in (entry.get("statements") or [])
        if isinstance(statement, dict)
    }
    names = {
        user.pk: user.get_full_name() or user.username
        for user in User.objects.filter(pk__in={a for a in authors if isinstance(a, int)})
    }
    domains = []
    for domain in version.framework:
        recorded = data.get(domain.get("code")) or {}
        elements = []
        for element in domain.get("elements", []):
            entry = recorded.get(element.get("code")) or {}
            if not isinstance(entry, dict):
                entry = {}
            finding = entry.get("finding")
            elements.append(
                {
                    "title": element.get("title", ""),
                    "finding": _label(Finding, finding) if finding else "Not recorded",
                    "statements": _statements(entry.get("statements"), accepted, names),
                }
            )
        domains.append({"title": domain.get("title", ""), "elements": elements})
    return domains


def assessment_pdf_context(
    version: AssessmentVersion, *, printed_by: User, printed_at: datetime
) -> dict:
    assessment = version.assessment
    case = assessment.case
    data = {row.key: row.data or {} for row in version.sections.all()}
    about = data.get(Section.ABOUT, {})
    views = data.get(Section.VIEWS, {})
    conclusions = data.get(Section.CONCLUSIONS, {})
    level = conclusions.get("level_of_need", version.level_of_need)
    completing = version.completing_agency
    if completing is None and isinstance(about.get("completing_agency"), int):
        completing = Agency.objects.filter(
            pk=about["completing_agency"], tenant_id=case.tenant_id
        ).first()
    return {
        "case": case,
        "child": case.child,
        "assessment": assessment,
        "version": version,
        "is_draft": not version.is_signed_off,
        "draft_mark": "" if version.is_signed_off else "DRAFT – not signed off",
        "completing_agency": completing,
        "present": str(about.get("present") or "").strip(),
        "reason": str(about.get("reason") or "").strip(),
        "child_view": str(views.get("child") or "").strip(),
        "parents_view": str(views.get("parents") or "").strip(),
        "domains": _domains(version, data),
        "outcomes_at_risk": [
            _label(Outcome, value) for value in conclusions.get("outcomes_at_risk") or []
        ],
        "level_of_need": _label(LevelOfNeed, level) if level else "",
        "priority_groups": [
            _label(PriorityGroup, value) for value in conclusions.get("priority_groups") or []
        ],
        "summary": str(conclusions.get("summary") or "").strip(),
        "printed_by": printed_by,
        "printed_at": printed_at,
    }


def assessment_pdf(
    version: AssessmentVersion, *, printed_by: User, printed_at: datetime, base_url: str
) -> bytes:
    """The PDF of ``version``, for a user already allowed to see its case."""
    from weasyprint import HTML  # heavy: loaded when a PDF is asked for

    html = render_to_string(
        "assessments/pdf.html",
        assessment_pdf_context(version, printed_by=printed_by, printed_at=printed_at),
    )
    return HTML(string=html, base_url=base_url).write_pdf()
