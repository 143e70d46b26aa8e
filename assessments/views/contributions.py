"""Contribution pages (R-REF-3): the assessor asks a named practitioner to contribute to a
section; the contributor writes that section only; the assessor accepts or withdraws it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from agencies.models import User
from assessments.framework import DOMAIN_SECTIONS, Nature, StatementKind
from assessments.models import AssessmentSection, Contribution, ContributionState
from assessments.selectors import (
    current_version,
    domain_elements,
    get_assessment_for_user,
    section_keys,
    section_title,
)
from assessments.services import AssessmentError, version_is_editable
from assessments.services.contributions import (
    TEXT_FIELDS,
    contribution_accept,
    contribution_data_clean,
    contribution_submit,
    contribution_withdraw,
    contributor_may_open,
    eligible_contributors,
)
from assessments.services.contributions import (
    contribution_request as request_contribution,
)
from assessments.services.versions import section_rows
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cafsite.validation import parse_id
from cases.permissions import CHANGE, case_access_record

# Empty statement rows offered under each element, beyond those already written: without
# JavaScript, saving offers more.
SPARE_STATEMENTS = 2
MAX_STATEMENTS = 50


class RequestForm(GovukFormMixin, forms.Form):
    contributor = forms.ChoiceField(
        label="Who do you want to ask?",
        help_text="Practitioners of agencies the family agreed to share this case with.",
        error_messages={
            "required": "Choose who to ask.",
            "invalid_choice": "Choose a practitioner from the list.",
        },
    )
    message = forms.CharField(
        label="Your request",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you would like them to write about. It goes to them as a task: do not "
        "include details of the child or family.",
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contributor"].choices = [("", "Choose a practitioner")] + [
            (str(user.pk), f"{user.get_full_name() or user.username} ({agency.name})")
            for user, agency in people
        ]


@login_required
def contribution_request(request, pk: int, section: str):
    """Ask a named practitioner to contribute to one section (R-REF-3)."""
    assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
    version = current_version(assessment)
    version.assessment = assessment
    if section not in section_keys(version):
        raise Http404("No such section.")
    people = eligible_contributors(assessment.case)
    form = RequestForm(request.POST if request.method == "POST" else None, people=people)
    if request.method == "POST" and form.is_valid():
        contributor = User.objects.filter(pk=parse_id(form.cleaned_data["contributor"])).first()
        try:
            contribution = request_contribution(
                version=version,
                key=section,
                contributor=contributor,
                message=form.cleaned_data["message"],
                by=request.user,
            )
        except AssessmentError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "Your request has been sent as a task.")
            return redirect(
                "assessments:contribution_review",
                pk=assessment.case_id,
                contribution_pk=contribution.pk,
            )
    asked = version.contributions.filter(key=section).select_related("contributor", "agency")
    return render(
        request,
        "assessments/contributions_request.html",
        {
            "case": assessment.case,
            "form": form,
            "section_title": section_title(version.framework, section),
            "section": section,
            "people": people,
            "asked": asked,
            "editable": version_is_editable(version),
        },
    )


# --- The contributor's page -----------------------------------------------------------------


def contribution_for_contributor(user, pk, *, request=None) -> Contribution:
    """The contribution ``pk`` if ``user`` is its contributor and may still open it; 404
    otherwise, the same answer as for one that does not exist."""
    contribution_id = parse_id(pk)
    contribution = (
        Contribution.objects.select_related(
            "version__assessment__case__child", "agency", "requested_by", "contributor"
        )
        .filter(pk=contribution_id)
        .first()
        if contribution_id and getattr(user, "is_authenticated", False)
        else None
    )
    if contribution is None or not contributor_may_open(contribution, user):
        access_log_record(
            action=AccessAction.DENIED,
            user=user,
            request=request,
            detail=f"contribution {str(pk)[:40]} not found or not permitted",
        )
        raise Http404("No such contribution.")
    return contribution


def writing_context(contribution: Contribution) -> dict:
    """What the contributor sees: their section's element list and prompts (or its fields),
    never anything else of the assessment."""
    version, key = contribution.version, contribution.key
    return {
        "case": version.assessment.case,
        "contribution": contribution,
        "section_title": section_title(version.framework, key),
        "is_domain": key in DOMAIN_SECTIONS,
        "kinds": StatementKind.choices,
        "natures": Nature.choices,
        "open": contribution.is_outstanding,
    }


def _elements_for_form(contribution: Contribution, data: dict, errors: dict) -> list[dict]:
    elements = []
    for element in domain_elements(contribution.version.framework, contribution.key):
        code = element.get("code")
        written = (data.get(code) or {}).get("statements", [])
        count = min(len(written) + SPARE_STATEMENTS, MAX_STATEMENTS)
        rows = []
        for index in range(count):
            statement = written[index] if index < len(written) else {}
            where = f"{code}-{index}"
            rows.append(
                {
                    "prefix": where,
                    "number": index + 1,
                    "values": statement,
                    "errors": {
                        part: errors.get(f"{where}-{part}")
                        for part in ("kind", "text", "whose", "nature")
                        if errors.get(f"{where}-{part}")
                    },
                }
            )
        elements.append(
            {
                "code": code,
                "title": element.get("title", code),
                "prompt": element.get("prompt", ""),
                "local_prompts": element.get("local_prompts", []),
                "rows": rows,
            }
        )
    return elements


def _posted_data(contribution: Contribution, post) -> dict:
    """The contribution as posted, in the section's shape, every row kept as typed."""
    if contribution.key in DOMAIN_SECTIONS:
        data = {}
        for element in domain_elements(contribution.version.framework, contribution.key):
            code = element.get("code")
            statements = []
            for index in range(MAX_STATEMENTS):
                where = f"{code}-{index}"
                if f"{where}-text" not in post:
                    break
                statements.append(
                    {
                        part: post.get(f"{where}-{part}", "")
                        for part in ("kind", "text", "whose", "nature")
                    }
                )
            data[code] = {"statements": statements}
        return data
    return {name: post.get(name, "") for name, _ in TEXT_FIELDS.get(contribution.key, ())}


def _kept_rows(data: dict) -> dict:
    """Posted statement rows without the blank ones, so a saved page offers fresh rows."""
    return {
        code: {
            "statements": [
                s for s in entry.get("statements", []) if any(str(v).strip() for v in s.values())
            ]
        }
        for code, entry in data.items()
    }


@login_required
def contribution_write(request, pk: int):
    """The contributor writes their section, saves it and sends it to the assessor."""
    contribution = contribution_for_contributor(request.user, pk, request=request)
    case = contribution.version.assessment.case
    errors: dict[str, str] = {}
    general: list[str] = []
    data = contribution.data
    if request.method == "POST":
        if not contribution.is_outstanding:
            general.append("The assessor has already decided on this contribution.")
        else:
            data = _posted_data(contribution, request.POST)
            send = request.POST.get("action") == "send"
            _, errors = contribution_data_clean(contribution.version, contribution.key, data)
            if not errors:
                try:
                    contribution_submit(
                        contribution=contribution, data=data, by=request.user, send=send
                    )
                except AssessmentError as error:
                    if error.field:
                        errors[error.field] = error.message
                    else:
                        general.append(error.message)
                else:
                    messages.success(
                        request,
                        "Your contribution has been sent to the assessor."
                        if send
                        else "Your contribution is saved. It has not been sent yet.",
                    )
                    return redirect("assessments:contribution", pk=contribution.pk)
            if contribution.key in DOMAIN_SECTIONS and not errors:
                data = _kept_rows(data)
    else:
        case_access_record(
            user=request.user,
            case=case,
            request=request,
            detail=f"assessment contribution {contribution.pk} ({contribution.key})",
        )
    context = writing_context(contribution)
    fields = [
        {"name": name, "label": label, "value": data.get(name, ""), "error": errors.get(name)}
        for name, label in TEXT_FIELDS.get(contribution.key, ())
    ]
    summary = [(f"#{field}", message) for field, message in errors.items()]
    context.update(
        {
            "elements": _elements_for_form(contribution, data, errors)
            if contribution.key in DOMAIN_SECTIONS
            else [],
            "fields": fields,
            "error_list": [("#main-content", message) for message in general] + summary,
        }
    )
    return render(request, "assessments/contributions_write.html", context, status=200)


# --- The assessor's review -------------------------------------------------------------------


class DecisionForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("accept", "Accept it into the assessment"),
            ("withdraw", "Withdraw the request"),
        ],
        widget=forms.RadioSelect,
        label="What do you want to do?",
        error_messages={"required": "Choose whether to accept the contribution or withdraw it."},
    )


@login_required
def contribution_review(request, pk: int, contribution_pk: int):
    """The assessor (or anyone who may change the case) reads a contribution beside the
    section as it stands, and accepts it into the section or withdraws the request."""
    assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
    contribution = (
        Contribution.objects.filter(pk=contribution_pk, version__assessment=assessment)
        .select_related("version", "contributor", "agency", "requested_by", "decided_by")
        .first()
    )
    if contribution is None:
        raise Http404("No such contribution.")
    contribution.version.assessment = assessment
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        decide = (
            contribution_accept
            if form.cleaned_data["decision"] == "accept"
            else contribution_withdraw
        )
        try:
            decide(contribution=contribution, by=request.user)
        except AssessmentError as error:
            add_error_to_form(form, error)
        else:
            messages.success(
                request,
                "The contribution has been added to the section."
                if form.cleaned_data["decision"] == "accept"
                else "The request has been withdrawn.",
            )
            return redirect(
                "assessments:contribution_review",
                pk=assessment.case_id,
                contribution_pk=contribution.pk,
            )
    case_access_record(
        user=request.user,
        case=assessment.case,
        request=request,
        detail=f"assessment contribution {contribution.pk} review",
    )
    version = contribution.version
    section = AssessmentSection.objects.filter(version=version, key=contribution.key).first()
    return render(
        request,
        "assessments/contributions_review.html",
        {
            "case": assessment.case,
            "contribution": contribution,
            "form": form,
            "section_title": section_title(version.framework, contribution.key),
            "offered": section_rows(contribution.key, _offered(contribution), version.framework),
            "is_domain": contribution.key in DOMAIN_SECTIONS,
            "current_rows": section_rows(
                contribution.key, section.data if section else {}, version.framework
            ),
            "decidable": contribution.is_outstanding,
            "state": ContributionState,
        },
    )


def _offered(contribution: Contribution) -> dict:
    """The contribution's text in the section's shape, for showing it as the section would."""
    return contribution.data if isinstance(contribution.data, dict) else {}
