"""The audit trail in words (R-AUDIT-1): entries of both logs as a manager reads them.

``describe_entries`` turns change-log and access-log rows into ``TrailEntry`` values: who
(name, role, agency), when, from where, and what in a practitioner's terms, with a label,
the value before and the value after for each field changed. Pages, exports and the API show
these, never the raw rows.

Bookkeeping rows written by the same action (object permissions, the agencies of a consent,
a meeting's participants) are folded into the entry of the action that caused them: the same
actor, about the same case or child, next to each other in the trail and within a couple of
seconds. Folding only joins neighbours, so a page cut between entries never loses a row.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, Membership, User
from audit.kinds import kind_of_access, kind_of_change
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from cases.permissions import cases_for_user, casework_access

# How far apart the rows of one action may be written.
FOLD_WINDOW = timedelta(seconds=2)
# Longer text is cut at a word, with an ellipsis.
TEXT_LIMIT = 80
# Columns that say nothing to a reader: keys, counters and timestamps of the row itself.
NOISE_FIELDS = {
    "id",
    "tenant",
    "case",
    "version",
    "revision",
    "updated_at",
    "created_at",
    "idempotency_key",
}
# Rows that are always part of something else: who may open a case (guardian).
PERMISSION_MODELS = {"cases.caseuserobjectpermission", "cases.casegroupobjectpermission"}
# Rows folded into the entry of their parent written by the same action.
CHILD_ROWS = {
    "consent.consentagency": "consent.consent",
    "consent.consentgrant": "consent.consent",
    "meetings.tacparticipant": "meetings.tacmeeting",
    "meetings.nominationattendee": "meetings.nomination",
    "delivery.reviewprogress": "delivery.casereview",
    "retention.retentionpolicychange": "retention.retentionpolicy",
    "assessments.assessmentversion": "assessments.assessment",
    "assessments.assessmentsection": "assessments.assessmentversion",
}
EMPTY = "not set"


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str

    def __str__(self) -> str:
        if not self.before:
            return f"{self.label}: {self.after or EMPTY}"
        return f"{self.label}: {self.before} → {self.after or EMPTY}"


@dataclass
class TrailEntry:
    log: str  # "changes" or "access"
    pk: int
    at: datetime
    who: str  # the person's name, or "System" for a scheduled job
    role: str
    agency: str
    from_where: str
    summary: str  # one sentence in a practitioner's terms
    changes: list[FieldChange] = field(default_factory=list)
    case_id: int | None = None
    child_id: int | None = None
    # Bookkeeping rows (object permissions, sound keys) folded into this entry.
    folded: int = 0
    # What was folded, in words, for a details element.
    folded_lines: list[str] = field(default_factory=list)
    kind: str = ""  # one of audit.kinds.KINDS
    kind_action: str = ""  # the access log's action
    model: str = ""  # the change log's "app_label.model"
    user_id: int | None = None
    # The last row of the action the entry belongs to (one action may make several entries):
    # where the next page starts (keyset).
    last_key: tuple | None = None

    @property
    def case_reference(self) -> str:
        return f"CAF-{self.case_id:06d}" if self.case_id else ""

    @property
    def cursor(self) -> str:
        at, log, pk = self.last_key or (self.at, self.log, self.pk)
        return f"{at.isoformat()}_{log}_{pk}"

    @property
    def sentence(self) -> str:
        """The summary with who acted: "Consent recorded by Daniel Kowalski (Northshire
        Police): shared with 4 agencies"."""
        agency = f" ({self.agency})" if self.agency else ""
        if self.log == "access":  # "Thomas Lewis (Police) viewed CAF-000012"
            verb = "was " if self.kind == "refused" else ""
            return f"{self.who}{agency} {verb}{lower_first(self.summary)}"
        headline, _, rest = self.summary.partition(": ")
        by = f" by {self.who}{agency}"
        return f"{headline}{by}: {rest}" if rest else f"{headline}{by}"


# ---------------------------------------------------------------------------------------------
# Values


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",.;:") + "…"


def sentence_case(text: str) -> str:
    text = str(text)
    return text[:1].upper() + text[1:] if text else text


def _is_empty(raw) -> bool:
    return raw is None or raw in ("", "None", "null", "[]", "{}")


@dataclass
class _Names:
    """Names of the people and agencies the entries mention, loaded once for a page."""

    users: dict = field(default_factory=dict)
    agencies: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)  # (user, agency) -> role label
    memberships: dict = field(default_factory=dict)  # user -> [(agency id, role label)]
    group_agencies: dict = field(default_factory=dict)  # auth group -> agency

    def user(self, pk) -> str:
        user = self.users.get(_int(pk))
        return (user.get_full_name() or user.username) if user else ""

    def agency(self, pk) -> str:
        agency = self.agencies.get(_int(pk))
        return agency.name if agency else ""


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _model_field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_reverse(model, name: str) -> bool:
    """A reverse relation auditlog lists on a new row (``later_episodes``): not the row's own
    value, and never changed by it."""
    model_field = _model_field(model, name)
    return model_field is not None and model_field.auto_created and not model_field.concrete


def lower_first(text: str) -> str:
    """ "Manager" → "manager", but "CAF coordinator" stays as it is."""
    text = str(text)
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def label_for(model, name: str) -> str:
    model_field = _model_field(model, name)
    if model_field is None or not hasattr(model_field, "verbose_name"):
        return sentence_case(name.replace("_", " "))
    return sentence_case(model_field.verbose_name)


def value_in_words(model_field, raw, names: _Names) -> str:
    """One stored value as a reader reads it: dd/mm/yyyy, choice labels, names, Yes/No."""
    if _is_empty(raw):
        return ""
    if isinstance(raw, list | dict):
        return shorten(", ".join(str(v) for v in raw) if isinstance(raw, list) else str(raw))
    text = str(raw)
    if model_field is None:
        return shorten(text)
    if getattr(model_field, "choices", None):
        labels = {str(k): str(v) for k, v in model_field.flatchoices}
        return labels.get(text, text)
    if isinstance(model_field, models.BooleanField):
        return {"True": "Yes", "False": "No"}.get(text, text)
    if isinstance(model_field, models.DateTimeField):
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            return text
        if timezone.is_naive(stamp):  # auditlog stores UTC without the zone
            stamp = stamp.replace(tzinfo=UTC)
        return timezone.localtime(stamp).strftime("%d/%m/%Y %H:%M")
    if isinstance(model_field, models.DateField):
        try:
            return date.fromisoformat(text[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return text
    if isinstance(model_field, models.TimeField):
        return text[:5]
    if isinstance(model_field, models.FileField):
        return text.rsplit("/", 1)[-1]
    if model_field.is_relation and model_field.related_model is not None:
        related = model_field.related_model
        if related is User:
            return names.user(text) or f"person {text}"
        if related is Agency:
            return names.agency(text) or f"agency {text}"
        if related._meta.label_lower == "cases.case" and _int(text):
            return f"CAF-{int(text):06d}"
        if related._meta.label_lower == "cases.child":
            return f"child {text}"
        return f"{related._meta.verbose_name} {text}"
    if isinstance(model_field, models.JSONField):
        return shorten(text.strip("[]{}").replace('"', ""))
    return shorten(text)


# ---------------------------------------------------------------------------------------------
# Change-log entries


@dataclass
class _Change:
    """One change-log row read: its model, its raw changes and its values in words."""

    entry: ChangeLogEntry
    model: type | None
    label: str  # app_label.model
    raw: dict
    names: _Names

    @property
    def created(self) -> bool:
        return self.entry.action == ChangeLogEntry.Action.CREATE

    @property
    def deleted(self) -> bool:
        return self.entry.action == ChangeLogEntry.Action.DELETE

    def has(self, name: str) -> bool:
        return name in self.raw

    def before(self, name: str) -> str:
        return self._word(name, 0)

    def after(self, name: str) -> str:
        return self._word(name, 1)

    def set_now(self, name: str) -> bool:
        """The field was given a value by this change."""
        return self.has(name) and not _is_empty(self._raw(name, 1))

    def _raw(self, name: str, index: int):
        values = self.raw.get(name)
        if isinstance(values, list | tuple) and len(values) == 2:
            return values[index]
        return None

    def _word(self, name: str, index: int) -> str:
        return value_in_words(_model_field(self.model, name), self._raw(name, index), self.names)

    def field_changes(self) -> list[FieldChange]:
        changes = []
        for name, values in self.raw.items():
            if name in NOISE_FIELDS or _is_reverse(self.model, name):
                continue
            if isinstance(values, dict):  # many-to-many: {"type": "m2m", "objects": [...]}
                operation = "added" if values.get("operation") == "add" else "removed"
                objects = ", ".join(str(o) for o in values.get("objects", []))
                changes.append(
                    FieldChange(label_for(self.model, name), "", f"{operation}: {shorten(objects)}")
                )
                continue
            before, after = self.before(name), self.after(name)
            if before == after:
                continue
            changes.append(FieldChange(label_for(self.model, name), before, after))
        return changes

    @property
    def verbose_name(self) -> str:
        if self.model is not None:
            return str(self.model._meta.verbose_name)
        return self.entry.content_type.name if self.entry.content_type_id else "record"

    @property
    def case_reference(self) -> str:
        return f"CAF-{self.entry.case_id:06d}" if self.entry.case_id else "the case"


def _state_sentence(change: _Change, thing: str, name: str = "state") -> str | None:
    if change.has(name) and not change.created:
        return f"{thing} moved from {change.before(name)} to {change.after(name)}"
    return None


def _case(c: _Change) -> str:
    if c.created:
        return f"Case {c.case_reference} opened"
    if c.has("state"):
        after = c.after("state")
        return f"Case {c.case_reference} moved from {c.before('state')} to {after}"
    if c.has("lead_professional"):
        lead = c.after("lead_professional") or "nobody"
        agency = c.after("lead_agency")
        return f"Lead professional changed to {lead}" + (f" ({agency})" if agency else "")
    return f"Case {c.case_reference} details changed"


def _child(c: _Change) -> str:
    if c.created:
        return f"Child registered (register id {c.entry.object_pk})"
    changed = [change for change in c.field_changes()]
    if len(changed) == 1:
        one = changed[0]
        if one.before and one.after:
            return f"{one.label} changed from {one.before} to {one.after}"
        return f"{one.label} {'set to ' + one.after if one.after else 'cleared'}"
    return "Child's details changed"


def _consent(c: _Change, folded: list[_Change]) -> str:
    if c.created:
        granted = [f for f in folded if f.label == "consent.consentgrant" and f.created]
        named = [f for f in folded if f.label == "consent.consentagency" and f.created]
        excluded = [f.after("agency") for f in named if f.after("excluded") == "Yes"]
        parts = [f"given by {lower_first(c.after('given_by'))}" if c.after("given_by") else ""]
        if granted:
            count = len(granted)
            parts.append(f"shared with {count} agenc{'y' if count == 1 else 'ies'}")
        elif c.raw.get("share_scope", [None, None])[1] == "none":
            parts.append(lower_first(c.after("share_scope")))
        else:
            parts.append("shared with no other agency")
        if excluded:
            parts.append(f"{', '.join(excluded)} excluded")
        return "Consent recorded: " + ", ".join(p for p in parts if p)
    if c.set_now("withdrawn_on"):
        note = c.after("withdrawal_note")
        return f"Consent withdrawn on {c.after('withdrawn_on')}" + (f": {note}" if note else "")
    return "Consent changed"


def _consent_agency(c: _Change) -> str:
    agency = c.after("agency") or c.before("agency")
    if c.set_now("withdrawn_on"):
        return f"Consent to share with {agency or 'an agency'} withdrawn"
    if c.after("excluded") == "Yes":
        return f"{agency or 'An agency'} excluded from sharing"
    return f"Sharing with {agency or 'an agency'} changed"


def _consent_grant(c: _Change) -> str:
    agency = c.after("agency") or "an agency"
    if c.set_now("revoked_at"):
        return f"Access under consent ended for {agency}"
    return f"Access under consent given to {agency}"


def _refusal(c: _Change) -> str:
    if c.created:
        by = c.after("refused_by")
        return "Consent refused" + (f" by {lower_first(by)}" if by else "")
    return "Consent refusal changed"


def _sharing(c: _Change) -> str:
    if c.created:
        ground = c.after("ground")
        return f"Sharing decision: shared with {c.after('shared_with') or 'another service'}" + (
            f" ({lower_first(ground)})" if ground else ""
        )
    return "Sharing decision changed"


def _assessment(c: _Change) -> str:
    if c.created:
        return "Assessment started"
    if c.set_now("logged_reference"):
        return f"Assessment logged as {c.after('logged_reference')}"
    if c.set_now("submitted_at"):
        return "Assessment submitted"
    return _state_sentence(c, "Assessment") or "Assessment changed"


def _version(c: _Change) -> str:
    if c.created:
        reason = c.after("reason")
        return f"Assessment version {c.after('number')} started" + (
            f" ({lower_first(reason)})" if reason else ""
        )
    if c.set_now("signed_off_by"):
        return f"Assessment signed off by {c.after('signed_off_by')}"
    if c.set_now("family_signed_on"):
        return "Family's signature recorded on the assessment"
    if c.set_now("level_of_need"):
        return f"Level of need set to {c.after('level_of_need')}"
    return "Assessment details changed"


def _section(c: _Change) -> str:
    section = c.after("key") or c.before("key") or "a section"
    status = c.after("status")
    return f"Assessment section “{section}” saved" + (f" ({lower_first(status)})" if status else "")


def _contribution(c: _Change) -> str:
    agency = c.after("agency") or c.before("agency")
    if c.created:
        return "Contribution to the assessment asked for" + (f" from {agency}" if agency else "")
    return _state_sentence(c, "Contribution") or "Contribution changed"


def _validation(c: _Change) -> str:
    if c.created:
        return "Assessment submitted for validation"
    if c.set_now("outcome"):
        return f"Assessment validation: {c.after('outcome')}"
    return "Validation changed"


def _validation_query(c: _Change) -> str:
    if c.created:
        return f"Validation query raised: {c.after('question')}"
    if c.set_now("answer"):
        return f"Validation query answered: {c.after('answer')}"
    return "Validation query changed"


def _distribution(c: _Change) -> str:
    who = c.after("recipient_name") or c.after("agency") or c.after("recipient")
    return f"Copy of the assessment given to {who or 'a recipient'}"


def _meeting(c: _Change, folded: list[_Change]) -> str:
    if c.created:
        when, venue = c.after("scheduled_at"), c.after("venue")
        invited = [f for f in folded if f.label == "meetings.tacparticipant" and f.created]
        text = "TAC meeting arranged" + (f" for {when}" if when else "")
        text += f" at {venue}" if venue else ""
        return text + (f": {len(invited)} invited" if invited else "")
    if c.set_now("held_on"):
        return f"TAC meeting recorded as held on {c.after('held_on')}"
    if c.set_now("cancelled_reason"):
        return f"TAC meeting cancelled: {c.after('cancelled_reason')}"
    return _state_sentence(c, "TAC meeting") or "TAC meeting details changed"


def _participant(c: _Change) -> str:
    who = c.after("user") or c.after("name") or c.after("agency") or "a participant"
    if c.created:
        return f"{who} invited to the TAC meeting"
    if c.has("response"):
        return f"TAC meeting reply from {who}: {c.after('response')}"
    if c.has("attended"):
        return f"{who} {'attended' if c.after('attended') == 'Yes' else 'did not attend'}"
    return "TAC participant changed"


def _nomination(c: _Change) -> str:
    if c.created:
        kind = c.after("kind")
        return "Nominated to the forum" + (f" ({lower_first(kind)})" if kind else "")
    return _state_sentence(c, "Nomination") or "Nomination changed"


def _plan_action(c: _Change) -> str:
    action = c.after("action") or c.before("action")
    what = f"“{shorten(action, 60)}”" if action else "a plan action"
    if c.created:
        return f"Plan action added: {what}"
    if c.has("status"):
        return f"Plan action {what} marked {lower_first(c.after('status'))}"
    return f"Plan action {what} changed"


def _lead_proposal(c: _Change) -> str:
    proposed = c.after("proposed") or c.before("proposed") or "someone"
    agency = c.after("proposed_agency")
    if c.created:
        return f"Proposed {proposed}" + (f" ({agency})" if agency else "") + " as lead"
    return _state_sentence(c, "Lead professional proposal") or "Lead proposal changed"


def _lead_dispute(c: _Change) -> str:
    if c.created:
        return f"Lead professional disputed: {c.after('about')}"
    return _state_sentence(c, "Lead professional dispute") or "Lead dispute changed"


def _review(c: _Change) -> str:
    if c.created:
        decision = c.after("decision")
        return "Review recorded" + (f": {lower_first(decision)}" if decision else "")
    return "Review changed"


def _closure(c: _Change) -> str:
    if c.created:
        reason = c.after("reason")
        return f"Case {c.case_reference} closed" + (f": {lower_first(reason)}" if reason else "")
    if c.set_now("reopened_on"):
        reason = c.after("reopen_reason")
        return f"Case {c.case_reference} reopened" + (f": {reason}" if reason else "")
    return "Closure changed"


def _task(c: _Change) -> str:
    kind = c.after("kind") or c.before("kind") or "task"
    if c.created:
        to = c.after("assigned_to") or c.after("assigned_agency")
        return f"Task set: {kind}" + (f", for {to}" if to else "")
    if c.has("state"):
        return f"Task “{kind}” marked {lower_first(c.after('state'))}"
    if c.has("assigned_to"):
        return f"Task “{kind}” given to {c.after('assigned_to') or 'the agency queue'}"
    return f"Task “{kind}” changed"


def _legal_hold(c: _Change) -> str:
    if c.created:
        return f"Legal hold placed: {c.after('reason')}"
    if c.set_now("lifted_at"):
        return "Legal hold lifted" + (
            f": {c.after('lift_reason')}" if c.after("lift_reason") else ""
        )
    return "Legal hold changed"


def _retention_policy(c: _Change) -> str:
    return "Retention policy set" if c.created else "Retention policy changed"


def _purge(c: _Change) -> str:
    reference = c.after("reference") or c.entry.object_repr.removesuffix(" purged")
    counts = c.raw.get("counts", [None, None])
    counts = counts[1] if isinstance(counts, list | tuple) and len(counts) == 2 else None
    total = sum(v for v in counts.values() if isinstance(v, int)) if isinstance(counts, dict) else 0
    return f"Case {reference} purged under the retention policy" + (
        f": {total} records removed" if total else ""
    )


def _membership(c: _Change) -> str:
    person = c.after("user") or c.before("user") or "Someone"
    agency = c.after("agency") or c.before("agency") or "an agency"
    if c.created:
        return f"{person} joined {agency} as {lower_first(c.after('role')) or 'a member'}"
    if c.deleted:
        return f"{person} left {agency}"
    if c.has("role"):
        return f"{person}'s role in {agency} changed from {c.before('role')} to {c.after('role')}"
    return f"{person}'s membership of {agency} changed"


def _user(c: _Change) -> str:
    name = c.names.user(c.entry.object_pk) or c.entry.object_repr
    if c.created:
        return f"Staff account created for {name}"
    if c.has("is_active"):
        switched = "on" if c.after("is_active") == "Yes" else "off"
        return f"{name}'s account switched {switched}"
    if c.has("dbs_checked_on"):
        return f"{name}'s DBS check recorded"
    return f"{name}'s account details changed"


def _training(c: _Change) -> str:
    return f"Training recorded for {c.after('user') or 'a member of staff'}: {c.after('course')}"


def _team(c: _Change) -> str:
    agency = c.after("agency") or c.before("agency") or "An agency"
    if c.created:
        return f"{agency} joined the team around the child"
    if c.set_now("left_at"):
        return f"{agency} left the team around the child"
    return "Team around the child changed"


def _check(c: _Change) -> str:
    if c.created:
        return "CAF check made"
    if c.set_now("outcome"):
        return f"CAF check outcome: {c.after('outcome')}"
    return "CAF check changed"


def _permission(c: _Change) -> str:
    who = c.after("user") or c.before("user")
    if not who:
        group = _int(c._raw("group", 1) or c._raw("group", 0))
        agency = c.names.group_agencies.get(group)
        who = agency.name if agency else "an agency"
    verb = "removed from" if c.deleted else "given to"
    return f"Access to {c.case_reference} {verb} {who}"


def _generic(c: _Change) -> str:
    verb = {0: "added", 1: "changed", 2: "deleted"}.get(c.entry.action, "changed")
    name = shorten(c.entry.object_repr or "", 60)
    return f"{sentence_case(c.verbose_name)} {verb}" + (f": {name}" if name else "")


# The sentence for each kind of row; those with a second argument see the rows folded in.
SENTENCES: dict[str, Callable] = {
    "cases.case": _case,
    "cases.child": _child,
    "consent.consent": _consent,
    "consent.consentagency": _consent_agency,
    "consent.consentgrant": _consent_grant,
    "consent.consentrefusal": _refusal,
    "consent.sharingdecision": _sharing,
    "assessments.assessment": _assessment,
    "assessments.assessmentversion": _version,
    "assessments.assessmentsection": _section,
    "assessments.contribution": _contribution,
    "assessments.validation": _validation,
    "assessments.validationquery": _validation_query,
    "assessments.distribution": _distribution,
    "meetings.tacmeeting": _meeting,
    "meetings.tacparticipant": _participant,
    "meetings.nomination": _nomination,
    "cases.planaction": _plan_action,
    "delivery.leadproposal": _lead_proposal,
    "delivery.leaddispute": _lead_dispute,
    "delivery.casereview": _review,
    "delivery.caseclosure": _closure,
    "referrals.task": _task,
    "retention.legalhold": _legal_hold,
    "retention.retentionpolicy": _retention_policy,
    "retention.purgerecord": _purge,
    "agencies.membership": _membership,
    "agencies.user": _user,
    "agencies.trainingrecord": _training,
    "cases.teammembership": _team,
    "cases.cafcheck": _check,
    "cases.caseuserobjectpermission": _permission,
    "cases.casegroupobjectpermission": _permission,
}
WITH_FOLDED = {"consent.consent", "meetings.tacmeeting"}


def change_sentence(change: _Change, folded: list[_Change]) -> str:
    describe = SENTENCES.get(change.label, _generic)
    if change.label in WITH_FOLDED:
        return describe(change, folded)
    return describe(change)


# ---------------------------------------------------------------------------------------------
# Access-log entries

ACCESS_VERBS = {
    AccessAction.VIEW: "Viewed",
    AccessAction.PRINT: "Printed",
    AccessAction.EXPORT: "Exported",
    AccessAction.DENIED: "Refused access",
    AccessAction.SEARCH: "Searched the child register",
    AccessAction.LIST: "Listed",
    AccessAction.AUDIT: "Searched the audit trail",
    AccessAction.LOGIN: "Signed in",
    AccessAction.LOGIN_FAILED: "Failed to sign in",
    AccessAction.LOGOUT: "Signed out",
    AccessAction.SECOND_FACTOR_FAILED: "Entered a wrong code from the authenticator app",
    AccessAction.ROLE_GRANTED: "Granted a casework role",
    AccessAction.SIGN_IN_UNLOCKED: "Unlocked a sign-in",
    AccessAction.SECOND_FACTOR_RESET: "Reset an authenticator app",
    AccessAction.API_TOKEN_ISSUED: "Issued an API token",
    AccessAction.API_TOKEN_REVOKED: "Ended an API token",
}


def access_sentence(entry: AccessLogEntry) -> str:
    verb = ACCESS_VERBS.get(entry.action, entry.get_action_display())
    reference = f"CAF-{entry.case_id:06d}" if entry.case_id else ""
    detail = shorten(entry.detail, 160) if entry.detail else ""
    if entry.action == AccessAction.DENIED:
        headline = f"Refused access to {reference}" if reference else "Refused a look-up"
    elif entry.action == AccessAction.LIST and not reference:
        headline = "Listed records"
    elif reference and entry.action in (AccessAction.VIEW, AccessAction.PRINT, AccessAction.EXPORT):
        headline = f"{verb} {reference}"
    else:
        headline = verb
    return f"{headline}: {detail}" if detail else headline


# ---------------------------------------------------------------------------------------------
# Putting it together


def _model_for(content_type_id: int | None):
    if not content_type_id:
        return None, ""
    content_type = ContentType.objects.get_for_id(content_type_id)  # cached
    label = f"{content_type.app_label}.{content_type.model}"
    try:
        return apps.get_model(content_type.app_label, content_type.model), label
    except LookupError:
        return None, label


def _raw_changes(entry: ChangeLogEntry) -> dict:
    changes = entry.changes
    if isinstance(changes, str):
        try:
            changes = json.loads(changes)
        except ValueError:
            changes = {}
    return changes if isinstance(changes, dict) else {}


def _load_names(entries: list) -> _Names:
    """The people and agencies of the entries and of their values: five queries at most."""
    user_ids, agency_ids, group_ids = set(), set(), set()
    for entry in entries:
        if isinstance(entry, ChangeLogEntry):
            if entry.actor_id:
                user_ids.add(entry.actor_id)
            model, label = _model_for(entry.content_type_id)
            if label == "agencies.user":
                user_ids.add(_int(entry.object_pk))
            for name, values in _raw_changes(entry).items():
                model_field = _model_field(model, name)
                if not isinstance(values, list) or model_field is None:
                    continue
                related = getattr(model_field, "related_model", None)
                target = {User: user_ids, Agency: agency_ids}.get(related)
                if related is not None and related._meta.label_lower == "auth.group":
                    target = group_ids
                if target is not None:
                    target.update(_int(v) for v in values if _int(v))
        elif entry.user_id:
            user_ids.add(entry.user_id)
        if entry.agency_id:
            agency_ids.add(entry.agency_id)
    user_ids.discard(None)
    names = _Names()
    if group_ids:
        for agency in Agency.objects.filter(group_id__in=group_ids):
            names.group_agencies[agency.group_id] = agency
            names.agencies[agency.pk] = agency
    if user_ids:
        names.users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
        for membership in Membership.objects.filter(user_id__in=user_ids).order_by("pk"):
            role = membership.get_role_display()
            names.roles[(membership.user_id, membership.agency_id)] = role
            names.memberships.setdefault(membership.user_id, []).append(
                (membership.agency_id, role)
            )
            agency_ids.add(membership.agency_id)
    missing = agency_ids - set(names.agencies)
    if missing:
        names.agencies.update({a.pk: a for a in Agency.objects.filter(pk__in=missing)})
    return names


def _who(names: _Names, user_id, agency_id, fallback: str) -> tuple[str, str, str]:
    """Name, role and agency; with no agency on the entry, the person's only agency."""
    user = names.users.get(user_id)
    name = (user.get_full_name() or user.username) if user else fallback
    if user is None:
        return name, "", names.agency(agency_id)
    if agency_id:
        return name, names.roles.get((user_id, agency_id), ""), names.agency(agency_id)
    memberships = names.memberships.get(user_id, [])
    if len(memberships) == 1:
        only_agency, role = memberships[0]
        return name, role, names.agency(only_agency)
    return name, "", ""


def _is_bookkeeping(change: _Change) -> bool:
    # A member's auth groups follow their memberships (agencies.services).
    groups_only = change.label == "agencies.user" and set(change.raw) == {"groups"}
    return change.label in PERMISSION_MODELS or change.label in CHILD_ROWS or groups_only


def _same_action(first: ChangeLogEntry, other: ChangeLogEntry) -> bool:
    """The same person, about the same case or child (or neither), moments apart."""
    same_case = first.case_id is not None and first.case_id == other.case_id
    same_child = first.child_id is not None and first.child_id == other.child_id
    about_neither = not (first.case_id or first.child_id or other.case_id or other.child_id)
    return (
        first.actor_id == other.actor_id
        and (same_case or same_child or about_neither)
        and abs(first.timestamp - other.timestamp) <= FOLD_WINDOW
    )


def _runs(changes: list[_Change]) -> list[list[_Change]]:
    """Neighbouring rows written by one action."""
    runs: list[list[_Change]] = []
    for change in changes:
        if runs and _same_action(runs[-1][0].entry, change.entry):
            runs[-1].append(change)
        else:
            runs.append([change])
    return runs


def _fold(run: list[_Change]) -> list[tuple[_Change, list[_Change]]]:
    """The entries of one action's rows (newest first): each main row with the bookkeeping
    rows folded into it. A child row (a consent's agency) goes to its parent in the run;
    any other to the main row written just before it (the next one in this order), or the
    last one before it."""
    mains = [c for c in run if not _is_bookkeeping(c)]
    if not mains:
        parents = [c for c in run if c.label in CHILD_ROWS.values()]
        mains = [(parents or run)[0]]
    main_ids = {id(main) for main in mains}
    folded: dict[int, list[_Change]] = {id(main): [] for main in mains}
    for index, change in enumerate(run):
        if id(change) in main_ids:
            continue
        later = [c for c in run[index + 1 :] if id(c) in main_ids]
        earlier = [c for c in run[:index] if id(c) in main_ids]
        parent_label = CHILD_ROWS.get(change.label)
        by_label = [c for c in later + earlier[::-1] if c.label == parent_label]
        parent = (by_label or later or earlier[::-1])[0]
        folded[id(parent)].append(change)
    return [(main, folded[id(main)]) for main in mains]


def _change_entry(
    main: _Change, folded: list[_Change], names: _Names, oldest: ChangeLogEntry
) -> TrailEntry:
    entry = main.entry
    who, role, agency = _who(names, entry.actor_id, entry.agency_id, "System")
    folded_lines = list(dict.fromkeys(change_sentence(c, []) for c in folded))
    return TrailEntry(
        log="changes",
        pk=entry.pk,
        at=entry.timestamp,
        who=who,
        role=role,
        agency=agency,
        from_where=entry.remote_addr or "",
        summary=change_sentence(main, folded),
        changes=main.field_changes() if not main.created or main.label not in WITH_FOLDED else [],
        case_id=entry.case_id,
        child_id=entry.child_id,
        folded=len(folded),
        folded_lines=folded_lines,
        kind=kind_of_change(main.label),
        model=main.label,
        user_id=entry.actor_id,
        last_key=(oldest.timestamp, "changes", oldest.pk),
    )


def _access_entry(entry: AccessLogEntry, names: _Names) -> TrailEntry:
    who, role, agency = _who(names, entry.user_id, entry.agency_id, entry.username or "Unknown")
    return TrailEntry(
        log="access",
        pk=entry.pk,
        at=entry.at,
        who=who,
        role=role,
        agency=agency,
        from_where=entry.ip or "",
        summary=access_sentence(entry),
        case_id=entry.case_id,
        child_id=entry.child_id,
        kind=kind_of_access(entry.action),
        kind_action=entry.action,
        user_id=entry.user_id,
    )


def _case_and_children_seen(entries: list, viewer) -> tuple[set, set] | None:
    """The cases and children of ``entries`` that ``viewer`` may see, or None for all (no
    viewer given, or the CAF team)."""
    if viewer is None:
        return None
    access = casework_access(viewer)
    if access is not None and access.caf_team:
        return None
    case_ids = {e.case_id for e in entries if e.case_id}
    child_ids = {e.child_id for e in entries if e.child_id}
    if not case_ids and not child_ids:
        return set(), set()
    seen = cases_for_user(viewer).filter(Q(pk__in=case_ids) | Q(child_id__in=child_ids))
    pairs = list(seen.values_list("pk", "child_id"))
    return {pk for pk, _ in pairs}, {child for _, child in pairs}


# Rows that may name a child with no case or child id on them (a check's search terms).
ABOUT_A_CHILD = {"cases.cafcheck", "consent.consentrefusal", "referrals.safeguardingreferral"}


def _may_read(entry: TrailEntry, cases: set, children: set) -> bool:
    if entry.case_id:
        return entry.case_id in cases
    if entry.child_id:
        return entry.child_id in children
    return entry.model not in ABOUT_A_CHILD


def _hidden(entry: TrailEntry) -> TrailEntry:
    """An entry about a case the viewer's agencies cannot see: that something was done, by
    whom, and nothing of the case or child but the case's reference, a number that names
    nobody and that a misuse inquiry needs to take to the CAF team."""
    what = {"changes": "Changed"}.get(entry.log) or ACCESS_VERBS.get(entry.kind_action, "Acted")
    record = f"{entry.case_reference}, a CAF" if entry.case_id else "a record"
    entry.summary = f"{what}: {record} your agencies cannot see"
    entry.changes, entry.folded_lines = [], []
    entry.child_id = None
    return entry


def describe_entries(entries, *, viewer=None) -> list[TrailEntry]:
    """Entries of either log, in the order given (newest first), in words, with neighbouring
    rows of one action folded into one entry. At most five queries whatever the number of
    entries (people, roles, agencies); with a ``viewer`` outside the CAF team, one or two
    more to hide what is about cases their agencies cannot see."""
    entries = list(entries)
    names = _load_names(entries)
    seen = _case_and_children_seen(entries, viewer)
    described: list[TrailEntry] = []
    run: list[_Change] = []

    def flush():
        for rows in _runs(run):
            # Every entry of an action shares the action's last row: a page ends after it.
            oldest = rows[-1].entry
            for main, folded in _fold(rows):
                described.append(_change_entry(main, folded, names, oldest))
        run.clear()

    for entry in entries:
        if isinstance(entry, ChangeLogEntry):
            model, label = _model_for(entry.content_type_id)
            run.append(_Change(entry, model, label, _raw_changes(entry), names))
            continue
        flush()
        described.append(_access_entry(entry, names))
    flush()
    if seen is not None:
        cases, children = seen
        described = [
            entry if _may_read(entry, cases, children) else _hidden(entry) for entry in described
        ]
    return described
