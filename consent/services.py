"""Recording consent and what follows from it (R-CONSENT-1..9).

The only code that grants or revokes case access because of consent: the agencies the family
agreed to share with get access through their group in the same transaction, and lose it in
the same transaction as a withdrawal. The assessor's agency and the CAF team keep theirs.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Role, User
from agencies.roles import caf_team_of, in_caf_team_as
from audit.context import acting_as
from cafsite.errors import CafError
from cafsite.idempotency import once
from cafsite.uploads import checked_document
from cafsite.validation import require, require_names, validate_event_date
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseState,
    CaseUserObjectPermission,
    TeamMembership,
)
from cases.permissions import (
    CHANGE,
    VIEW,
    acting_agency_id,
    agency_access_grant,
    agency_access_revoke,
    cases_for_user,
)
from consent.models import (
    ConfidentialNote,
    Consent,
    ConsentAgency,
    ConsentGiver,
    ConsentGrant,
    ConsentMethod,
    ConsentRefusal,
    RefusalEscalation,
    ShareScope,
    SharingDecision,
    SharingGround,
)
from consent.selectors import current_consent

PRESUMED_COMPETENT_AGE = 16


class ConsentError(CafError):
    pass


def _require_case_worker(case: Case, by: User) -> None:
    if not cases_for_user(by, CHANGE).filter(pk=case.pk).exists():
        raise ConsentError("Case not found.")


def _require_open_case(case: Case, doing: str) -> None:
    """A closed or archived case takes no consent or refusal: reopening it is the way back
    (R-CHECK-4)."""
    if not case.is_open:
        raise ConsentError(f"This case is closed: reopen it before {doing}.")


def _acting(by: User, case: Case):
    """The audit context of a write on ``case``: by whom, for which agency."""
    return acting_as(by, agency_id=acting_agency_id(by, case))


def _lock(case: Case) -> Case:
    """Take the case row's lock: writes that decide who sees it queue one behind the other."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _base_agencies(case: Case) -> set[int]:
    """Agencies that see the case whatever the consent: the assessor's and the CAF team."""
    caf_team = caf_team_of(case.tenant_id)
    return {case.assessor_agency_id} | ({caf_team.pk} if caf_team else set())


def _birth(case: Case) -> dict:
    """The child's dates that bound when anything could have happened to them."""
    return {"born": case.child.date_of_birth, "expected": case.child.expected_date_of_birth}


def child_age_on(case: Case, day: date) -> int | None:
    born = case.child.date_of_birth
    return None if born is None else relativedelta(day, born).years


def competent_child_refused(case: Case) -> bool:
    return ConsentRefusal.objects.filter(case=case, refused_by=ConsentGiver.CHILD).exists()


def fraser_check(*, case: Case, given_by: str, on: date, competence_evidence: str) -> int | None:
    """Who may consent for this child on this day (R-CONSENT-2). Returns the child's age."""
    age = child_age_on(case, on)
    if given_by == ConsentGiver.CHILD:
        if age is None:
            raise ConsentError(
                "An unborn child's consent is given by a person with parental responsibility.",
                field="given_by",
            )
        if age < PRESUMED_COMPETENT_AGE and not competence_evidence.strip():
            raise ConsentError(
                "The child is under 16: record why they are competent to consent.",
                field="competence_evidence",
            )
    else:
        if age is not None and age >= PRESUMED_COMPETENT_AGE:
            raise ConsentError(
                "At 16 or over the young person consents for themselves.", field="given_by"
            )
        if competent_child_refused(case):
            raise ConsentError(
                "The child refused and was judged able to decide: a parent's consent cannot be "
                "recorded instead.",
                field="given_by",
            )
    return age


def _grant(consent: Consent, agencies) -> None:
    for agency in agencies:
        # Consent lets an agency see the case; working on it comes with joining the TAC.
        agency_access_grant(case=consent.case, agency=agency, perms=(VIEW,))
        ConsentGrant.objects.create(consent=consent, agency=agency)


def _end_consent_access(case: Case, *, keep: set[int]) -> None:
    """End every consent grant of the case, whichever consent gave it, and every permission
    row of an agency other than ``keep``: after a whole withdrawal nobody sees the case
    through consent, even if two consents were once current together (R-CONSENT-5)."""
    _revoke(
        ConsentGrant.objects.filter(consent__case=case, revoked_at__isnull=True).select_related(
            "agency", "consent__case"
        ),
        keep=keep,
    )
    CaseGroupObjectPermission.objects.filter(content_object=case).exclude(
        group__agency__in=keep
    ).delete()
    _leave_team(
        TeamMembership.objects.filter(case=case, left_at__isnull=True).exclude(agency__in=keep)
    )


def case_access_end_for_archive(*, case: Case) -> None:
    """An archived CAF is the CAF team's alone (R-RET-1): every consent grant ends, every
    other agency loses its permission rows and leaves the team, and no user keeps a
    permission of their own. Called inside the archive's transaction, with the case locked."""
    caf_team = caf_team_of(case.tenant_id)
    _end_consent_access(case, keep={caf_team.pk} if caf_team else set())
    for row in CaseUserObjectPermission.objects.filter(content_object=case):
        row.delete()  # one at a time, so each removal is in the change log


def _leave_team(memberships) -> None:
    """Without consent an agency leaves the team: joining again needs new consent. One save
    per row, so each leaving is in the change log."""
    now = timezone.now()
    for membership in memberships:
        membership.left_at = now
        membership.save(update_fields=["left_at"])


def _revoke(grants, *, keep: set[int]) -> None:
    now = timezone.now()
    for grant in grants:
        if grant.agency_id not in keep:
            agency_access_revoke(case=grant.consent.case, agency=grant.agency)
            _leave_team(
                TeamMembership.objects.filter(
                    case=grant.consent.case, agency=grant.agency, left_at__isnull=True
                )
            )
        grant.revoked_at = now
        grant.save(update_fields=["revoked_at"])


def consent_record(
    *,
    case: Case,
    by: User,
    given_by: str,
    giver_name: str,
    to_undertake: bool,
    to_record: bool,
    share_scope: str,
    method: str,
    signed_on: date,
    relationship: str = "",
    competence_evidence: str = "",
    agencies: list[Agency] = (),
    signed_name: str = "",
    scan=None,
) -> Consent:
    """Record consent and grant access to the agencies it names (R-CONSENT-1..4). Replaces
    any earlier consent for the case."""
    _require_case_worker(case, by)
    _require_open_case(case, "recording consent")
    if not to_undertake:
        raise ConsentError(
            "Without consent to undertake the CAF, record a refusal instead.", field="to_undertake"
        )
    if not to_record:
        raise ConsentError(
            "Without consent to record, only a refusal note may be kept: record a refusal.",
            field="to_record",
        )
    require("signed_on", validate_event_date, signed_on, ConsentError, **_birth(case))
    require_names(
        ConsentError, giver_name=giver_name, relationship=relationship, signed_name=signed_name
    )
    if given_by == ConsentGiver.PARENT and not relationship.strip():
        raise ConsentError("Record the relationship to the child.", field="relationship")
    if method == ConsentMethod.VERBAL:
        signed_name = signed_name.strip() or by.get_full_name() or by.username
    elif not signed_name.strip():
        raise ConsentError("Enter the name of the person who signed.", field="signed_name")
    agencies = list(agencies)
    if any(agency.tenant_id != case.tenant_id for agency in agencies):
        raise ConsentError("Choose agencies of this area.", field="agencies")
    if share_scope == ShareScope.NAMED_ONLY and not agencies:
        raise ConsentError("Name the agencies the family agrees to share with.", field="agencies")
    age = fraser_check(
        case=case, given_by=given_by, on=signed_on, competence_evidence=competence_evidence
    )
    if scan:
        scan = checked_document(scan, field="scan")  # PDF, JPEG or PNG by content; size
    base = _base_agencies(case)
    with transaction.atomic(), _acting(by, case):
        _require_open_case(_lock(case), "recording consent")  # a refusal may have just closed it
        previous = current_consent(case)
        if previous is not None:
            previous.withdrawn_on = timezone.localdate()
            previous.withdrawn_by = by
            previous.withdrawal_note = "Replaced by a new consent."
            previous.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_note"])
            _end_consent_access(case, keep=base)
        consent = Consent(
            case=case,
            given_by=given_by,
            giver_name=giver_name.strip(),
            relationship=relationship.strip(),
            child_age=age,
            competence_evidence=competence_evidence.strip(),
            to_undertake=to_undertake,
            to_record=to_record,
            share_scope=share_scope,
            method=method,
            signed_name=signed_name.strip(),
            signed_on=signed_on,
            recorded_by=by,
        )
        if scan:
            consent.scan = scan
        consent.full_clean()
        consent.save()
        named = {agency.pk: agency for agency in agencies}
        for agency in named.values():
            ConsentAgency.objects.create(
                consent=consent, agency=agency, excluded=share_scope == ShareScope.ALL_EXCEPT
            )
        if share_scope == ShareScope.ALL_EXCEPT:
            shared = Agency.objects.filter(tenant_id=case.tenant_id, is_active=True).exclude(
                pk__in=set(named) | base
            )
        elif share_scope == ShareScope.NAMED_ONLY:
            shared = [a for a in named.values() if a.pk not in base]
        else:
            shared = []
        _grant(consent, shared)
        if case.state == CaseState.INTENTION_LOGGED:
            case.state = CaseState.CONSENT
            case.save(update_fields=["state", "updated_at"])
        _consent_asks_answered(case, by)
        return consent


def _consent_asks_answered(case: Case, by: User) -> None:
    """A reopened CAF's ask for the family's consent (cases.checks) is answered by recording
    it, whatever it covers: the asker reads the consent's scope on the case."""
    from referrals.models import Task, TaskKind, TaskState
    from referrals.services import task_close

    for task in Task.objects.select_for_update().filter(
        case=case, kind=TaskKind.CONSENT_NEEDED, state=TaskState.OPEN
    ):
        task_close(task, by=by, response="The family's consent is recorded.")


def consent_withdraw(
    *, case: Case, by: User, on: date, note: str = "", agency: Agency | None = None
) -> Consent:
    """Withdraw consent, whole or for one agency: access ends at once; what was shared stays
    on record as shared (R-CONSENT-5)."""
    _require_case_worker(case, by)
    if agency is not None and agency.tenant_id != case.tenant_id:
        # Another tenant's agency is answered exactly as a missing one.
        raise ConsentError("Choose an agency of this area.", field="agency")
    require("on", validate_event_date, on, ConsentError, **_birth(case))
    base = _base_agencies(case)
    with transaction.atomic(), _acting(by, case):
        _lock(case)
        consent = current_consent(case)
        if consent is None:
            raise ConsentError("There is no consent to withdraw.")
        active = consent.grants.filter(revoked_at__isnull=True).select_related("agency", "consent")
        if agency is None:
            consent.withdrawn_on = on
            consent.withdrawn_by = by
            consent.withdrawal_note = note.strip()
            consent.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_note"])
            _end_consent_access(case, keep=base)
            return consent
        if agency.pk in base:
            raise ConsentError(
                "The assessor's agency and the CAF team keep access while the CAF is open.",
                field="agency",
            )
        _revoke(active.filter(agency=agency), keep=base)
        row, _ = ConsentAgency.objects.get_or_create(
            consent=consent, agency=agency, defaults={"excluded": True}
        )
        row.excluded = consent.share_scope == ShareScope.ALL_EXCEPT or row.excluded
        row.withdrawn_on = on
        row.save(update_fields=["excluded", "withdrawn_on"])
        return consent


def consent_covers(consent: Consent | None, agency: Agency) -> bool:
    """Whether ``consent`` lets ``agency`` see the case: it names the agency, or shares with
    all agencies but some and this one is not among them or withdrawn (R-CONSENT-4)."""
    if consent is None or consent.share_scope == ShareScope.NONE:
        return False
    row = consent.agencies.filter(agency=agency).first()
    if consent.share_scope == ShareScope.ALL_EXCEPT:
        return row is None or (not row.excluded and row.withdrawn_on is None)
    return row is not None and not row.excluded and row.withdrawn_on is None


def agency_admit(*, case: Case, agency: Agency, by: User) -> bool:
    """Let ``agency`` see ``case`` (VIEW) through a grant of the current consent, if that
    consent covers it (R-CONSENT-4): the one way an agency comes to see a case after the
    consent was recorded. The agency that reopened a CAF (R-CHECK-4), one whose join request
    is accepted (R-CHECK-3) and a practitioner's agency asked to read the CAF (R-REF-3) all
    come in through it. Returns whether the agency sees the case; if not, the case waits for
    new consent. Called inside the caller's transaction, with the case locked."""
    if agency.tenant_id != case.tenant_id:
        raise ConsentError("Choose an agency of this area.", field="agency")
    if agency.pk in _base_agencies(case):
        return True
    consent = current_consent(case)
    if not consent_covers(consent, agency):
        return False
    if not consent.grants.filter(agency=agency, revoked_at__isnull=True).exists():
        with acting_as(by, agency_id=agency.pk):
            _grant(consent, [agency])
    return True


def reopening_agency_admit(*, case: Case, agency: Agency, by: User) -> bool:
    """The agency that reopened a CAF (R-CHECK-4) joins it like any other agency."""
    return agency_admit(case=case, agency=agency, by=by)


def agency_excluded(case: Case, agency: Agency) -> bool:
    """Whether the family has not agreed to share with ``agency``: it may not join the TAC,
    a referral or a forum agenda for this case until new consent (R-CONSENT-4)."""
    if agency.pk in _base_agencies(case):
        return False
    consent = current_consent(case)
    if consent is None:
        return True
    return not consent.grants.filter(agency=agency, revoked_at__isnull=True).exists()


@once(ConsentRefusal, author_field="practitioner")
def refusal_record(
    *,
    case: Case,
    by: User,
    refused_by: str,
    refused_on: date,
    note: str = "",
    idempotency_key: str = "",
) -> ConsentRefusal:
    """Log a refusal with the child's demographics and the practitioner (R-CONSENT-7). The
    episode ends with it: without consent nothing more is recorded (R-CONSENT-1). The same
    submission sent again returns the first refusal."""
    _require_case_worker(case, by)
    _require_open_case(case, "recording a refusal")
    require("refused_on", validate_event_date, refused_on, ConsentError, **_birth(case))
    if current_consent(case) is not None:
        raise ConsentError("Consent is on record: withdraw it rather than record a refusal.")
    child = case.child
    with transaction.atomic(), _acting(by, case):
        _require_open_case(_lock(case), "recording a refusal")  # one refusal closes it once
        if current_consent(case) is not None:  # consent recorded meanwhile, under the lock
            raise ConsentError("Consent is on record: withdraw it rather than record a refusal.")
        refusal = ConsentRefusal(
            tenant_id=case.tenant_id,
            case=case,
            child=child,
            child_name=child.full_name,
            date_of_birth=child.date_of_birth,
            gender=child.gender,
            ethnicity=child.ethnicity,
            postcode=child.postcode,
            refused_by=refused_by,
            note=note.strip(),
            practitioner=by,
            agency=case.assessor_agency,
            refused_on=refused_on,
            idempotency_key=idempotency_key,
        )
        refusal.full_clean()
        refusal.save()
        case.state = CaseState.CLOSED
        case.closed_on = refused_on
        case.save(update_fields=["state", "closed_on", "updated_at"])
        return refusal


def refusal_escalate(
    *, by: User, refusals: list[ConsentRefusal], pattern: str, escalated_to: str, reason: str
) -> RefusalEscalation:
    """The CAF team escalates a pattern of refusals to social care, recorded (R-CONSENT-7)."""
    if not in_caf_team_as(by, Role.CAF_COORDINATOR, Role.MANAGER):
        raise ConsentError("Only the CAF team can escalate refusals.")
    if not refusals:
        raise ConsentError("Choose the refusals that form the pattern.", field="refusals")
    if any(r.tenant_id != by.tenant_id for r in refusals):
        raise ConsentError("Refusal not found.", field="refusals")
    if not escalated_to.strip():
        raise ConsentError("Enter who it was escalated to.", field="escalated_to")
    require_names(ConsentError, escalated_to=escalated_to)
    if not reason.strip():
        raise ConsentError("Say why the pattern is a concern.", field="reason")
    caf_team = caf_team_of(by.tenant_id)
    with transaction.atomic(), acting_as(by, agency_id=caf_team.pk if caf_team else None):
        escalation = RefusalEscalation.objects.create(
            tenant_id=by.tenant_id,
            pattern=pattern.strip()[:300],
            escalated_to=escalated_to.strip(),
            reason=reason.strip(),
            escalated_by=by,
        )
        escalation.refusals.set(refusals)
        return escalation


WITHOUT_CONSENT = {
    SharingGround.SIGNIFICANT_HARM,
    SharingGround.RISK_OF_HARM,
    SharingGround.SERIOUS_CRIME,
}


@once(SharingDecision, author_field="decided_by")
def sharing_decision_record(
    *,
    case: Case,
    by: User,
    ground: str,
    shared_with: str,
    what: str,
    justification: str,
    idempotency_key: str = "",
) -> SharingDecision:
    """Record a decision to share or not, with what, with whom and why (R-CONSENT-8). The
    same submission sent again returns the first decision."""
    _require_case_worker(case, by)
    if not shared_with.strip():
        raise ConsentError(
            "Enter who the information was, or was not, shared with.", field="shared_with"
        )
    require_names(ConsentError, shared_with=shared_with)
    if not what.strip():
        raise ConsentError("Describe the information.", field="what")
    if not justification.strip():
        raise ConsentError("Record the reasons for the decision.", field="justification")
    if ground == SharingGround.CONSENT and current_consent(case) is None:
        raise ConsentError(
            "There is no consent to share on record: choose a ground for sharing without it.",
            field="ground",
        )
    with transaction.atomic(), _acting(by, case):
        decision = SharingDecision(
            case=case,
            ground=ground,
            shared_with=shared_with.strip(),
            what=what.strip(),
            justification=justification.strip(),
            decided_by=by,
            idempotency_key=idempotency_key,
        )
        decision.full_clean()
        decision.save()
        return decision


@once(ConfidentialNote, author_field="author")
def confidential_note_add(
    *, case: Case, by: User, text: str, idempotency_key: str = ""
) -> ConfidentialNote:
    """A note only its author will ever see (R-CONSENT-9). The same submission sent again
    returns the first note."""
    _require_case_worker(case, by)
    if not text.strip():
        raise ConsentError("Write the note.", field="text")
    return ConfidentialNote.objects.create(
        case=case, author=by, text=text.strip(), idempotency_key=idempotency_key
    )


def assessment_start(*, case: Case, by: User) -> Case:
    """No assessment without consent to undertake and to record (R-CONSENT-1)."""
    _require_case_worker(case, by)
    consent = current_consent(case)
    if consent is None or not (consent.to_undertake and consent.to_record):
        raise ConsentError("Record the family's consent before starting the assessment.")
    if case.state not in (CaseState.INTENTION_LOGGED, CaseState.CONSENT):
        raise ConsentError("The assessment has already started.")
    with transaction.atomic(), _acting(by, case):
        case.state = CaseState.ASSESSMENT
        case.assessment_started_on = timezone.localdate()
        case.save(update_fields=["state", "assessment_started_on", "updated_at"])
        return case
