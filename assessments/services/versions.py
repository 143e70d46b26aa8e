"""Versions of an assessment (R-ASSESS-7): a new version after a TAC meeting or an explicit
update, earlier versions read-only, and what a version shows, element by element, for reading
and for comparing one version with another.

A new version cannot be made while contributions are outstanding (R-REF-3)."""

import copy
from dataclasses import dataclass, field

from django.db import transaction

from agencies.models import Agency, User
from assessments.diff import has_changes, word_diff
from assessments.framework import (
    DOMAIN_SECTIONS,
    ChecklistQuestion,
    Finding,
    LevelOfNeed,
    Nature,
    Outcome,
    PriorityGroup,
    Section,
    SectionStatus,
    StatementKind,
)
from assessments.models import (
    Assessment,
    AssessmentSection,
    AssessmentState,
    AssessmentVersion,
    Contribution,
    ContributionState,
    VersionReason,
)
from assessments.selectors import domain_elements, section_title
from assessments.services import (
    AssessmentError,
    acting,
    framework_snapshot,
    latest_version,
    lock,
    require_case_worker,
)

# The reasons a person or a meeting gives for a new version; the first one has its own.
NEW_VERSION_REASONS = (VersionReason.TAC, VersionReason.UPDATE)


def outstanding_contributions(version: AssessmentVersion) -> list[Contribution]:
    """Contributions asked for on ``version`` and not yet accepted or withdrawn (R-REF-3)."""
    return list(
        version.contributions.filter(
            state__in=(ContributionState.REQUESTED, ContributionState.SUBMITTED)
        )
        .select_related("contributor", "agency")
        .order_by("requested_at", "id")
    )


def describe_contribution(contribution: Contribution) -> str:
    """Who was asked, for which section: what a page names when it refuses a new version."""
    who = contribution.contributor.get_full_name() or contribution.contributor.username
    return f"{who} ({contribution.agency.name}): {contribution.get_key_display()}"


def version_create(
    *, assessment: Assessment, by: User, reason: VersionReason | str
) -> AssessmentVersion:
    """Make a new version of the assessment (R-ASSESS-7), for a TAC meeting or an update.

    The latest version must be signed off, and not with the CAF team or returned to the
    assessor for correction (that correction is made on it, then resubmitted). No
    contribution may be outstanding on it (R-REF-3): the error names each one. Every saved
    section is copied into the new version as completed (drafts are not: they belong to the
    version they were written on); the new version is written on today's element list, and
    data for an element no longer on it is kept under its code. The assessment goes back to
    in progress, keeping its log reference; the case's state does not move. Called by the
    page, the API and, with ``VersionReason.TAC``, by the meeting that asks for it.
    """
    if reason not in NEW_VERSION_REASONS:
        raise AssessmentError("Choose why the assessment is being updated.", field="reason")
    require_case_worker(assessment.case, by)
    with transaction.atomic():
        assessment = lock(assessment)
        case = assessment.case
        if not case.is_open:
            raise AssessmentError("This case is closed: reopen it before updating the assessment.")
        latest = latest_version(assessment)
        if not latest.is_signed_off:
            raise AssessmentError(
                f"Version {latest.number} is still being written: sign it off before "
                "making a new version."
            )
        if assessment.state == AssessmentState.SUBMITTED:
            raise AssessmentError(
                "The CAF team is validating this assessment: a new version can be made once "
                "they have logged it or returned it."
            )
        if assessment.state == AssessmentState.RETURNED:
            raise AssessmentError(
                "The CAF team returned this assessment for correction: correct it and "
                "submit it again before making a new version."
            )
        outstanding = outstanding_contributions(latest)
        if outstanding:
            names = "; ".join(describe_contribution(c) for c in outstanding)
            raise AssessmentError(
                "A new version cannot be made while contributions are outstanding: "
                f"{names}. Accept or withdraw each one first."
            )
        with acting(by, case):
            version = AssessmentVersion(
                assessment=assessment,
                number=latest.number + 1,
                reason=reason,
                created_by=by,
                framework=framework_snapshot(assessment.tenant_id),
                level_of_need=latest.level_of_need,
                completing_agency=latest.completing_agency,
            )
            version.full_clean()
            version.save()
            for section in latest.sections.order_by("id"):
                AssessmentSection.objects.create(
                    version=version,
                    key=section.key,
                    status=SectionStatus.COMPLETED,
                    data=copy.deepcopy(section.data),
                    saved_by=by,
                )
            assessment.state = AssessmentState.IN_PROGRESS
            assessment.save(update_fields=["state"])
    return version


# --- What a version shows ------------------------------------------------------------------


@dataclass
class Row:
    """One thing a section says: an element of a domain, or one question or field."""

    label: str
    lines: list[str] = field(default_factory=list)
    prompt: str = ""
    # An element with data that is not on the element list being read (R-ASSESS-1: the data
    # is kept under its code and shown as such).
    gone: bool = False
    code: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class SectionView:
    key: str
    title: str
    status: str
    rows: list[Row]


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _text(value) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _statement_line(statement: dict, names: dict[int, str]) -> str:
    parts = [_label(StatementKind, statement.get("kind", ""))]
    nature = statement.get("nature")
    if nature:
        parts.append(_label(Nature, nature).lower())
    line = " (".join(parts) + (")" if len(parts) > 1 else "")
    whose = _text(statement.get("whose")).strip()
    if whose:
        line += f", the view of {whose}"
    line += f": {_text(statement.get('text')).strip()}"
    by = statement.get("by")
    author = names.get(by) if isinstance(by, int) and statement.get("contribution") else None
    if author:
        line += f" [contributed by {author}]"
    return line


def _element_prompt(element: dict) -> str:
    prompts = [_text(element.get("prompt"))] + [_text(p) for p in element.get("local_prompts", [])]
    return " ".join(p for p in prompts if p)


def _domain_rows(elements: list[dict], data: dict, names: dict[int, str]) -> list[Row]:
    rows = []
    known = set()
    for element in elements:
        code = element.get("code", "")
        known.add(code)
        rows.append(_element_row(code, element.get("title", code), data.get(code), names))
        rows[-1].prompt = _element_prompt(element)
    for code, entry in data.items():
        if code not in known:
            row = _element_row(code, f"{code} (no longer on the form)", entry, names)
            row.gone = True
            rows.append(row)
    return rows


def _element_row(code: str, title: str, entry, names: dict[int, str]) -> Row:
    entry = _mapping(entry)
    lines = []
    if entry.get("finding"):
        lines.append(_label(Finding, entry["finding"]))
    for statement in _list(entry.get("statements")):
        lines.append(_statement_line(_mapping(statement), names))
    return Row(label=title, lines=lines, code=code)


def _about_rows(data: dict, agencies: dict[int, str]) -> list[Row]:
    agency = data.get("completing_agency")
    return [
        Row("Who was present", [_text(data.get("present"))]),
        Row("Reason for the assessment", [_text(data.get("reason"))]),
        Row("Completing organisation", [agencies.get(agency, "") if agency else ""]),
    ]


def _checklist_rows(data: dict) -> list[Row]:
    outcomes, questions = _mapping(data.get("outcomes")), _mapping(data.get("questions"))
    answers = {"yes": "Yes", "no": "No", "not_sure": "Not sure"}
    rows = [
        Row(str(outcome.label), [answers.get(outcomes.get(outcome.value), "")])
        for outcome in Outcome
    ]
    rows += [
        Row(str(question.label), [answers.get(questions.get(question.value), "")])
        for question in ChecklistQuestion
    ]
    rows.append(Row("Notes", [_text(data.get("notes"))]))
    return rows


def _conclusions_rows(data: dict) -> list[Row]:
    level = data.get("level_of_need")
    return [
        Row(
            "Outcomes at risk",
            [_label(Outcome, value) for value in _list(data.get("outcomes_at_risk"))],
        ),
        Row("Level of need", [_label(LevelOfNeed, level) if level else ""]),
        Row(
            "Priority groups",
            [_label(PriorityGroup, value) for value in _list(data.get("priority_groups"))],
        ),
        Row("Summary", [_text(data.get("summary"))]),
    ]


def _views_rows(data: dict) -> list[Row]:
    return [
        Row("The child's views", [_text(data.get("child"))]),
        Row("The parents' or carers' views", [_text(data.get("parents"))]),
    ]


def section_rows(
    key: str,
    data,
    framework: list,
    *,
    names: dict[int, str] | None = None,
    agencies: dict[int, str] | None = None,
) -> list[Row]:
    """What a section says, row by row, read against the element list ``framework``."""
    data, names, agencies = _mapping(data), names or {}, agencies or {}
    if key in DOMAIN_SECTIONS:
        return _domain_rows(domain_elements(framework, key), data, names)
    if key == Section.ABOUT:
        return _about_rows(data, agencies)
    if key == Section.CHECKLIST:
        return _checklist_rows(data)
    if key == Section.VIEWS:
        return _views_rows(data)
    if key == Section.CONCLUSIONS:
        return _conclusions_rows(data)
    return []


def _section_keys(framework: list) -> list[str]:
    domains = [d.get("code") for d in framework or [] if d.get("code") in DOMAIN_SECTIONS]
    return [Section.ABOUT, Section.CHECKLIST, Section.VIEWS, *domains, Section.CONCLUSIONS]


def _names_and_agencies(sections: list[AssessmentSection]) -> tuple[dict, dict]:
    users, agencies = set(), set()
    for section in sections:
        data = _mapping(section.data)
        if section.key in DOMAIN_SECTIONS:
            for entry in data.values():
                for statement in _list(_mapping(entry).get("statements")):
                    if isinstance(_mapping(statement).get("by"), int):
                        users.add(statement["by"])
        elif section.key == Section.ABOUT and isinstance(data.get("completing_agency"), int):
            agencies.add(data["completing_agency"])
    names = {
        user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=users)
    }
    return names, dict(Agency.objects.filter(pk__in=agencies).values_list("pk", "name"))


def version_sections(version: AssessmentVersion) -> list[SectionView]:
    """Every section of ``version`` as it was saved, read against the element list the
    version was written on (R-ASSESS-1, R-ASSESS-7). Drafts are never shown."""
    saved = {section.key: section for section in version.sections.all()}
    names, agencies = _names_and_agencies(list(saved.values()))
    views = []
    for key in _section_keys(version.framework):
        section = saved.get(key)
        views.append(
            SectionView(
                key=str(key),
                title=section_title(version.framework, key),
                status=section.status if section else SectionStatus.NOT_STARTED,
                rows=section_rows(
                    key,
                    section.data if section else {},
                    version.framework,
                    names=names,
                    agencies=agencies,
                ),
            )
        )
    return views


@dataclass
class RowChange:
    label: str
    runs: list[tuple[str, list[str]]]
    changed: bool
    gone: bool = False


@dataclass
class SectionChange:
    key: str
    title: str
    changed: bool
    rows: list[RowChange]


def _merged_rows(old: list[Row], new: list[Row]) -> list[tuple[Row | None, Row | None]]:
    """Pairs of rows to compare: the current version's order, then what only the earlier one
    had (an element since taken off the form)."""
    by_label_old = {(row.code or row.label): row for row in old}
    pairs, seen = [], set()
    for row in new:
        key = row.code or row.label
        seen.add(key)
        pairs.append((by_label_old.get(key), row))
    for row in old:
        key = row.code or row.label
        if key not in seen:
            pairs.append((row, None))
    return pairs


def version_compare(earlier: AssessmentVersion, current: AssessmentVersion) -> list[SectionChange]:
    """``earlier`` against ``current``, section by section and element by element, each
    change word by word (R-ASSESS-7)."""
    old_sections = {view.key: view for view in version_sections(earlier)}
    new_sections = {view.key: view for view in version_sections(current)}
    keys = list(new_sections) + [key for key in old_sections if key not in new_sections]
    changes = []
    for key in keys:
        old, new = old_sections.get(key), new_sections.get(key)
        rows = []
        for before, after in _merged_rows(old.rows if old else [], new.rows if new else []):
            runs = word_diff(before.text if before else "", after.text if after else "")
            shown = after or before
            rows.append(
                RowChange(
                    label=shown.label,
                    runs=runs,
                    changed=has_changes(runs),
                    gone=(after is None) or shown.gone,
                )
            )
        changes.append(
            SectionChange(
                key=key,
                title=(new or old).title,
                changed=any(row.changed for row in rows),
                rows=rows,
            )
        )
    return changes
