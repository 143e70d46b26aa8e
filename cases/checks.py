"""Checking for an existing CAF, and each decision that can follow (R-CHECK-1..8).

Every function here is called the same way by the pages, the API and anything else: it checks
who may act, works in one transaction attributed to ``by``, and raises ``CheckError`` with the
field at fault. A check is recorded when the search runs, so the CAF team sees intentions and
checks as they happen (R-CHECK-2); the decision is recorded on the same row.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, Role, User
from agencies.roles import has_role, in_caf_team
from audit.context import acting_as
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError
from cafsite.validation import (
    require,
    require_names,
    validate_event_date,
    validate_search_date_of_birth,
)
from cases.identifiers import normalise_identifier
from cases.matching import ChildQuery, Match, Strength
from cases.models import CafCheck, Case, CaseState, CheckOutcome, Child
from cases.permissions import LARGEST_ID, agency_sees_case, casework_access
from cases.register import register_matches
from cases.services import case_open, child_name_keys_refresh, child_register
from deadlines import rules
from referrals.models import SafeguardingReferral, TaskKind, Tier34Involvement
from referrals.services import task_create

AGE_LIMIT, AGE_LIMIT_WITH_LDD = 18, 25  # R-CHECK-8


class CheckError(CafError):
    pass


class LikelyDuplicate(CheckError):
    """The child being added looks like one already on the register."""

    def __init__(self, matches: list[Match]):
        super().__init__(
            "This child may already be on the register. Choose them from the matches, or "
            "confirm this is a different child.",
            field="confirm_new_child",
        )
        self.matches = matches


def _require_practitioner(by: User, agency: Agency) -> None:
    if by.tenant_id is None or by.tenant_id != agency.tenant_id:
        raise CheckError("You can only check for a CAF as a member of an agency.", field="agency")
    if (
        not by.memberships.filter(agency=agency, agency__is_active=True)
        .exclude(role=Role.TENANT_ADMIN)
        .exists()
    ):
        raise CheckError("Choose an agency you work in.", field="agency")
    if not by.has_dbs_check:
        raise CheckError(
            "Your enhanced DBS check is not on record, so you cannot search the register."
        )


@contextmanager
def _deciding(check: CafCheck, by: User) -> Iterator[None]:
    """One decision per check: inside one transaction the check's row is locked and read
    again, so of two decisions sent at once the second finds the first recorded."""
    if check.by_id != by.pk:
        raise CheckError("Only the person who made this check can decide what follows.")
    # Still a practitioner of the agency the check was made for: leaving it ends the check.
    _require_practitioner(by, check.agency)
    with transaction.atomic(), acting_as(by, agency_id=check.agency_id):
        locked = CafCheck.objects.select_for_update().get(pk=check.pk)
        if locked.outcome != CheckOutcome.PENDING:
            raise CheckError("A decision has already been recorded for this check.")
        yield


def _filed_under(check: CafCheck, case: Case | None):
    """Changes about ``case`` are filed under the check's agency only if that agency can see
    the case; otherwise under no agency, for the CAF team's managers alone: a manager must not
    read a child's name in the trail of a case their agency cannot open (R-AUDIT-2)."""
    if case is None or agency_sees_case(check.agency_id, case):
        return acting_as(check.by, agency_id=check.agency_id)
    return acting_as(check.by, agency_id=None)


def check_query(check: CafCheck) -> ChildQuery:
    return ChildQuery(
        given_name=check.given_name,
        family_name=check.family_name,
        date_of_birth=check.date_of_birth,
        postcode=check.postcode,
        nhs_number=check.nhs_number,
        upn=check.upn,
    )


def check_search(
    *,
    by: User,
    agency: Agency,
    given_name: str = "",
    family_name: str = "",
    date_of_birth: date | None = None,
    postcode: str = "",
    nhs_number: str = "",
    upn: str = "",
    has_learning_difficulty: bool = False,
    request=None,
) -> tuple[CafCheck, list[Match]]:
    """Search the register and record the check with the CAF team."""
    _require_practitioner(by, agency)
    given_name, family_name = given_name.strip(), family_name.strip()
    require_names(CheckError, given_name=given_name, family_name=family_name)
    nhs_number, upn = normalise_identifier(nhs_number), normalise_identifier(upn)
    if not (nhs_number or upn):
        if not (given_name or family_name):
            raise CheckError("Enter the child's first name or last name.", field="given_name")
        if not date_of_birth and not (given_name and family_name):
            raise CheckError(
                "Enter the date of birth, or both names, so the search can narrow it down.",
                field="date_of_birth",
            )
    require("date_of_birth", validate_search_date_of_birth, date_of_birth, CheckError)
    check = CafCheck(
        tenant_id=by.tenant_id,
        by=by,
        agency=agency,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        postcode=normalise_identifier(postcode),
        nhs_number=nhs_number,
        upn=upn,
        has_learning_difficulty=has_learning_difficulty,
    )
    matches = register_matches(tenant_id=by.tenant_id, query=check_query(check))
    check.match_count = len(matches)
    with transaction.atomic(), acting_as(by, agency_id=agency.pk):
        check.save()
        access_log_record(
            action=AccessAction.SEARCH,
            user=by,
            request=request,
            agency_id=agency.pk,
            detail=f"CAF check {check.pk}: {len(matches)} match(es)",
        )
    return check, matches


def check_matches(*, check: CafCheck, by: User, request=None) -> list[Match]:
    """The matches of a recorded check, for its author and the CAF team. Showing them shows
    children, so each showing is in the access log."""
    if not check_visible_to(check, by):
        raise CheckError("Check not found.")
    matches = register_matches(tenant_id=check.tenant_id, query=check_query(check))
    access_log_record(
        action=AccessAction.SEARCH,
        user=by,
        request=request,
        agency_id=check.agency_id if check.by_id == by.pk else None,
        detail=f"CAF check {check.pk} results: "
        + ", ".join(f"child {m.record.pk}" for m in matches)[:400],
    )
    return matches


def check_visible_to(check: CafCheck, user: User) -> bool:
    """The person who made a check sees it while they do casework, and the CAF team
    (R-CHECK-2); nobody else."""
    if user.tenant_id != check.tenant_id or casework_access(user) is None:
        return False
    if check.by_id == user.pk:
        return True
    return in_caf_team(user)


def get_check_for_user(user: User, pk, *, request=None) -> CafCheck:
    """The check ``pk`` if ``user`` may see it; otherwise Http404, exactly as for a missing
    check. A refusal is logged under the tenant that owns the check."""
    check = None
    if str(pk).isdigit() and int(str(pk)) <= LARGEST_ID:
        check = (
            CafCheck.objects.select_related("by", "agency", "case", "child").filter(pk=pk).first()
        )
    if check is None or not check_visible_to(check, user):
        access_log_record(
            action=AccessAction.DENIED,
            user=user,
            request=request,
            tenant_id=check.tenant_id if check else None,
            detail=f"check {str(pk)[:40]} not found or not permitted",
        )
        raise Http404("No such check.")
    return check


def age_out_of_scope(check: CafCheck, child: Child | None = None) -> bool:
    """Older than 18, or 25 with a learning difficulty or disability (R-CHECK-8)."""
    born = child.date_of_birth if child else check.date_of_birth
    if born is None:
        return False
    limit = AGE_LIMIT_WITH_LDD if check.has_learning_difficulty else AGE_LIMIT
    return relativedelta(timezone.localdate(), born).years >= limit


def check_found(check: CafCheck, child: Child) -> bool:
    """Whether ``child`` is among what this check found: the only children a decision (or a
    page of the decision) may be about."""
    if child.tenant_id != check.tenant_id or child.merged_into_id is not None:
        return False
    found = register_matches(tenant_id=check.tenant_id, query=check_query(check))
    return child.pk in {m.record.pk for m in found}


def _matched_child(check: CafCheck, child: Child) -> None:
    if not check_found(check, child):
        raise CheckError("Choose a child from the search results.", field="child")


def _decide(check: CafCheck, outcome: CheckOutcome, *, child=None, case=None, note="") -> None:
    check.outcome = outcome
    check.decided_at = timezone.now()
    check.child = child
    check.case = case
    check.note = note
    check.save(update_fields=["outcome", "decided_at", "child", "case", "note"])


def _agency_of(contact: User, case: Case) -> Agency:
    """The agency a case's contact works for in this case: the lead's agency (R-LP-1), the
    assessor's agency until a lead is agreed."""
    if case.lead_professional_id and case.lead_agency_id:
        return case.lead_agency
    return case.assessor_agency


def _latest_case(child: Child) -> Case | None:
    """The child's latest episode, read under the child's row lock: two decisions about one
    child from two checks queue, and the second sees what the first did."""
    Child.objects.select_for_update().filter(pk=child.pk).first()
    return child.cases.order_by("-intention_logged_at", "-id").first()


def _stop_if_tier34(child: Child) -> None:
    if child.tier34_involvements.filter(ended_on__isnull=True).exists():
        raise CheckError(
            "A Tier 3 or 4 service is already working with this child: register your concern "
            "with their keyworker instead of starting a CAF.",
            field="child",
        )


def check_start_new_caf(
    *,
    check: CafCheck,
    by: User,
    child: Child | None = None,
    child_details: dict | None = None,
    confirm_new_child: bool = False,
) -> Case:
    """No CAF exists: log the intention to start one (R-CHECK-2). Either a matched child with
    no CAF, or a new child added to the register after a duplicate check."""
    with _deciding(check, by):
        if child is not None:
            _matched_child(check, child)
            _stop_if_tier34(child)
            if _latest_case(child) is not None:
                raise CheckError(
                    "This child already has a CAF: contact its lead professional, or reopen "
                    "or continue it.",
                    field="child",
                )
        else:
            details = dict(child_details or {})
            query = ChildQuery(
                given_name=details.get("given_name", ""),
                family_name=details.get("family_name", ""),
                date_of_birth=details.get("date_of_birth") or details.get("expected_date_of_birth"),
                postcode=details.get("postcode", ""),
                nhs_number=normalise_identifier(details.get("nhs_number", "")),
                upn=normalise_identifier(details.get("upn", "")),
            )
            likely = register_matches(tenant_id=check.tenant_id, query=query)
            certain = [m for m in likely if m.strength == Strength.CERTAIN]
            if certain:
                raise CheckError(
                    "A child with this NHS number or UPN is already on the register.",
                    field="nhs_number" if query.nhs_number else "upn",
                )
            if likely and not confirm_new_child:
                raise LikelyDuplicate(likely)
            child = child_register(by=by, **details)
        if age_out_of_scope(check, child):
            raise CheckError(
                "This young person is older than a CAF covers (18, or 25 with a learning "
                "difficulty or disability).",
                field="date_of_birth",
            )
        case = case_open(child=child, assessor_agency=check.agency, by=by)
        _decide(check, CheckOutcome.NEW_CAF, child=child, case=case)
        return case


def check_request_to_join(*, check: CafCheck, by: User, child: Child, message: str = ""):
    """An open CAF exists: ask its lead professional (or assessor) to let this practitioner
    join the team or add needs (R-CHECK-3). They get a task; no case content is shown."""
    with _deciding(check, by):
        _matched_child(check, child)
        case = _latest_case(child)
        if case is None or not case.is_open:
            raise CheckError("This child has no open CAF to join.", field="child")
        from consent.services import agency_excluded  # consent builds on cases

        if agency_excluded(case, check.agency) and case.state not in (
            CaseState.INTENTION_LOGGED,
            CaseState.CONSENT,
        ):
            raise CheckError(
                "The family has not agreed to share this CAF with your agency. Contact the lead "
                "professional by phone or email; they cannot add you without new consent.",
                field="child",
            )
        contact = case.contact
        with _filed_under(check, case):
            task = task_create(
                kind=TaskKind.JOIN_REQUEST,
                by=by,
                from_agency=check.agency,
                assigned_to=contact,
                assigned_agency=_agency_of(contact, case),
                child=child,
                case=case,
                message=message.strip(),
            )
            _decide(
                check, CheckOutcome.JOIN_REQUESTED, child=child, case=case, note=message.strip()
            )
        return task


def check_reopen(*, check: CafCheck, by: User, child: Child) -> Case:
    """The CAF closed less than 6 months ago: reopen it without a new assessment (R-CHECK-4).

    Access follows consent, never the reopening itself (R-CONSENT-4): if the current consent
    covers the practitioner's agency, the agency joins the case through a consent grant;
    otherwise (no consent, withdrawn, refused, not naming the agency, or excluding it) the
    case reopens waiting for consent, the practitioner sees only what the check shows, and
    the lead professional (or assessor) is asked to record the family's consent again.
    """
    from consent.services import reopening_agency_admit  # consent builds on cases
    from delivery.services.closure import case_reopen_record  # delivery builds on cases

    with _deciding(check, by):
        _matched_child(check, child)
        case = _latest_case(child)
        if case is not None:
            # The case page reopens under the case's lock: the second of two sees the first.
            case = Case.objects.select_for_update().get(pk=case.pk)
        if case is None or case.state != CaseState.CLOSED or case.closed_on is None:
            raise CheckError("This child has no closed CAF to reopen.", field="child")
        today = timezone.localdate()
        if rules.reopen_until(case.closed_on) < today:
            raise CheckError(
                "This CAF closed more than 6 months ago: start a new episode instead.",
                field="child",
            )
        admitted = reopening_agency_admit(case=case, agency=check.agency, by=by)
        with _filed_under(check, case):
            case_reopen_record(
                case=case,
                by=by,
                reason=f"Reopened through the register check by {check.agency}.",
                today=today,
            )
            if not admitted:
                contact = case.contact
                task_create(
                    kind=TaskKind.CONSENT_NEEDED,
                    by=by,
                    from_agency=check.agency,
                    assigned_to=contact,
                    assigned_agency=_agency_of(contact, case),
                    child=child,
                    case=case,
                    message=f"{check.agency} reopened this CAF and needs the family's consent "
                    "to share it with them.",
                )
            _decide(check, CheckOutcome.REOPENED, child=child, case=case)
        return case


def check_new_episode(*, check: CafCheck, by: User, child: Child) -> Case:
    """The CAF closed longer ago: a new episode, linked to the child's history (R-CHECK-4)."""
    with _deciding(check, by):
        _matched_child(check, child)
        _stop_if_tier34(child)
        previous = _latest_case(child)
        if previous is None or previous.is_open:
            raise CheckError("A new episode follows a closed CAF.", field="child")
        if previous.state == CaseState.CLOSED and rules.reopen_until(previous.closed_on) >= (
            timezone.localdate()
        ):
            raise CheckError(
                "This CAF closed less than 6 months ago: reopen it instead.", field="child"
            )
        if age_out_of_scope(check, child):
            raise CheckError("This young person is older than a CAF covers.", field="child")
        case = case_open(
            child=child, assessor_agency=check.agency, by=by, previous_episode=previous
        )
        _decide(check, CheckOutcome.NEW_EPISODE, child=child, case=case)
        return case


def check_register_tier34_concern(
    *, check: CafCheck, by: User, involvement: Tier34Involvement, message: str
):
    """A Tier 3/4 service is involved: no CAF; the concern goes to its keyworker (R-CHECK-5)."""
    with _deciding(check, by):
        _matched_child(check, involvement.child)
        if involvement.ended_on is not None:
            raise CheckError("That involvement has ended.", field="involvement")
        if not message.strip():
            raise CheckError("Describe your concern for the keyworker.", field="message")
        task = task_create(
            kind=TaskKind.TIER34_CONCERN,
            by=by,
            from_agency=check.agency,
            assigned_to=involvement.keyworker,
            assigned_agency=involvement.keyworker_agency,
            child=involvement.child,
            message=message.strip(),
        )
        _decide(check, CheckOutcome.TIER34_CONCERN, child=involvement.child, note=message.strip())
        return task


def check_record_child_protection(
    *,
    check: CafCheck,
    by: User,
    referred_to: str,
    referred_on: date,
    reference: str = "",
    child: Child | None = None,
) -> SafeguardingReferral:
    """A child protection concern stops the CAF: record the safeguarding referral made, and
    flag the child's open case if there is one (R-CHECK-6)."""
    with _deciding(check, by):
        if child is not None:
            _matched_child(check, child)
        if not referred_to.strip():
            raise CheckError("Enter who the referral was made to.", field="referred_to")
        require_names(CheckError, referred_to=referred_to)
        born = (
            {"born": child.date_of_birth, "expected": child.expected_date_of_birth} if child else {}
        )
        require("referred_on", validate_event_date, referred_on, CheckError, **born)
        case = _latest_case(child) if child else None
        referral = SafeguardingReferral(
            tenant_id=check.tenant_id,
            child=child,
            case=case if case and case.is_open else None,
            child_name=child.full_name if child else check.searched_name,
            referred_by=by,
            referred_to=referred_to.strip(),
            referred_on=referred_on,
            reference=reference.strip(),
        )
        with _filed_under(check, referral.case):
            referral.full_clean()
            referral.save()
            _decide(check, CheckOutcome.CHILD_PROTECTION, child=child, case=referral.case)
        return referral


def check_out_of_scope(*, check: CafCheck, by: User) -> CafCheck:
    """Record that the young person is older than a CAF covers (R-CHECK-8)."""
    with _deciding(check, by):
        if not age_out_of_scope(check):
            raise CheckError("This child is within the age range for a CAF.", field="date_of_birth")
        _decide(check, CheckOutcome.OUT_OF_SCOPE)
        return check


def child_merge(*, keep: Child, duplicate: Child, by: User) -> Child:
    """Merge two register entries of the same child. The duplicate's cases, checks and
    involvements move to ``keep``; the duplicate stays, pointing at ``keep``, so history and
    audit entries still resolve. CAF coordinators only."""
    if keep.tenant_id != by.tenant_id or duplicate.tenant_id != by.tenant_id:
        raise CheckError("Child not found.", field="duplicate")
    if not has_role(by, Role.CAF_COORDINATOR) or not by.has_dbs_check:
        raise CheckError("Only a CAF coordinator can merge children's records.")
    if keep.pk == duplicate.pk:
        raise CheckError("Choose two different records.", field="duplicate")
    if keep.merged_into_id or duplicate.merged_into_id:
        raise CheckError("One of these records has already been merged.", field="duplicate")
    with transaction.atomic(), acting_as(by):
        for fieldname in ("nhs_number", "upn", "uprn", "postcode", "address_line_1", "town"):
            if not getattr(keep, fieldname) and getattr(duplicate, fieldname):
                setattr(keep, fieldname, getattr(duplicate, fieldname))
                if fieldname in ("nhs_number", "upn"):
                    # Free the identifier first: it is unique within the tenant.
                    setattr(duplicate, fieldname, "")
                    duplicate.save(update_fields=[fieldname])
        known_as = {keep.other_names} | {duplicate.full_name, duplicate.other_names}
        keep.other_names = ", ".join(sorted(n for n in known_as if n and n != keep.full_name))[:300]
        keep.full_clean()
        keep.save()
        for case in duplicate.cases.all():
            case.child = keep
            case.save(update_fields=["child", "updated_at"])
        for check in duplicate.checks.all():
            check.child = keep
            check.save(update_fields=["child"])
        for involvement in duplicate.tier34_involvements.all():
            involvement.child = keep
            involvement.save(update_fields=["child"])
        duplicate.merged_into = keep
        duplicate.save(update_fields=["merged_into", "updated_at"])
        child_name_keys_refresh(child=keep)
        child_name_keys_refresh(child=duplicate)
        return keep
