from rest_framework import serializers

from cases.models import Case, Child


class ChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = Child
        fields = [
            "id",
            "given_name",
            "middle_names",
            "family_name",
            "other_names",
            "date_of_birth",
            "expected_date_of_birth",
            "gender",
            "ethnicity",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "uprn",
            "nhs_number",
            "upn",
        ]


class CaseSerializer(serializers.ModelSerializer):
    child = ChildSerializer(read_only=True)
    reference = serializers.CharField(read_only=True)
    assessor = serializers.StringRelatedField()
    assessor_agency = serializers.StringRelatedField()
    accepts_consent = serializers.BooleanField(
        source="is_open",
        read_only=True,
        help_text="Whether consent or a refusal can be recorded: not on a closed or archived "
        "case, which must be reopened first.",
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "state",
            "child",
            "assessor",
            "assessor_agency",
            "intention_logged_at",
            "assessment_started_on",
            "assessment_completed_on",
            "submitted_on",
            "logged_on",
            "closed_on",
            "accepts_consent",
        ]
        read_only_fields = fields
