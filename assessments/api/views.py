"""The assessment of a case over the API, at /api/assessments/<case id>/: one viewset whose
actions come from one module a concern, all through the same services as the pages and the
access model of the case (404 for a case the caller may not see)."""

from rest_framework import viewsets

from assessments.api.sections import SectionActions
from assessments.api.sign_off import SignOffActions
from assessments.api.validation import ValidationActions
from assessments.api.versions import VersionActions


class AssessmentViewSet(
    SectionActions, SignOffActions, ValidationActions, VersionActions, viewsets.ViewSet
):
    lookup_value_converter = "id"
