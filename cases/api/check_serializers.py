"""The existing-CAF check over the API: what a match may show, and the decision inputs."""

from rest_framework import serializers

from agencies.models import Agency
from cafsite.api import StrictCharField
from cafsite.validation import (
    MAX_ID,
    validate_date_of_birth,
    validate_expected_date_of_birth,
    validate_search_date_of_birth,
)
from cases.models import CafCheck, Ethnicity, Gender
from cases.permissions import cases_for_user
from referrals.models import Tier34Involvement


class CheckSearchSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    given_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    family_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, validators=[validate_search_date_of_birth]
    )
    postcode = StrictCharField(max_length=10, required=False, allow_blank=True)
    nhs_number = StrictCharField(max_length=12, required=False, allow_blank=True)
    upn = StrictCharField(max_length=15, required=False, allow_blank=True)
    has_learning_difficulty = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Another tenant's agency is "does not exist", not "forbidden".
            self.fields["agency"].queryset = Agency.objects.filter(tenant_id=user.tenant_id)


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    job_title = serializers.CharField()
    agency = serializers.CharField()
    telephone = serializers.CharField()
    email = serializers.CharField()


class ExistingCafSerializer(serializers.Serializer):
    """Existence, state and whom to contact; the reference only to those who may open it."""

    state = serializers.CharField()
    is_open = serializers.BooleanField()
    closed_on = serializers.DateField(allow_null=True)
    # Closed because the family did not engage (R-CLOSE-1).
    risk_flagged = serializers.BooleanField()
    reference = serializers.CharField(allow_null=True)
    contact = ContactSerializer()


class InvolvementSerializer(serializers.ModelSerializer):
    keyworker_agency = serializers.StringRelatedField()

    class Meta:
        model = Tier34Involvement
        fields = [
            "id",
            "kind",
            "keyworker_name",
            "keyworker_agency",
            "keyworker_email",
            "keyworker_telephone",
        ]


class MatchSerializer(serializers.Serializer):
    child_id = serializers.IntegerField()
    name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    postcode = serializers.CharField()
    strength = serializers.CharField()
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())
    caf = ExistingCafSerializer(allow_null=True)
    tier34_involvements = InvolvementSerializer(many=True)


def match_data(result) -> dict:
    child, case = result.child, result.latest_case
    caf = None
    if result.archived:
        # Only that a CAF existed, and the CAF team to ask (R-RET-1).
        team = result.contact_agency
        caf = {
            "state": case.state,
            "is_open": False,
            "closed_on": None,
            "risk_flagged": False,
            "reference": case.reference if result.can_open_case else None,
            "contact": {
                "name": team.name if team else "",
                "job_title": "",
                "agency": team.name if team else "",
                "telephone": team.telephone if team else "",
                "email": team.email if team else "",
            },
        }
    elif case is not None:
        contact, agency = result.contact, result.contact_agency
        caf = {
            "state": case.state,
            "is_open": case.is_open,
            "closed_on": case.closed_on,
            "risk_flagged": result.risk_flagged,
            "reference": case.reference if result.can_open_case else None,
            "contact": {
                "name": contact.get_full_name() or contact.username,
                "job_title": contact.job_title,
                "agency": agency.name,
                "telephone": contact.telephone or agency.telephone,
                "email": contact.email,
            },
        }
    return {
        "child_id": child.pk,
        "name": child.full_name,
        "date_of_birth": child.date_of_birth or child.expected_date_of_birth,
        "postcode": child.postcode,
        "strength": result.match.strength.name.lower(),
        "score": result.match.score,
        "reasons": result.match.reasons,
        "caf": caf,
        "tier34_involvements": result.involvements,
    }


class CheckSerializer(serializers.ModelSerializer):
    by = serializers.StringRelatedField()
    agency = serializers.StringRelatedField()
    case_reference = serializers.SerializerMethodField()

    class Meta:
        model = CafCheck
        fields = [
            "id",
            "by",
            "agency",
            "searched_at",
            "given_name",
            "family_name",
            "date_of_birth",
            "postcode",
            "match_count",
            "outcome",
            "decided_at",
            "case_reference",
        ]
        read_only_fields = fields

    def get_case_reference(self, check) -> str | None:
        """Only to those who can open the case: a check shows that a CAF exists, and who to
        contact, never its reference (R-CHECK-1)."""
        request = self.context.get("request")
        if not check.case_id or request is None:
            return None
        if not cases_for_user(request.user).filter(pk=check.case_id).exists():
            return None
        return check.case.reference


class NewChildSerializer(serializers.Serializer):
    given_name = StrictCharField(max_length=100)
    middle_names = StrictCharField(max_length=200, required=False, allow_blank=True)
    family_name = StrictCharField(max_length=100)
    other_names = StrictCharField(max_length=300, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, validators=[validate_date_of_birth]
    )
    expected_date_of_birth = serializers.DateField(
        required=False, allow_null=True, validators=[validate_expected_date_of_birth]
    )
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, required=False)
    address_line_1 = StrictCharField(max_length=200, required=False, allow_blank=True)
    address_line_2 = StrictCharField(max_length=200, required=False, allow_blank=True)
    town = StrictCharField(max_length=100, required=False, allow_blank=True)
    postcode = StrictCharField(max_length=10, required=False, allow_blank=True)
    uprn = StrictCharField(max_length=12, required=False, allow_blank=True)
    nhs_number = StrictCharField(max_length=12, required=False, allow_blank=True)
    upn = StrictCharField(max_length=15, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("date_of_birth") and not attrs.get("expected_date_of_birth"):
            raise serializers.ValidationError(
                {"date_of_birth": "Enter a date of birth, or an expected date for an unborn child."}
            )
        return {k: v for k, v in attrs.items() if v not in ("", None)}


class DecisionSerializer(serializers.Serializer):
    ACTIONS = [
        "start",
        "new_child",
        "join",
        "reopen",
        "new_episode",
        "tier34_concern",
        "child_protection",
        "out_of_scope",
    ]
    action = serializers.ChoiceField(choices=ACTIONS)
    child = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    involvement = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    message = StrictCharField(required=False, allow_blank=True, max_length=2000)
    new_child = NewChildSerializer(required=False)
    confirm_new_child = serializers.BooleanField(required=False, default=False)
    referred_to = StrictCharField(required=False, allow_blank=True, max_length=200)
    referred_on = serializers.DateField(required=False)
    reference = StrictCharField(required=False, allow_blank=True, max_length=50)

    def validate(self, attrs):
        needs = {
            "start": ["child"],
            "join": ["child"],
            "reopen": ["child"],
            "new_episode": ["child"],
            "new_child": ["new_child"],
            "tier34_concern": ["involvement"],
            "child_protection": ["referred_to", "referred_on"],
        }.get(attrs["action"], [])
        missing = {name: "This field is required." for name in needs if not attrs.get(name)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class CheckResultSerializer(serializers.Serializer):
    """A recorded check with what it found."""

    check = CheckSerializer()
    out_of_scope = serializers.BooleanField()
    matches = MatchSerializer(many=True)
