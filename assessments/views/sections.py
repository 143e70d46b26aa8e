"""The assessment in the browser: beginning it, the task list, a page per section with drafts
and autosave, concurrent edits reconciled side by side, text posted after the session ended
kept for after signing in, check your answers, and the read-only view (R-ASSESS-1..3, 8).

Every page works without JavaScript. Inputs are named by their path in the section's data
(``general_health.statements.0.whose``), so a problem the service finds is shown beside its
input, and whatever was typed comes back on the page.
"""

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.models import Agency, User
from assessments.framework import (
    OPTIONAL_SECTIONS,
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
    AssessmentSection,
    AssessmentState,
    ContributionState,
    ValidationOutcome,
    ValidationQuery,
)
from assessments.selectors import (
    current_version,
    domain_elements,
    get_assessment_for_user,
    section_keys,
    section_statuses,
    section_title,
    versions_of,
)
from assessments.services import AssessmentError, version_is_editable
from assessments.services import assessment_begin as begin_service
from assessments.services.sections import (
    MAX_STATEMENTS,
    SectionConflict,
    SectionInvalid,
    section_draft_for,
    section_draft_save,
    section_normalise,
    section_problems,
    section_save,
)
from cases.permissions import CHANGE, VIEW, case_access_record, get_case_for_user, user_may

# Text posted to a section after the session ended, kept in the new session by path until
# its author has signed in again (never more than a few pages' worth).
UNSAVED_KEY = "assessment_unsaved"
UNSAVED_PAGES = 5

CHECKLIST_ANSWERS = [("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure")]
YES_NO = [("yes", "Yes"), ("no", "No")]
LEVEL_4 = LevelOfNeed.ACUTE.value


# --- Text posted after the session ended --------------------------------------------------


def _section_path(request: HttpRequest, pk, section) -> str:
    return reverse("assessments:section", kwargs={"pk": pk, "section": section})


def keeps_text_of_signed_out(view):
    """For a section page and its autosave: someone no longer signed in who posts a section
    loses nothing. The posted form is kept in the (new, anonymous) session under the
    section's address; the page sends them to sign in and back, the autosave answers 401
    with what to do. After signing in, the section page makes it their draft."""

    @wraps(view)
    def wrapper(request, pk, section, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, pk, section, *args, **kwargs)
        path = _section_path(request, pk, section)
        if request.method == "POST":
            kept = dict(request.session.get(UNSAVED_KEY, {}))
            fields = {
                name: values
                for name, values in request.POST.lists()
                if name != "csrfmiddlewaretoken"
            }
            kept.pop(path, None)
            kept[path] = {"fields": fields, "at": timezone.now().isoformat()}
            request.session[UNSAVED_KEY] = dict(list(kept.items())[-UNSAVED_PAGES:])
        sign_in = f"{reverse('login')}?next={path}"
        if view is section_autosave_view:
            return JsonResponse(
                {
                    "signed_out": True,
                    "sign_in": sign_in,
                    "message": "You have been signed out. Nothing on this page is lost: "
                    "select ‘Save and come back later’, sign in again, and your text will be "
                    "waiting for you as your draft.",
                },
                status=401,
            )
        if request.method == "POST":
            messages.info(
                request,
                "You were signed out. What you typed is kept: sign in again to carry on.",
            )
        return redirect_to_login(path)

    return wrapper


def _take_unsaved(request) -> dict | None:
    """What its author posted to this page while signed out, taken out of the session. Text
    another person typed stays kept for them (someone else signing in on a shared computer
    first must not destroy it) and is never shown to anyone else."""
    kept = request.session.get(UNSAVED_KEY)
    if not kept or request.path not in kept:
        return None
    entry = kept[request.path]
    author = (entry.get("fields", {}).get("author") or [""])[0]
    if author and str(author) != str(request.user.pk):
        return None
    kept = dict(kept)
    kept.pop(request.path)
    request.session[UNSAVED_KEY] = kept
    return entry


def _restore_unsaved(request, entry: dict, version, key: str) -> None:
    """Text posted to this section while signed out becomes the user's draft (after the
    access check for them), and the page says so. It is given to nobody but the person
    whose form it was."""
    posted = QueryDict(mutable=True)
    for name, values in entry.get("fields", {}).items():
        posted.setlist(name, [str(value) for value in values])
    author = posted.get("author", "")
    if author and author != str(request.user.pk):
        return
    try:
        section_draft_save(
            version=version,
            key=key,
            data=_data_from_post(version, key, posted),
            base_revision=_revision(posted),
            by=request.user,
        )
    except AssessmentError as error:
        messages.error(request, error.message)
        return
    messages.info(
        request,
        "You were signed out before your changes were saved. They are kept as your draft "
        "below: check them, then save the section.",
    )


# --- Reading a posted section ----------------------------------------------------------------


def _revision(post) -> int:
    raw = str(post.get("revision", "")).strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


STATEMENT_FIELD = re.compile(
    r"^([a-z0-9_]+)\.statements\.(\d{1,3})\.(kind|text|whose|nature|by|contribution)$"
)


def _data_from_post(version, key: str, post) -> dict:
    """The section's data as the page posted it (the service normalises and judges it)."""
    if key == Section.ABOUT:
        return {name: post.get(name, "") for name in ("present", "reason", "completing_agency")}
    if key == Section.CHECKLIST:
        return {
            "outcomes": {o: post.get(f"outcomes.{o}", "") for o in Outcome.values},
            "questions": {q: post.get(f"questions.{q}", "") for q in ChecklistQuestion.values},
            "notes": post.get("notes", ""),
        }
    if key == Section.VIEWS:
        return {"child": post.get("child", ""), "parents": post.get("parents", "")}
    if key == Section.CONCLUSIONS:
        return {
            "outcomes_at_risk": post.getlist("outcomes_at_risk"),
            "level_of_need": post.get("level_of_need", ""),
            "priority_groups": post.getlist("priority_groups"),
            "summary": post.get("summary", ""),
        }
    statements: dict[str, dict[int, dict]] = {}
    for name in post:
        match = STATEMENT_FIELD.match(name)
        if match:
            code, index, field = match.group(1), int(match.group(2)), match.group(3)
            statements.setdefault(code, {}).setdefault(index, {})[field] = post.get(name, "")
    data = {}
    for element in domain_elements(version.framework, key):
        code = element["code"]
        rows = statements.get(code, {})
        data[code] = {
            "finding": post.get(f"{code}.finding", ""),
            "statements": [rows[i] for i in sorted(rows)][:MAX_STATEMENTS],
        }
    return data


# --- Building the page's inputs ----------------------------------------------------------------


def _input(name, label, kind, value, errors, *, hint="", choices=(), size="s", extra=None):
    return {
        "name": name,
        "id": name.replace(".", "-"),
        "label": label,
        "kind": kind,
        "value": value,
        "error": errors.get(name, ""),
        "hint": hint,
        "choices": [(str(v), text) for v, text in choices],
        "size": size,
        **(extra or {}),
    }


def _fields(version, key: str, data: dict, errors: dict, extra_rows: dict) -> dict:
    """The inputs of a section page, filled with ``data`` and the problems in ``errors``."""
    if key == Section.ABOUT:
        agencies = Agency.objects.filter(
            tenant_id=version.assessment.tenant_id, is_active=True
        ).order_by("name")
        agency = data.get("completing_agency") or version.completing_agency_id
        return {
            "inputs": [
                _input(
                    "present",
                    "Who was present at the assessment?",
                    "textarea",
                    data.get("present", ""),
                    errors,
                    hint="Names and their relationship to the child, for example "
                    "‘Sam Smith (mother), Jamie (the child)’.",
                ),
                _input(
                    "reason",
                    "Reason for the assessment",
                    "textarea",
                    data.get("reason", ""),
                    errors,
                    hint="What led to the assessment, and who asked for it.",
                ),
                _input(
                    "completing_agency",
                    "Completing agency",
                    "select",
                    str(agency or ""),
                    errors,
                    hint="The agency completing this assessment: usually yours.",
                    choices=[(a.pk, a.name) for a in agencies],
                ),
            ]
        }
    if key == Section.CHECKLIST:
        outcomes = data.get("outcomes", {})
        questions = data.get("questions", {})
        return {
            "outcomes": [
                _input(
                    f"outcomes.{o.value}",
                    f"Is the child on track to {o.label[0].lower()}{o.label[1:]}?",
                    "radios",
                    outcomes.get(o.value, ""),
                    errors,
                    choices=CHECKLIST_ANSWERS,
                    extra={"inline": True},
                )
                for o in Outcome
            ],
            "questions": [
                _input(
                    f"questions.{q.value}",
                    q.label,
                    "radios",
                    questions.get(q.value, ""),
                    errors,
                    choices=YES_NO,
                    extra={"inline": True},
                )
                for q in ChecklistQuestion
            ],
            "inputs": [
                _input("notes", "Notes (optional)", "textarea", data.get("notes", ""), errors)
            ],
        }
    if key == Section.VIEWS:
        return {
            "inputs": [
                _input(
                    "child",
                    "The child's or young person's views, in their own words",
                    "textarea",
                    data.get("child", ""),
                    errors,
                    hint="Write down what they said, as they said it. If they could not give "
                    "their views, say why.",
                    extra={"rows": 8},
                ),
                _input(
                    "parents",
                    "The parents' or carers' views, in their own words",
                    "textarea",
                    data.get("parents", ""),
                    errors,
                    hint="Say whose views they are, for example ‘Mother:’.",
                    extra={"rows": 8},
                ),
            ]
        }
    if key == Section.CONCLUSIONS:
        level = data.get("level_of_need")
        return {
            "inputs": [
                _input(
                    "outcomes_at_risk",
                    "Which Every Child Matters outcomes are at risk?",
                    "checkboxes",
                    [str(v) for v in data.get("outcomes_at_risk", [])],
                    errors,
                    hint="Select all that apply.",
                    choices=Outcome.choices,
                    size="m",
                ),
                _input(
                    "level_of_need",
                    "Level of need",
                    "radios",
                    str(level) if level not in (None, "") else "",
                    errors,
                    hint="Level 4 points to a referral to children's social care.",
                    choices=LevelOfNeed.choices,
                    size="m",
                ),
                _input(
                    "priority_groups",
                    "Priority groups the child comes within",
                    "checkboxes",
                    [str(v) for v in data.get("priority_groups", [])],
                    errors,
                    hint="Any child in one or more of these groups must be considered for a "
                    "CAF. Select all that apply.",
                    choices=PriorityGroup.choices,
                    size="m",
                ),
                _input(
                    "summary",
                    "Summary of the assessment",
                    "textarea",
                    data.get("summary", ""),
                    errors,
                    hint="The main strengths and needs, and what should happen next.",
                    extra={"rows": 8},
                ),
            ]
        }
    elements = []
    for element in domain_elements(version.framework, key):
        code = element["code"]
        entry = data.get(code) or {}
        statements = list(entry.get("statements", []))
        blanks = extra_rows.get(code, 0) + (0 if statements else 1)
        statements += [{} for _ in range(blanks)]
        rows = []
        for index, statement in enumerate(statements[:MAX_STATEMENTS]):
            prefix = f"{code}.statements.{index}"
            rows.append(
                {
                    "index": index,
                    "number": index + 1,
                    "prefix": prefix,
                    "id": prefix.replace(".", "-"),
                    "by": statement.get("by") or "",
                    "contribution": statement.get("contribution") or "",
                    "kind": _input(
                        f"{prefix}.kind",
                        "Strength or need",
                        "radios",
                        statement.get("kind", ""),
                        errors,
                        choices=StatementKind.choices,
                        extra={"inline": True},
                    ),
                    "text": _input(
                        f"{prefix}.text",
                        "Statement",
                        "textarea",
                        statement.get("text", ""),
                        errors,
                        extra={"rows": 3},
                    ),
                    "whose": _input(
                        f"{prefix}.whose",
                        "Whose view is this?",
                        "text",
                        statement.get("whose", ""),
                        errors,
                        hint="For example, Mother, Class teacher, or the child.",
                    ),
                    "nature": _input(
                        f"{prefix}.nature",
                        "Is this a fact, an allegation, an observation or an opinion?",
                        "radios",
                        statement.get("nature", ""),
                        errors,
                        choices=Nature.choices,
                        extra={"inline": True},
                    ),
                }
            )
        elements.append(
            {
                "code": code,
                "title": element["title"],
                "prompt": element.get("prompt", ""),
                "local_prompts": element.get("local_prompts", []),
                "finding": _input(
                    f"{code}.finding",
                    f"What did the assessment find on {element['title'].lower()}?",
                    "radios",
                    entry.get("finding", ""),
                    errors,
                    choices=Finding.choices,
                ),
                "statements": rows,
                "can_add": len(statements) < MAX_STATEMENTS,
            }
        )
    return {"elements": elements}


def _error_list(errors: dict) -> list[tuple[str, str]]:
    return [(name.replace(".", "-"), message) for name, message in errors.items()]


# --- Summaries (check your answers, the read-only view, a conflict) --------------------------


def _choice_label(choices, value) -> str:
    return dict((str(v), label) for v, label in choices).get(str(value), "")


def _users(data_by_key: dict) -> dict[int, str]:
    ids = {
        statement.get("by")
        for data in data_by_key.values()
        for entry in (data.values() if isinstance(data, dict) else [])
        if isinstance(entry, dict)
        for statement in entry.get("statements", [])
        if isinstance(statement, dict)
    }
    ids.discard(None)
    return {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids)}


def section_summary(version, key: str, data: dict, users: dict[int, str]) -> list[dict]:
    """Rows of a summary list of one section as saved (or drafted), on the element list the
    version was written on: label, text, statements with their attribution, and the input a
    "Change" link goes to."""
    data = section_normalise(version, key, data or {})
    rows = []

    def row(label, text, anchor, statements=None):
        rows.append(
            {
                "label": label,
                "text": text,
                "anchor": anchor.replace(".", "-"),
                "statements": statements or [],
            }
        )

    if key == Section.ABOUT:
        agency = Agency.objects.filter(pk=data["completing_agency"]).first()
        row("Who was present", data["present"], "present")
        row("Reason for the assessment", data["reason"], "reason")
        row("Completing agency", agency.name if agency else "", "completing_agency")
    elif key == Section.CHECKLIST:
        for o in Outcome:
            answer = _choice_label(CHECKLIST_ANSWERS, data["outcomes"].get(o.value, ""))
            row(f"On track to {o.label[0].lower()}{o.label[1:]}", answer, f"outcomes.{o.value}")
        for q in ChecklistQuestion:
            answer = _choice_label(YES_NO, data["questions"].get(q.value, ""))
            row(q.label, answer, f"questions.{q.value}")
        row("Notes", data["notes"], "notes")
    elif key == Section.VIEWS:
        row("The child's views", data["child"], "child")
        row("The parents' or carers' views", data["parents"], "parents")
    elif key == Section.CONCLUSIONS:
        row(
            "Outcomes at risk",
            "\n".join(_choice_label(Outcome.choices, o) for o in data["outcomes_at_risk"]),
            "outcomes_at_risk",
        )
        row(
            "Level of need",
            _choice_label(LevelOfNeed.choices, data["level_of_need"]),
            "level_of_need",
        )
        row(
            "Priority groups",
            "\n".join(_choice_label(PriorityGroup.choices, g) for g in data["priority_groups"]),
            "priority_groups",
        )
        row("Summary", data["summary"], "summary")
    else:
        for element in domain_elements(version.framework, key):
            entry = data.get(element["code"], {"finding": "", "statements": []})
            statements = [
                {
                    "kind": _choice_label(StatementKind.choices, s["kind"]),
                    "nature": _choice_label(Nature.choices, s["nature"]),
                    "whose": s["whose"],
                    "text": s["text"],
                    "by": users.get(s["by"], ""),
                }
                for s in entry["statements"]
            ]
            row(
                element["title"],
                _choice_label(Finding.choices, entry["finding"]),
                f"{element['code']}.finding",
                statements,
            )
    return rows


def _saved_sections(version) -> dict[str, AssessmentSection]:
    return {
        s.key: s
        for s in AssessmentSection.objects.filter(version=version).select_related("saved_by")
    }


def _summaries(version, saved: dict) -> list[dict]:
    users = _users({key: s.data for key, s in saved.items()})
    return [
        {
            "key": key,
            "title": section_title(version.framework, key),
            "section": saved.get(key),
            "rows": section_summary(version, key, saved[key].data, users) if key in saved else [],
        }
        for key in section_keys(version)
    ]


def _missing_for_sign_off(version, statuses: dict) -> list[dict]:
    """Required sections not yet completed: all but the optional checklist (R-ASSESS-8)."""
    return [
        {"key": key, "title": section_title(version.framework, key)}
        for key, status in statuses.items()
        if key not in OPTIONAL_SECTIONS and status != SectionStatus.COMPLETED
    ]


# --- Pages ----------------------------------------------------------------------------------


def _editable_version(request, pk):
    assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
    version = current_version(assessment)
    version.assessment = assessment
    return assessment, version


def assessment_begin(request, pk: int):
    """Start the CAF (R-CONSENT-1): without consent to undertake and to record, the case page
    says so; otherwise on to the task list."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method != "POST":
        get_case_for_user(request.user, pk, CHANGE, request=request)
        return redirect("cases:detail", pk=pk)
    case = get_case_for_user(request.user, pk, CHANGE, request=request)
    try:
        begin_service(case=case, by=request.user)
    except AssessmentError as error:
        messages.error(request, error.message)
        return redirect("cases:detail", pk=case.pk)
    return redirect("assessments:tasks", pk=case.pk)


def _login_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


@_login_required
def assessment_view(request, pk: int):
    """The assessment as it stands, read-only, for anyone who may see the case: the current
    version's sections on the element list it was written on, with every statement's
    attribution, and its earlier versions."""
    assessment = get_assessment_for_user(request.user, pk, VIEW, request=request)
    version = current_version(assessment)
    version.assessment = assessment
    case = assessment.case
    saved = _saved_sections(version)
    case_access_record(
        user=request.user,
        case=case,
        request=request,
        detail=f"assessment version {version.number}",
    )
    return render(
        request,
        "assessments/sections/view.html",
        {
            "case": case,
            "assessment": assessment,
            "version": version,
            "summaries": _summaries(version, saved),
            "earlier": [v for v in versions_of(assessment) if v.number < version.number],
            "can_change": user_may(request.user, case, CHANGE),
        },
    )


def _outstanding_queries(assessment) -> list[ValidationQuery]:
    if assessment.state != AssessmentState.RETURNED:
        return []
    return list(
        ValidationQuery.objects.filter(
            validation__assessment=assessment,
            validation__outcome=ValidationOutcome.RETURNED,
            answer="",
        ).order_by("id")
    )


@_login_required
def task_list(request, pk: int):
    """The GOV.UK task list: identifying details from the register, a task per section with
    its status, then check your answers and sign-off."""
    assessment, version = _editable_version(request, pk)
    case = assessment.case
    statuses = section_statuses(version, request.user)
    missing = _missing_for_sign_off(version, statuses)
    case_access_record(user=request.user, case=case, request=request, detail="assessment task list")
    domain_codes = [d["code"] for d in version.framework]
    return render(
        request,
        "assessments/sections/task_list.html",
        {
            "case": case,
            "child": case.child,
            "assessment": assessment,
            "version": version,
            "editable": version_is_editable(version),
            "tasks": [
                {
                    "key": key,
                    "title": section_title(version.framework, key),
                    "status": statuses[key],
                }
                for key in section_keys(version)
            ],
            "domains": [
                {"key": key, "title": section_title(version.framework, key)}
                for key in section_keys(version)
                if key in domain_codes
            ],
            "missing": missing,
            "queries": _outstanding_queries(assessment),
            "level_4": version.level_of_need == LEVEL_4,
            "open_contributions": version.contributions.filter(
                state__in=[ContributionState.REQUESTED, ContributionState.SUBMITTED]
            ).count(),
        },
    )


@_login_required
def check_answers(request, pk: int):
    """Every section as saved, with links to change each answer, and what is still missing
    before the assessment can be signed off."""
    assessment, version = _editable_version(request, pk)
    case = assessment.case
    saved = _saved_sections(version)
    statuses = section_statuses(version, request.user)
    case_access_record(
        user=request.user, case=case, request=request, detail="assessment check answers"
    )
    return render(
        request,
        "assessments/sections/check_answers.html",
        {
            "case": case,
            "assessment": assessment,
            "version": version,
            "summaries": _summaries(version, saved),
            "statuses": statuses,
            "missing": _missing_for_sign_off(version, statuses),
            "editable": version_is_editable(version),
            "level_4": version.level_of_need == LEVEL_4,
        },
    )


def _render_section(request, assessment, version, key, data, revision, errors, **extra):
    context = {
        "case": assessment.case,
        "assessment": assessment,
        "version": version,
        "key": key,
        "title": section_title(version.framework, key),
        "fields": _fields(version, key, data, errors, extra.pop("extra_rows", {})),
        "errors": errors,
        "error_list": _error_list(errors),
        "revision": revision,
        "completed": extra.pop("completed", ""),
        "editable": version_is_editable(version),
        "is_domain": key in {d["code"] for d in version.framework},
        "autosave_url": reverse(
            "assessments:autosave", kwargs={"pk": assessment.case.pk, "section": key}
        ),
        **extra,
    }
    template = "assessments/sections/section.html"
    if "conflict" in extra:
        template = "assessments/sections/reconcile.html"
    return render(request, template, context)


@keeps_text_of_signed_out
def section_edit(request, pk: int, section: str):
    """One section of the assessment: "Save and continue" checks and saves it, completed or
    in progress; "Save and come back later" keeps a draft without checks; a section saved by
    someone else meanwhile is shown beside the user's own text to reconcile."""
    unsaved = _take_unsaved(request)
    assessment, version = _editable_version(request, pk)
    if section not in section_keys(version):
        raise Http404("No such section.")
    if unsaved is not None:
        _restore_unsaved(request, unsaved, version, section)
    case = assessment.case
    saved = AssessmentSection.objects.filter(version=version, key=section).first()
    if request.method != "POST":
        draft = section_draft_for(version, section, request.user)
        case_access_record(
            user=request.user, case=case, request=request, detail=f"assessment section {section}"
        )
        if draft is not None:
            data, revision = draft.data, draft.base_revision
        else:
            data = saved.data if saved else {}
            revision = saved.revision if saved else 0
        completed = ""
        if saved is not None and draft is None:
            completed = "yes" if saved.status == SectionStatus.COMPLETED else "no"
        return _render_section(
            request,
            assessment,
            version,
            section,
            data,
            revision,
            {},
            draft=draft,
            saved=saved,
            completed=completed,
        )

    posted = _data_from_post(version, section, request.POST)
    revision = _revision(request.POST)
    completed = request.POST.get("completed", "")
    add = request.POST.get("add_statement", "")
    remove = request.POST.get("remove_statement", "")
    if add or remove:
        # Adding or removing a statement without JavaScript: the same page again, with
        # everything typed, kept as a draft meanwhile.
        extra_rows = {}
        if add in posted:
            extra_rows[add] = 1
        match = re.fullmatch(r"([a-z0-9_]+)\.(\d{1,3})", remove)
        if match and match.group(1) in posted:
            rows = posted[match.group(1)]["statements"]
            index = int(match.group(2))
            if index < len(rows):
                rows.pop(index)
        errors = {}
        try:
            section_draft_save(
                version=version, key=section, data=posted, base_revision=revision, by=request.user
            )
        except AssessmentError as error:
            errors["__all__"] = error.message
        data = section_normalise(version, section, posted)
        return _render_section(
            request,
            assessment,
            version,
            section,
            data,
            revision,
            errors,
            extra_rows=extra_rows,
            completed=completed,
        )

    if request.POST.get("action") == "later":
        try:
            section_draft_save(
                version=version, key=section, data=posted, base_revision=revision, by=request.user
            )
        except AssessmentError as error:
            data = section_normalise(version, section, posted)
            return _render_section(
                request,
                assessment,
                version,
                section,
                data,
                revision,
                {"__all__": error.message},
                completed=completed,
            )
        messages.success(
            request,
            f"Your changes to ‘{section_title(version.framework, section)}’ are saved as a draft. "
            "Nobody else sees them until you save the section.",
        )
        return redirect("assessments:tasks", pk=case.pk)

    data = section_normalise(version, section, posted)
    errors: dict[str, str] = {}
    if completed not in ("yes", "no"):
        errors = section_problems(version, section, data, completed=False)
        errors["completed"] = "Select whether you have completed this section."
    else:
        try:
            saved = section_save(
                version=version,
                key=section,
                data=posted,
                base_revision=revision,
                completed=completed == "yes",
                by=request.user,
            )
        except SectionConflict as conflict:
            theirs = conflict.theirs
            case_access_record(
                user=request.user,
                case=case,
                request=request,
                detail=f"assessment section {section} (conflict)",
            )
            users = _users({"theirs": theirs.data if theirs else {}, "yours": conflict.yours})
            return _render_section(
                request,
                assessment,
                version,
                section,
                conflict.yours,
                conflict.revision,
                {},
                completed=completed,
                conflict=conflict,
                theirs=theirs,
                theirs_rows=section_summary(version, section, theirs.data if theirs else {}, users),
                yours_rows=section_summary(version, section, conflict.yours, users),
            )
        except SectionInvalid as invalid:
            errors = dict(invalid.errors)
        except AssessmentError as error:
            errors = {"__all__": error.message}
    if errors:
        return _render_section(
            request, assessment, version, section, data, revision, errors, completed=completed
        )
    messages.success(request, f"‘{section_title(version.framework, section)}’ is saved.")
    if section == Section.CONCLUSIONS and saved.data.get("level_of_need") == LEVEL_4:
        messages.warning(request, LEVEL_4_WARNING)
    return redirect("assessments:tasks", pk=case.pk)


LEVEL_4_WARNING = (
    "You chose level of need 4 (acute): this points to a referral to children's social care. "
    "If you think the child is at risk of significant harm, contact children's social care now, "
    "following your local safeguarding procedures, and do not wait for this assessment. You "
    "can still complete and sign off the CAF."
)


@require_POST
def section_autosave_view(request, pk: int, section: str):
    """The autosave of a section page (static/js/autosave.mjs): keeps the form as the user's
    draft and answers when, as JSON."""
    assessment, version = _editable_version(request, pk)
    if section not in section_keys(version):
        raise Http404("No such section.")
    try:
        draft = section_draft_save(
            version=version,
            key=section,
            data=_data_from_post(version, section, request.POST),
            base_revision=_revision(request.POST),
            by=request.user,
        )
    except AssessmentError as error:
        return JsonResponse({"error": error.message}, status=400)
    saved_at = timezone.localtime(draft.saved_at)
    return JsonResponse(
        {"saved_at": saved_at.isoformat(), "saved_at_display": saved_at.strftime("%H:%M")}
    )


section_autosave = keeps_text_of_signed_out(section_autosave_view)
