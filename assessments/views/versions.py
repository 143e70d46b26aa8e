"""Pages of an assessment's versions (R-ASSESS-7): making a new one, reading any one as it
was written, and comparing an earlier one with the current one word by word."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from assessments.diff import DELETE, EQUAL, INSERT, joined
from assessments.models import LARGEST_VERSION_NUMBER, VersionReason
from assessments.selectors import current_version, get_assessment_for_user, versions_of
from assessments.services import AssessmentError, version_is_editable
from assessments.services import versions as services
from assessments.services.versions import (
    NEW_VERSION_REASONS,
    describe_contribution,
    outstanding_contributions,
    version_create,
    version_sections,
)
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cases.permissions import CHANGE, case_access_record

# A version number beyond a small integer names no version (and must not reach the database).


class NewVersionForm(GovukFormMixin, forms.Form):
    reason = forms.ChoiceField(
        choices=[(reason.value, reason.label) for reason in NEW_VERSION_REASONS],
        widget=forms.RadioSelect,
        label="Why is the assessment being updated?",
        error_messages={"required": "Choose why the assessment is being updated."},
    )


def version_of(assessment, number: int):
    """Version ``number`` of ``assessment``, or 404 (as for a case that does not exist)."""
    if not 0 < number <= LARGEST_VERSION_NUMBER:
        raise Http404("No such version.")
    version = assessment.versions.filter(number=number).select_related("created_by").first()
    if version is None:
        raise Http404("No such version.")
    version.assessment = assessment
    return version


@login_required
def version_new(request, pk: int):
    """Confirm and make a new version (R-ASSESS-7); refused, naming each one, while
    contributions are outstanding (R-REF-3)."""
    assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
    latest = current_version(assessment)
    form = NewVersionForm(
        request.POST if request.method == "POST" else None, initial={"reason": VersionReason.UPDATE}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = version_create(
                assessment=assessment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except AssessmentError as error:
            add_error_to_form(form, error)
        else:
            messages.success(
                request,
                f"Version {version.number} made. Version {latest.number} is kept as it was.",
            )
            return redirect("assessments:version", pk=assessment.case_id, number=version.number)
    return render(
        request,
        "assessments/versions_new.html",
        {
            "case": assessment.case,
            "assessment": assessment,
            "latest": latest,
            "form": form,
            "outstanding": [
                (c, describe_contribution(c)) for c in outstanding_contributions(latest)
            ],
        },
    )


@login_required
def version_view(request, pk: int, number: int):
    """One version as it was written, on its own element list; nothing on it can be changed."""
    assessment = get_assessment_for_user(request.user, pk, request=request)
    version = version_of(assessment, number)
    versions = versions_of(assessment)
    case_access_record(
        user=request.user,
        case=assessment.case,
        request=request,
        detail=f"assessment version {version.number}",
    )
    return render(
        request,
        "assessments/versions_view.html",
        {
            "case": assessment.case,
            "assessment": assessment,
            "version": version,
            "versions": versions,
            "current": versions[-1],
            "is_current": version.pk == versions[-1].pk,
            "editable": version_is_editable(version),
            "sections": version_sections(version),
        },
    )


def diff_chunks(runs) -> list[dict]:
    """Runs of words for the template: their text, and whether they were added or removed."""
    labels = {EQUAL: "", INSERT: "added", DELETE: "removed"}
    return [{"op": op, "label": labels[op], "text": joined(words)} for op, words in runs]


@login_required
def version_compare(request, pk: int, number: int):
    """Version ``number`` against the current one, section by section and element by
    element, changes word by word; unchanged sections say so and are folded away."""
    assessment = get_assessment_for_user(request.user, pk, request=request)
    earlier = version_of(assessment, number)
    current = current_version(assessment)
    changes = services.version_compare(earlier, current)
    case_access_record(
        user=request.user,
        case=assessment.case,
        request=request,
        detail=f"assessment version {earlier.number} compared with {current.number}",
    )
    for section in changes:
        for row in section.rows:
            row.chunks = diff_chunks(row.runs)
    return render(
        request,
        "assessments/versions_compare.html",
        {
            "case": assessment.case,
            "assessment": assessment,
            "earlier": earlier,
            "current": current,
            "changes": changes,
            "any_changes": any(section.changed for section in changes),
        },
    )
