"""Writing the sections of an assessment: saving one, keeping drafts, and the rules a section
must meet (R-ASSESS-1..3, R-ASSESS-8).

A section's data is addressed by paths that are also the names of the page's inputs
(``present``, ``outcomes.be_healthy``, ``general_health.statements.0.whose``), so a problem
found here is shown beside the input it is about, on the page and under the same key in the
API. Nothing typed is lost: a save refused as a concurrent edit keeps the text as the
author's draft (``SectionConflict``); drafts are saved without any check.
"""

from typing import Any

from django.db import transaction

from agencies.models import Agency, User
from assessments.framework import (
    ChecklistQuestion,
    Finding,
    LevelOfNeed,
    Nature,
    Outcome,
    PriorityGroup,
    Section,
    StatementKind,
)
from assessments.models import AssessmentSection, AssessmentVersion, SectionDraft
from assessments.selectors import domain_elements, section_keys
from assessments.services import (
    AssessmentError,
    acting,
    lock,
    require_case_worker,
    signatures_withdraw,
    version_is_editable,
)
from cases.models import Case

# Long enough for any honest answer; a bound so a section stays a page, not a database.
MAX_TEXT = 20_000
MAX_SHORT = 200
# Statements a page may carry for one element.
MAX_STATEMENTS = 50
CHECKLIST_ANSWERS = {"yes", "no", "not_sure"}
YES_NO = {"yes", "no"}


class SectionInvalid(AssessmentError):
    """The section does not meet its rules; ``errors`` maps each input's path to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors


class SectionConflict(AssessmentError):
    """Someone saved the section after the author loaded it (R-ASSESS-2: both texts kept).
    Carries the section as saved now (``theirs``, or None if it was never saved) and the
    author's data, which has been kept as their draft."""

    def __init__(self, *, theirs: AssessmentSection | None, yours: dict) -> None:
        who = theirs.saved_by.get_full_name() if theirs is not None else "someone else"
        super().__init__(
            f"{who or 'Someone else'} saved this section after you opened it. Your changes "
            "are kept as your draft: compare the two, then save again.",
            field="revision",
        )
        self.theirs = theirs
        self.yours = yours

    @property
    def revision(self) -> int:
        return self.theirs.revision if self.theirs is not None else 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return int(value.strip()) or None
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def section_normalise(version: AssessmentVersion, key: str, data: Any) -> dict:
    """``data`` in the section's stored shape: known keys only, text as text, nothing typed
    dropped (an answer outside the choices is kept, for the rules to refuse)."""
    data = data if isinstance(data, dict) else {}
    if key == Section.ABOUT:
        return {
            "present": _text(data.get("present")),
            "reason": _text(data.get("reason")),
            "completing_agency": _id(data.get("completing_agency")),
        }
    if key == Section.CHECKLIST:
        outcomes = data.get("outcomes") if isinstance(data.get("outcomes"), dict) else {}
        questions = data.get("questions") if isinstance(data.get("questions"), dict) else {}
        return {
            "outcomes": {o: _text(outcomes.get(o)) for o in Outcome.values if outcomes.get(o)},
            "questions": {
                q: _text(questions.get(q)) for q in ChecklistQuestion.values if questions.get(q)
            },
            "notes": _text(data.get("notes")),
        }
    if key == Section.VIEWS:
        return {"child": _text(data.get("child")), "parents": _text(data.get("parents"))}
    if key == Section.CONCLUSIONS:
        level = data.get("level_of_need")
        level = level if isinstance(level, int) and not isinstance(level, bool) else _id(level)
        return {
            "outcomes_at_risk": _strings(data.get("outcomes_at_risk")),
            "level_of_need": level,
            "priority_groups": _strings(data.get("priority_groups")),
            "summary": _text(data.get("summary")),
        }
    result = {}
    for element in domain_elements(version.framework, key):
        given = data.get(element["code"])
        if not isinstance(given, dict):
            continue
        statements = []
        raw = given.get("statements") if isinstance(given.get("statements"), list) else []
        for statement in raw[:MAX_STATEMENTS]:
            if not isinstance(statement, dict):
                continue
            clean = {
                "kind": _text(statement.get("kind")),
                "text": _text(statement.get("text")),
                "whose": _text(statement.get("whose")),
                "nature": _text(statement.get("nature")),
                "by": _id(statement.get("by")),
                "contribution": _id(statement.get("contribution")),
            }
            # A row left empty is no statement (the page always offers one more).
            if any(clean[f].strip() for f in ("kind", "text", "whose", "nature")):
                statements.append(clean)
        finding = _text(given.get("finding"))
        if finding or statements:
            result[element["code"]] = {"finding": finding, "statements": statements}
    return result


def section_problems(
    version: AssessmentVersion, key: str, data: dict, *, completed: bool
) -> dict[str, str]:
    """What stops ``data`` (normalised) being saved, by input path. A section marked
    completed must answer every question; one still in progress may leave answers out, but
    whatever it answers must be a valid answer, and every statement must say whose view it is
    and of what nature (R-ASSESS-2)."""
    problems: dict[str, str] = {}

    def required(path: str, value, message: str) -> None:
        if completed and not (value.strip() if isinstance(value, str) else value):
            problems[path] = message

    def long(path: str, value: str, limit: int = MAX_TEXT) -> None:
        if len(value) > limit:
            problems[path] = f"Shorten this to {limit:,} characters or fewer."

    if key == Section.ABOUT:
        required("present", data["present"], "Enter who was present at the assessment.")
        required("reason", data["reason"], "Enter the reason for the assessment.")
        required("completing_agency", data["completing_agency"], "Select the completing agency.")
        long("present", data["present"])
        long("reason", data["reason"])
        agency = data["completing_agency"]
        if (
            agency is not None
            and not Agency.objects.filter(
                pk=agency, tenant_id=version.assessment.tenant_id
            ).exists()
        ):
            problems["completing_agency"] = "Select an agency from the list."
    elif key == Section.CHECKLIST:
        for outcome in Outcome:
            value = data["outcomes"].get(outcome.value, "")
            path = f"outcomes.{outcome.value}"
            if value and value not in CHECKLIST_ANSWERS:
                problems[path] = "Select yes, no or not sure."
            required(path, value, f"Select whether the child is on track to {outcome.label}.")
        for question in ChecklistQuestion:
            value = data["questions"].get(question.value, "")
            path = f"questions.{question.value}"
            if value and value not in YES_NO:
                problems[path] = "Select yes or no."
            required(path, value, f"Answer: {question.label}")
        long("notes", data["notes"])
    elif key == Section.VIEWS:
        required(
            "child",
            data["child"],
            "Enter the child's views in their own words, or why they could not be given.",
        )
        required(
            "parents",
            data["parents"],
            "Enter the parents' or carers' views in their own words, or why they could not "
            "be given.",
        )
        long("child", data["child"])
        long("parents", data["parents"])
    elif key == Section.CONCLUSIONS:
        if any(value not in Outcome.values for value in data["outcomes_at_risk"]):
            problems["outcomes_at_risk"] = "Select outcomes from the list."
        level = data["level_of_need"]
        if level is not None and level not in LevelOfNeed.values:
            problems["level_of_need"] = "Select a level of need from 1 to 4."
        required("level_of_need", level, "Select the level of need.")
        if any(value not in PriorityGroup.values for value in data["priority_groups"]):
            problems["priority_groups"] = "Select priority groups from the list."
        required("summary", data["summary"], "Enter a summary of the assessment.")
        long("summary", data["summary"])
    else:
        for element in domain_elements(version.framework, key):
            code, title = element["code"], element["title"]
            entry = data.get(code, {"finding": "", "statements": []})
            finding = entry["finding"]
            path = f"{code}.finding"
            if finding and finding not in Finding.values:
                problems[path] = "Select one of the answers."
            required(path, finding, f"Select what the assessment found for {title.lower()}.")
            if completed and finding == Finding.STRENGTHS_AND_NEEDS and not entry["statements"]:
                problems[path] = f"Add a strength or a need for {title.lower()}, or select "
                problems[path] += "no concerns or not assessed."
            if (
                completed
                and finding in (Finding.NO_CONCERNS, Finding.NOT_ASSESSED)
                and entry["statements"]
            ):
                problems[path] = (
                    f"You wrote statements on {title.lower()}: select strengths or needs "
                    "recorded, or remove the statements."
                )
            for index, statement in enumerate(entry["statements"]):
                prefix = f"{code}.statements.{index}"
                if not statement["text"].strip():
                    problems[f"{prefix}.text"] = "Enter the statement, or remove it."
                long(f"{prefix}.text", statement["text"])
                if statement["kind"] not in StatementKind.values:
                    problems[f"{prefix}.kind"] = "Select whether this is a strength or a need."
                if not statement["whose"].strip():
                    problems[f"{prefix}.whose"] = (
                        "Enter whose view this is, for example Mother or Class teacher."
                    )
                long(f"{prefix}.whose", statement["whose"], MAX_SHORT)
                if statement["nature"] not in Nature.values:
                    problems[f"{prefix}.nature"] = (
                        "Select whether this is a fact, an allegation, an observation or an "
                        "opinion."
                    )
    return problems


def _attribute(version: AssessmentVersion, key: str, data: dict, stored: dict, by: User) -> None:
    """Who wrote each statement: kept as it was for a statement already in the section word
    for word (the assessor's, or a contributor's accepted text, R-REF-3); a new or changed
    statement is ``by``'s. An attribution cannot be made up by the input, nor carried over to
    other words."""
    if key not in {domain["code"] for domain in version.framework}:
        return
    known = {
        (statement.get("by"), statement.get("contribution"), statement.get("text"))
        for entry in stored.values()
        if isinstance(entry, dict)
        for statement in entry.get("statements", [])
    }
    for entry in data.values():
        for statement in entry["statements"]:
            said = (statement["by"], statement["contribution"], statement["text"])
            if said not in known:
                statement["by"], statement["contribution"] = by.pk, None


def _require_section(version: AssessmentVersion, key: str) -> None:
    if key not in section_keys(version):
        raise AssessmentError("Section not found.", field="section")


def _require_editable(version: AssessmentVersion) -> None:
    if not version_is_editable(version):
        raise AssessmentError(
            "This version of the assessment can no longer be changed: it is signed off, or a "
            "later version exists. Start a new version to change it."
        )


def _draft_store(
    *, version: AssessmentVersion, key: str, data: dict, base_revision: int, by: User
) -> SectionDraft:
    draft, _ = SectionDraft.objects.update_or_create(
        version=version,
        key=key,
        author=by,
        defaults={"data": data, "base_revision": base_revision},
    )
    return draft


def section_draft_save(
    *, version: AssessmentVersion, key: str, data: dict, base_revision: int, by: User
) -> SectionDraft:
    """Keep ``by``'s unsaved work on a section, without any check of what it says: "Save and
    come back later", the autosave, and text posted after a session ended. One draft per
    person and section; the section itself is unchanged. A draft identical to what its author
    has since saved is not kept (it is returned, unstored)."""
    case = version.assessment.case
    require_case_worker(case, by)
    _require_section(version, key)
    data = section_normalise(version, key, data)
    with transaction.atomic():
        version.assessment = lock(version.assessment)
        _require_editable(version)
        saved = AssessmentSection.objects.filter(version=version, key=key).first()
        if (
            saved is not None
            and saved.revision > base_revision
            and saved.saved_by_id == by.pk
            and saved.data == data
        ):
            # An autosave that arrives after its author's own save of the same text: keeping
            # it would later look like someone else's change. Nothing is unsaved.
            SectionDraft.objects.filter(version=version, key=key, author=by).delete()
            return SectionDraft(
                version=version,
                key=key,
                author=by,
                data=data,
                base_revision=saved.revision,
                saved_at=saved.saved_at,
            )
        return _draft_store(
            version=version, key=key, data=data, base_revision=max(base_revision, 0), by=by
        )


def _case_level_of_need_refresh(assessment) -> None:
    """The case keeps the level of its latest version that states one (an in-progress
    conclusions section may not yet), for the reports. A column, not auditable content: the
    version's own change is in the audit trail."""
    level = (
        assessment.versions.filter(level_of_need__isnull=False)
        .order_by("-number")
        .values_list("level_of_need", flat=True)
        .first()
    )
    Case.objects.filter(pk=assessment.case_id).update(level_of_need=level)


def section_draft_for(version: AssessmentVersion, key: str, user: User) -> SectionDraft | None:
    return SectionDraft.objects.filter(version=version, key=key, author=user).first()


def section_save(
    *,
    version: AssessmentVersion,
    key: str,
    data: dict,
    base_revision: int,
    completed: bool,
    by: User,
) -> AssessmentSection:
    """Save a section of the version being written (R-ASSESS-1..3, R-ASSESS-8), completed or
    still in progress, and with it the columns reports read: the completing agency (about)
    and the level of need (conclusions) (R-REPORT-1). Removes ``by``'s draft of it.

    Raises ``SectionConflict`` when the section was saved since ``base_revision`` (the
    author's data is then kept as their draft, nothing lost), ``SectionInvalid`` with every
    problem by input, and ``AssessmentError`` on a version that can no longer change."""
    assessment = version.assessment
    require_case_worker(assessment.case, by)
    _require_section(version, key)
    data = section_normalise(version, key, data)
    conflict = False
    with transaction.atomic():
        assessment = lock(assessment)
        version = AssessmentVersion.objects.select_for_update().get(pk=version.pk)
        version.assessment = assessment
        _require_editable(version)
        section = (
            AssessmentSection.objects.filter(version=version, key=key)
            .select_related("saved_by")
            .first()
        )
        stored_revision = section.revision if section is not None else 0
        if base_revision != stored_revision:
            conflict = True
        else:
            problems = section_problems(version, key, data, completed=completed)
            if problems:
                raise SectionInvalid(problems)
            _attribute(version, key, data, section.data if section else {}, by)
            with acting(by, assessment.case):
                signatures_withdraw(version)
                if section is None:
                    section = AssessmentSection(version=version, key=key)
                section.data = data
                section.status = "completed" if completed else "in_progress"
                section.revision = stored_revision + 1
                section.saved_by = by
                section.full_clean()
                section.save()
                if key == Section.ABOUT:
                    version.completing_agency_id = data["completing_agency"]
                    version.save(update_fields=["completing_agency"])
                elif key == Section.CONCLUSIONS:
                    version.level_of_need = data["level_of_need"]
                    version.save(update_fields=["level_of_need"])
                    _case_level_of_need_refresh(assessment)
            SectionDraft.objects.filter(version=version, key=key, author=by).delete()
            return section
    if conflict:
        # Outside the refused transaction, so that the author's text is kept.
        _draft_store(version=version, key=key, data=data, base_revision=base_revision, by=by)
        raise SectionConflict(theirs=section, yours=data)
    raise AssertionError("unreachable")
