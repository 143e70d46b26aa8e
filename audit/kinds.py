"""Kinds of action, as a manager filters the trail by them: a small taxonomy over both logs.

Each kind is a set of access-log actions and of models whose change-log rows it covers, so a
filter is ``action IN (…)`` or ``content_type IN (…)``: both served by the logs' indexes
(tenant, action, time) and (tenant, content type, time), no stored column to keep in step.
"""

from django.contrib.contenttypes.models import ContentType

from audit.models import AccessAction

OTHER = "other"


class Kind:
    def __init__(self, label: str, actions=(), models=()):
        self.label = label
        self.actions = [str(a) for a in actions]
        self.models = list(models)  # "app_label.model"


KINDS: dict[str, Kind] = {
    "viewed": Kind("Viewed", [AccessAction.VIEW]),
    "looked_up": Kind("Searched and listed", [AccessAction.SEARCH, AccessAction.LIST]),
    "printed": Kind("Printed", [AccessAction.PRINT]),
    "exported": Kind("Exported", [AccessAction.EXPORT]),
    "refused": Kind("Refused look-ups", [AccessAction.DENIED]),
    "sign_ins": Kind(
        "Sign-ins",
        [
            AccessAction.LOGIN,
            AccessAction.LOGIN_FAILED,
            AccessAction.LOGOUT,
            AccessAction.SECOND_FACTOR_FAILED,
        ],
    ),
    "case": Kind(
        "Changed case details",
        models=[
            "cases.case",
            "cases.child",
            "cases.cafcheck",
            "cases.teammembership",
            "cases.caseuserobjectpermission",
            "cases.casegroupobjectpermission",
            "delivery.caseclosure",
            "delivery.leadproposal",
            "delivery.leaddispute",
        ],
    ),
    "consent": Kind(
        "Consent and sharing",
        models=[
            "consent.consent",
            "consent.consentagency",
            "consent.consentgrant",
            "consent.consentrefusal",
            "consent.refusalescalation",
            "consent.sharingdecision",
        ],
    ),
    "assessment": Kind(
        "Assessment",
        models=[
            "assessments.assessment",
            "assessments.assessmentversion",
            "assessments.assessmentsection",
            "assessments.contribution",
            "assessments.validation",
            "assessments.validationquery",
            "assessments.distribution",
            "assessments.localprompt",
        ],
    ),
    "meetings": Kind(
        "Meetings and forums",
        models=[
            "meetings.tacmeeting",
            "meetings.tacparticipant",
            "meetings.forumseason",
            "meetings.forumcoremember",
            "meetings.forum",
            "meetings.forumsession",
            "meetings.nomination",
            "meetings.nominationattendee",
            "meetings.foruminvitation",
        ],
    ),
    "plan": Kind(
        "Plan and delivery",
        models=[
            "cases.planaction",
            "cases.planactionnote",
            "delivery.casereview",
            "delivery.reviewprogress",
            "referrals.task",
            "referrals.servicerequest",
            "referrals.socialcarereferral",
            "referrals.safeguardingreferral",
            "referrals.tier34involvement",
        ],
    ),
    "retention": Kind(
        "Retention",
        models=[
            "retention.retentionpolicy",
            "retention.retentionpolicychange",
            "retention.legalhold",
            "retention.purgerecord",
        ],
    ),
    "staff": Kind(
        "Staff and access",
        [
            AccessAction.ROLE_GRANTED,
            AccessAction.SIGN_IN_UNLOCKED,
            AccessAction.SECOND_FACTOR_RESET,
            AccessAction.API_TOKEN_ISSUED,
            AccessAction.API_TOKEN_REVOKED,
        ],
        models=[
            "agencies.tenant",
            "agencies.agency",
            "agencies.user",
            "agencies.membership",
            "agencies.trainingrecord",
        ],
    ),
    "audit": Kind("Searched the audit trail", [AccessAction.AUDIT]),
}
KIND_CHOICES = [(key, kind.label) for key, kind in KINDS.items()]
_BY_ACTION = {action: key for key, kind in KINDS.items() for action in kind.actions}
_BY_MODEL = {model: key for key, kind in KINDS.items() for model in kind.models}


def kind_of_access(action: str) -> str:
    return _BY_ACTION.get(str(action), OTHER)


def kind_of_change(label: str) -> str:
    return _BY_MODEL.get(label, OTHER)


def content_type_ids(kind: str) -> list[int]:
    """The content types of a kind's models (ContentType's cache: no query once warm)."""
    ids = []
    for label in KINDS[kind].models:
        app_label, model = label.split(".")
        try:
            ids.append(ContentType.objects.get_by_natural_key(app_label, model).pk)
        except ContentType.DoesNotExist:
            continue
    return ids
