"""Beginning, reading and writing the sections of an assessment over the API, through the same
services as the pages: /api/assessments/<case id>/, .../begin/, .../sections/<section>/ and
.../sections/<section>/draft/. A section saved since the caller's revision is answered 409
with both texts; nothing sent is lost (it is kept as the caller's draft)."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assessments.framework import (
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
from assessments.models import AssessmentSection, AssessmentState
from assessments.selectors import (
    current_version,
    domain_elements,
    get_assessment_for_user,
    section_keys,
    section_title,
)
from assessments.services import assessment_begin
from assessments.services.sections import (
    MAX_SHORT,
    MAX_STATEMENTS,
    MAX_TEXT,
    SectionConflict,
    SectionInvalid,
    section_draft_for,
    section_draft_save,
    section_save,
)
from cafsite.api import StrictCharField
from cafsite.validation import MAX_ID
from cases.permissions import CHANGE, VIEW, case_access_record, get_case_for_user

MAX_REVISION = 2**31 - 1


def _text(limit: int = MAX_TEXT):
    return StrictCharField(
        required=False, allow_blank=True, max_length=limit, trim_whitespace=False
    )


def _choice(choices):
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True)


# --- Section data, one serializer a section ---------------------------------------------------


class AboutData(serializers.Serializer):
    present = _text()
    reason = _text()
    completing_agency = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )


class ChecklistOutcomes(serializers.Serializer):
    pass


for _outcome in Outcome:
    ChecklistOutcomes._declared_fields[_outcome.value] = _choice(
        [("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure")]
    )


class ChecklistQuestions(serializers.Serializer):
    pass


for _question in ChecklistQuestion:
    ChecklistQuestions._declared_fields[_question.value] = _choice([("yes", "Yes"), ("no", "No")])


class ChecklistData(serializers.Serializer):
    outcomes = ChecklistOutcomes(required=False)
    questions = ChecklistQuestions(required=False)
    notes = _text()


class ViewsData(serializers.Serializer):
    child = _text()
    parents = _text()


class ConclusionsData(serializers.Serializer):
    outcomes_at_risk = serializers.ListField(
        child=serializers.ChoiceField(choices=Outcome.choices), required=False, max_length=10
    )
    level_of_need = serializers.ChoiceField(
        choices=LevelOfNeed.choices, required=False, allow_null=True
    )
    priority_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=PriorityGroup.choices), required=False, max_length=20
    )
    summary = _text()


class StatementData(serializers.Serializer):
    kind = _choice(StatementKind.choices)
    text = _text()
    whose = _text(MAX_SHORT)
    nature = _choice(Nature.choices)
    by = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Who recorded it: kept for a statement already in the section, otherwise "
        "the caller.",
    )
    contribution = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )


class ElementData(serializers.Serializer):
    finding = _choice(Finding.choices)
    statements = StatementData(many=True, required=False, max_length=MAX_STATEMENTS)


class DomainData(serializers.Serializer):
    """A domain section: ``{element code: {finding, statements}}`` for the elements of the
    version's own element list."""

    def __init__(self, *args, elements: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for code in elements:
            self.fields[code] = ElementData(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError(
                    {code: ["Not an element of this section."] for code in unknown[:20]}
                )
        return super().to_internal_value(data)


FIXED = {
    Section.ABOUT: AboutData,
    Section.CHECKLIST: ChecklistData,
    Section.VIEWS: ViewsData,
    Section.CONCLUSIONS: ConclusionsData,
}

DATA_HELP = (
    "The section's content, shaped as documented in assessments/models.py: about {present, "
    "reason, completing_agency}; checklist {outcomes, questions, notes}; views {child, "
    "parents}; a domain {element code: {finding, statements: [{kind, text, whose, nature}]}}; "
    "conclusions {outcomes_at_risk, level_of_need, priority_groups, summary}."
)


def _section_data(version, key: str, data) -> dict:
    """``data`` checked for its types and choices by the section's serializer; field errors
    are answered under ``data``."""
    if key in FIXED:
        serializer = FIXED[key](data=data)
    else:
        elements = [e["code"] for e in domain_elements(version.framework, key)]
        serializer = DomainData(data=data, elements=elements)
    if not serializer.is_valid():
        raise ValidationError({"data": serializer.errors})
    return dict(serializer.validated_data)


# --- Requests and answers -------------------------------------------------------------------


class SectionIn(serializers.Serializer):
    data = serializers.DictField(help_text=DATA_HELP)
    revision = serializers.IntegerField(
        min_value=0,
        max_value=MAX_REVISION,
        help_text="The revision the data was written from (0 for a section never saved).",
    )
    completed = serializers.BooleanField(
        help_text="Whether the section is completed (all its questions answered) or still "
        "in progress."
    )


class DraftIn(serializers.Serializer):
    data = serializers.DictField(help_text=DATA_HELP)
    revision = serializers.IntegerField(min_value=0, max_value=MAX_REVISION)


class DraftOut(serializers.Serializer):
    data = serializers.DictField()
    base_revision = serializers.IntegerField()
    saved_at = serializers.DateTimeField()


class SectionOut(serializers.Serializer):
    section = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=SectionStatus.choices)
    revision = serializers.IntegerField()
    data = serializers.DictField()
    saved_by = serializers.CharField(allow_null=True)
    saved_at = serializers.DateTimeField(allow_null=True)
    draft = DraftOut(allow_null=True, help_text="Your own unsaved draft of it, if any.")


class ConflictOut(serializers.Serializer):
    detail = serializers.CharField()
    theirs = SectionOut(help_text="The section as saved now, by someone else.")
    yours = serializers.DictField(help_text="What you sent, now kept as your draft.")


class SectionSummaryOut(serializers.Serializer):
    section = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=SectionStatus.choices)
    revision = serializers.IntegerField()
    data = serializers.DictField()


class AssessmentOut(serializers.Serializer):
    case = serializers.IntegerField()
    state = serializers.ChoiceField(choices=AssessmentState.choices)
    started_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    logged_reference = serializers.CharField()
    logged_on = serializers.DateField(allow_null=True)
    current_version = serializers.IntegerField()
    level_of_need = serializers.IntegerField(allow_null=True)
    completing_agency = serializers.CharField(allow_null=True)
    sections = SectionSummaryOut(many=True)


class DraftSavedOut(serializers.Serializer):
    saved_at = serializers.DateTimeField()
    base_revision = serializers.IntegerField()


SECTION_PARAMETER = OpenApiParameter(
    "section",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(Section.values),
    description="A section of the task list (a domain section only where the version's "
    "element list has that domain).",
)


def _section_out(version, key, section, draft) -> dict:
    return {
        "section": key,
        "title": section_title(version.framework, key),
        "status": section.status if section else SectionStatus.NOT_STARTED,
        "revision": section.revision if section else 0,
        "data": section.data if section else {},
        "saved_by": (section.saved_by.get_full_name() or section.saved_by.username)
        if section
        else None,
        "saved_at": section.saved_at if section else None,
        "draft": {
            "data": draft.data,
            "base_revision": draft.base_revision,
            "saved_at": draft.saved_at,
        }
        if draft
        else None,
    }


def assessment_out(assessment, user) -> dict:
    version = current_version(assessment)
    version.assessment = assessment
    saved = {
        s.key: s
        for s in AssessmentSection.objects.filter(version=version).only(
            "key", "status", "revision", "data"
        )
    }
    return {
        "case": assessment.case_id,
        "state": assessment.state,
        "started_on": assessment.started_on,
        "completed_on": version.completed_on,
        "submitted_at": assessment.submitted_at,
        "logged_reference": assessment.logged_reference,
        "logged_on": assessment.logged_on,
        "current_version": version.number,
        "level_of_need": version.level_of_need,
        "completing_agency": version.completing_agency.name if version.completing_agency else None,
        "sections": [
            {
                "section": key,
                "title": section_title(version.framework, key),
                # Saved status; a draft of one's own does not change what others see.
                "status": saved[key].status if key in saved else SectionStatus.NOT_STARTED,
                "revision": saved[key].revision if key in saved else 0,
                "data": saved[key].data if key in saved else {},
            }
            for key in section_keys(version)
        ],
    }


class SectionActions:
    """The assessment's own endpoints and its sections."""

    @extend_schema(request=None, responses={200: AssessmentOut})
    def retrieve(self, request, pk=None):
        """The assessment of the case: state, dates, current version, and each section."""
        assessment = get_assessment_for_user(request.user, pk, VIEW, request=request)
        case_access_record(
            user=request.user, case=assessment.case, request=request, detail="assessment (API)"
        )
        return Response(assessment_out(assessment, request.user))

    @extend_schema(request=None, responses={200: AssessmentOut})
    @action(detail=True, methods=["post"], url_path="begin", url_name="begin")
    def begin(self, request, pk=None):
        """Start the CAF of the case: refused (400) without consent to undertake and to
        record (R-CONSENT-1). Starting one already started returns it."""
        case = get_case_for_user(request.user, pk, CHANGE, request=request)
        assessment = assessment_begin(case=case, by=request.user)
        assessment = get_assessment_for_user(request.user, case.pk, VIEW, request=request)
        # One already begun comes back with what is written in it: a read like any other.
        case_access_record(user=request.user, case=case, request=request, detail="assessment (API)")
        return Response(assessment_out(assessment, request.user))

    def _section_target(self, request, pk, section):
        assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
        version = current_version(assessment)
        version.assessment = assessment
        if section not in section_keys(version):
            raise Http404("No such section.")
        return assessment, version

    @extend_schema(
        parameters=[SECTION_PARAMETER],
        request=SectionIn,
        responses={
            200: SectionOut,
            409: OpenApiResponse(
                ConflictOut,
                description="Saved by someone else since your revision: both texts; yours "
                "is kept as your draft.",
            ),
        },
    )
    @action(
        detail=True,
        methods=["get", "put"],
        url_path="sections/<slug:section>",
        url_name="section",
    )
    def section(self, request, pk=None, section=None):
        """A section: GET its saved data, status and revision (and your draft); PUT saves it,
        completed or in progress, from the revision it was written on."""
        assessment, version = self._section_target(request, pk, section)
        if request.method == "PUT":
            given = SectionIn(data=request.data)
            given.is_valid(raise_exception=True)
            data = _section_data(version, section, given.validated_data["data"])
            try:
                section_save(
                    version=version,
                    key=section,
                    data=data,
                    base_revision=given.validated_data["revision"],
                    completed=given.validated_data["completed"],
                    by=request.user,
                )
            except SectionConflict as conflict:
                theirs = conflict.theirs
                # The answer shows what someone else saved: a read of the section.
                case_access_record(
                    user=request.user,
                    case=assessment.case,
                    request=request,
                    detail=f"assessment section {section} (API, conflict)",
                )
                return Response(
                    {
                        "detail": conflict.message,
                        "theirs": _section_out(version, section, theirs, None),
                        "yours": conflict.yours,
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            except SectionInvalid as invalid:
                raise ValidationError(
                    {"data": {path: [message] for path, message in invalid.errors.items()}}
                ) from invalid
        else:
            case_access_record(
                user=request.user,
                case=assessment.case,
                request=request,
                detail=f"assessment section {section} (API)",
            )
        saved = (
            AssessmentSection.objects.filter(version=version, key=section)
            .select_related("saved_by")
            .first()
        )
        draft = section_draft_for(version, section, request.user)
        return Response(_section_out(version, section, saved, draft))

    @extend_schema(parameters=[SECTION_PARAMETER], request=DraftIn, responses={200: DraftSavedOut})
    @action(
        detail=True,
        methods=["put"],
        url_path="sections/<slug:section>/draft",
        url_name="section-draft",
    )
    def section_draft(self, request, pk=None, section=None):
        """Keep your unsaved work on a section as your draft (no checks of what it says)."""
        assessment, version = self._section_target(request, pk, section)
        given = DraftIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = _section_data(version, section, given.validated_data["data"])
        draft = section_draft_save(
            version=version,
            key=section,
            data=data,
            base_revision=given.validated_data["revision"],
            by=request.user,
        )
        return Response({"saved_at": draft.saved_at, "base_revision": draft.base_revision})
