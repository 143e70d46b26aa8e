"""Every route, every role and agency relation, every consent and lifecycle state, over HTTP.

The routes are enumerated from the URL resolver: a route added without an entry in ``ROUTES``
fails ``test_every_route_has_an_oracle``. The expected answer is computed from raw rows
(memberships, DBS dates, consent grants, the case's state), never from ``cases.permissions``,
so a mistake in the access model cannot hide itself (R-AUDIT-2, R-CONSENT-4..5, R-TEN-1,
R-TEN-4, R-RET-1).
"""

import re
from dataclasses import dataclass
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agencies.models import CASEWORK_ROLES, AgencyKind, Membership, Role, User
from assessments.models import Assessment
from assessments.services import assessment_begin
from audit.models import ChangeLogEntry
from cases import checks
from cases.models import CafCheck, Case, CaseState, Gender, TeamMembership
from cases.services import case_open, child_register
from consent.models import Consent, ConsentGrant
from consent.services import consent_record, consent_withdraw
from delivery.models import CaseClosure
from referrals.models import InvolvementKind, Tier34Involvement
from referrals.services import tier34_involvement_record
from tests.factories import PASSWORD, platform_user

pytestmark = pytest.mark.matrix

TODAY = timezone.localdate()


# --- The oracle: who should see what, from the rows themselves -------------------------------


def _casework(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(
            user=user, role__in=CASEWORK_ROLES, agency__is_active=True
        ).select_related("agency")
    )


def _eligible(user: User, tenant_id: int) -> bool:
    return (
        user.is_active
        and not user.is_superuser
        and user.tenant_id == tenant_id
        and user.dbs_checked_on is not None
    )


def in_caf_team(user: User, tenant_id: int | None) -> bool:
    return (
        tenant_id is not None
        and _eligible(user, tenant_id)
        and any(m.agency.kind == AgencyKind.CAF_TEAM for m in _casework(user))
    )


def sees(user: User, case: Case) -> bool:
    case = Case.objects.get(pk=case.pk)
    if not _eligible(user, case.tenant_id):
        return False
    agencies = {m.agency_id for m in _casework(user)}
    if not agencies:
        return False
    if in_caf_team(user, case.tenant_id):
        return True
    if case.state == CaseState.ARCHIVED:
        return False
    if case.assessor_agency_id in agencies:
        return True
    return ConsentGrant.objects.filter(
        consent__case=case,
        consent__withdrawn_on__isnull=True,
        revoked_at__isnull=True,
        agency_id__in=agencies,
    ).exists()


def changes(user: User, case: Case) -> bool:
    """Consent grants let an agency see a case; working on it is the assessor's agency's, the
    CAF team's, and that of an agency in the team around the child."""
    case = Case.objects.get(pk=case.pk)
    # An archived CAF is read-only, for the CAF team too (R-RET-1).
    if not sees(user, case) or case.state == CaseState.ARCHIVED:
        return False
    agencies = {m.agency_id for m in _casework(user)}
    return (
        in_caf_team(user, case.tenant_id)
        or case.assessor_agency_id in agencies
        or TeamMembership.objects.filter(
            case=case, agency_id__in=agencies, left_at__isnull=True
        ).exists()
    )


def sees_consent_copy(user: User, case: Case) -> bool:
    return sees(user, case) and Consent.objects.filter(case=case, withdrawn_on=None).exists()


def sees_assessment(user: User, case: Case) -> bool:
    return sees(user, case) and Assessment.objects.filter(case=case).exists()


def changes_assessment(user: User, case: Case) -> bool:
    return changes(user, case) and Assessment.objects.filter(case=case).exists()


def validates_assessment(user: User, case: Case) -> bool:
    """The CAF team of the case's tenant opens the validation of any assessment in it, while
    the CAF is not archived."""
    return (
        in_caf_team(user, case.tenant_id)
        and Assessment.objects.filter(case=case).exclude(case__state=CaseState.ARCHIVED).exists()
    )


def convenes(user: User, case: Case) -> bool:
    """A TAC meeting is arranged by the case's assessor, its lead professional or the CAF
    team (R-TAC-1)."""
    case = Case.objects.get(pk=case.pk)
    return sees(user, case) and (
        user.pk in (case.assessor_id, case.lead_professional_id)
        or in_caf_team(user, case.tenant_id)
    )


def refers_to_social_care(user: User, case: Case) -> bool:
    """A CAF is referred to children's social care by its assessor, its lead professional or
    the CAF team, with CHANGE on it (R-REF-4)."""
    case = Case.objects.get(pk=case.pk)
    return changes(user, case) and (
        user.pk in (case.assessor_id, case.lead_professional_id)
        or in_caf_team(user, case.tenant_id)
    )


def proposes_lead(user: User, case: Case) -> bool:
    """Outside a meeting, the CAF team proposes a lead professional (R-LP-1)."""
    return in_caf_team(user, case.tenant_id)


def hands_over_lead(user: User, case: Case) -> bool:
    """A handover is planned by the case's lead professional or the CAF team (R-LP-1)."""
    case = Case.objects.get(pk=case.pk)
    return sees(user, case) and (
        user.pk == case.lead_professional_id or in_caf_team(user, case.tenant_id)
    )


def sees_closure_letter(user: User, case: Case) -> bool:
    """The family's closure letter is printed by anyone who sees a case that stands closed."""
    return sees(user, case) and CaseClosure.objects.filter(case=case, reopened_on=None).exists()


def plans(user: User, case: Case) -> bool:
    """Actions are added to a case's plan by its lead professional or anyone who works on it
    (R-PLAN-1)."""
    case = Case.objects.get(pk=case.pk)
    return changes(user, case) or (sees(user, case) and user.pk == case.lead_professional_id)


def sees_check(user: User, check: CafCheck) -> bool:
    if not _eligible(user, check.tenant_id):
        return False
    return check.by_id == user.pk or in_caf_team(user, check.tenant_id)


def escalates_refusals(user: User, tenant_id: int | None) -> bool:
    return (
        in_caf_team(user, tenant_id)
        and Membership.objects.filter(
            user=user,
            agency__kind=AgencyKind.CAF_TEAM,
            role__in=[Role.CAF_COORDINATOR, Role.MANAGER],
        ).exists()
    )


def manages(user: User, tenant_id: int | None) -> bool:
    return (
        tenant_id is not None
        and user.tenant_id == tenant_id
        and user.dbs_checked_on is not None
        and Membership.objects.filter(user=user, role=Role.MANAGER).exists()
    )


def sees_job_runs(user: User, tenant_id: int | None) -> bool:
    """The run log of scheduled jobs: managers and the CAF team (no case content in it)."""
    return manages(user, tenant_id) or in_caf_team(user, tenant_id)


def oversees(user: User, tenant_id: int | None) -> bool:
    """Oversight (issue 15): managers and the CAF team, each seeing what they may open
    (tests/test_dashboard.py, tests/test_annex_a.py and tests/test_supporting_families.py
    walk the scoping)."""
    return manages(user, tenant_id) or in_caf_team(user, tenant_id)


def sets_retention(user: User, tenant_id: int | None) -> bool:
    """The tenant's administrator, or a manager of its CAF team (R-RET-1)."""
    if tenant_id is None or user.tenant_id != tenant_id:
        return False
    memberships = Membership.objects.filter(user=user, agency__is_active=True)
    return memberships.filter(role=Role.TENANT_ADMIN).exists() or (
        in_caf_team(user, tenant_id)
        and memberships.filter(agency__kind=AgencyKind.CAF_TEAM, role=Role.MANAGER).exists()
    )


def keeps_records(user: User, tenant_id: int | None) -> bool:
    """Legal holds: CAF coordinators and managers of the CAF team, managers of any agency."""
    return escalates_refusals(user, tenant_id) or manages(user, tenant_id)


# --- Routes: what each one is about and which rule answers it ---------------------------------

# name -> (what the URL's id is, the rule, methods to try)
ROUTES = {
    "cases:detail": ("case", sees, ["get"]),
    "cases:child_details": ("case", changes, ["get", "post"]),
    "cases:timeline": ("case", sees, ["get"]),
    # A case's whole history (issue 15): whoever sees the case, managers among them; a person's
    # activity is walked, every role and another tenant, in tests/test_person_activity.py.
    "cases:history": ("case", sees, ["get"]),
    "case-history": ("case", sees, ["get"]),
    "audit:person": ("person", None, ["get"]),
    "person-activity": ("person", None, ["get"]),
    "consent:pdf": ("case", sees_consent_copy, ["get"]),
    "consent:record": ("case", changes, ["get", "post"]),
    "consent:withdraw": ("case", changes, ["get", "post"]),
    "consent:refusal": ("case", changes, ["get", "post"]),
    "consent:sharing": ("case", changes, ["get", "post"]),
    "consent:note": ("case", changes, ["get", "post"]),
    "case-detail": ("case", sees, ["get"]),
    "case-consent": ("case", changes, ["post"]),
    "case-consent-withdraw": ("case", changes, ["post"]),
    "case-refusal": ("case", changes, ["post"]),
    "case-sharing": ("case", changes, ["post"]),
    "case-notes": ("case", changes, ["get", "post"]),
    # The assessment (issue 11). Sections, begin and the task list:
    "assessments:begin": ("case", changes, ["post"]),
    "assessments:view": ("case", sees_assessment, ["get"]),
    "assessments:tasks": ("case", changes_assessment, ["get"]),
    "assessments:check_answers": ("case", changes_assessment, ["get"]),
    "assessments:section": ("case", changes_assessment, ["get", "post"]),
    "assessments:autosave": ("case", changes_assessment, ["post"]),
    "assessment-begin": ("case", changes, ["post"]),
    "assessment-detail": ("case", sees_assessment, ["get"]),
    "assessment-section": ("case", changes_assessment, ["get", "put"]),
    "assessment-section-draft": ("case", changes_assessment, ["put"]),
    # Sign-off, the PDF, copies and submission:
    "assessments:sign_off": ("case", changes_assessment, ["get", "post"]),
    "assessments:pdf": ("case", sees_assessment, ["get"]),
    "assessments:copies": ("case", changes_assessment, ["get", "post"]),
    "assessment-sign-off": ("case", changes_assessment, ["post"]),
    "assessment-pdf": ("case", sees_assessment, ["get"]),
    "assessment-copies": ("case", changes_assessment, ["get", "post"]),
    # A stored signature scan: tests/test_assessment_sign_off.py walks it.
    "assessments:signature": ("signature", sees_assessment, ["get"]),
    "assessment-signature": ("signature", sees_assessment, ["get"]),
    # Submission, the CAF team's queue and decision, the assessor's answers:
    "assessments:submit": ("case", changes_assessment, ["post"]),
    "assessment-submit": ("case", changes_assessment, ["post"]),
    "assessments:queue": ("caf_team", in_caf_team, ["get"]),
    "assessment-queue-list": ("caf_team", in_caf_team, ["get"]),
    # Deadlines (issue 14): the tenant-wide page is the CAF team's; the API answers everyone
    # with what they may see (tests/test_deadlines_pages.py walks the scoping).
    "deadlines:list": ("caf_team", in_caf_team, ["get"]),
    "deadlines:api-list": ("own", None, ["get"]),
    "assessments:validate": ("case", validates_assessment, ["get", "post"]),
    "assessment-validation": ("case", validates_assessment, ["get", "post"]),
    "assessments:queries": ("case", changes_assessment, ["get", "post"]),
    "assessment-queries": ("case", changes_assessment, ["get", "post"]),
    # Versions and their comparison:
    "assessments:version_new": ("case", changes_assessment, ["get", "post"]),
    "assessments:version": ("case", sees_assessment, ["get"]),
    "assessments:compare": ("case", sees_assessment, ["get"]),
    "assessment-versions": ("case", sees_assessment, ["get"]),
    "assessment-version-new": ("case", changes_assessment, ["post"]),
    "assessment-version": ("case", sees_assessment, ["get"]),
    "assessment-compare": ("case", sees_assessment, ["get"]),
    # Contributions: asked for on the case; written by the named contributor alone
    # (tests/test_assessment_contributions.py walks the contributor's routes).
    "assessments:contribution_request": ("case", changes_assessment, ["get", "post"]),
    "assessment-contribution-request": ("case", changes_assessment, ["post"]),
    "assessments:contribution": ("contribution", None, ["get", "post"]),
    "contribution-detail": ("contribution", None, ["get"]),
    "contribution-submit": ("contribution", None, ["post"]),
    "assessments:contribution_review": ("contribution", None, ["get", "post"]),
    "assessment-contribution-accept": ("contribution", None, ["post"]),
    # Team around the child meetings (issue 12). The list and arranging one, on the case:
    "meetings:list": ("case", sees, ["get"]),
    "meetings:new": ("case", convenes, ["get", "post"]),
    "meetings:api-list": ("case", sees, ["get"]),
    # Keyed by a meeting of the case: tests/test_tac_meetings.py walks them.
    "meetings:detail": ("meeting", None, ["get"]),
    "meetings:agenda_pdf": ("meeting", None, ["get"]),
    "meetings:minutes_pdf": ("meeting", None, ["get"]),
    "meetings:record": ("meeting", None, ["get", "post"]),
    "meetings:invite": ("meeting", None, ["get", "post"]),
    "meetings:action": ("meeting", None, ["get", "post"]),
    "meetings:hold": ("meeting", None, ["get", "post"]),
    "meetings:cancel": ("meeting", None, ["get", "post"]),
    "meetings:respond": ("meeting", None, ["get", "post"]),
    "meetings:api-detail": ("meeting", None, ["get"]),
    "meetings:api-record": ("meeting", None, ["post"]),
    "meetings:api-invite": ("meeting", None, ["post"]),
    "meetings:api-action": ("meeting", None, ["post"]),
    "meetings:api-hold": ("meeting", None, ["post"]),
    "meetings:api-cancel": ("meeting", None, ["post"]),
    "meetings:api-respond": ("meeting", None, ["post"]),
    # A forum invitation, answered by its invitee alone (tests/test_forum_invitations.py walks
    # them with every role and another tenant's user).
    "meetings:invitation": ("forum_invitation", None, ["get", "post"]),
    "forum-invitation-detail": ("forum_invitation", None, ["get"]),
    "forum-invitation-respond": ("forum_invitation", None, ["post"]),
    # Forums, seasons and nominations (issue 12): nominating is the case's; forums, seasons and
    # nominations are walked by tests/test_forum_pages.py (every role, the other tenant).
    "meetings:nominate": ("case", sees, ["get", "post"]),
    "meetings:forums": ("forum", None, ["get"]),
    "meetings:forum": ("forum", None, ["get", "post"]),
    "meetings:forum_change": ("forum", None, ["get", "post"]),
    "meetings:season_new": ("forum_season", None, ["get", "post"]),
    "meetings:season": ("forum_season", None, ["get", "post"]),
    "meetings:nomination": ("nomination", None, ["get", "post"]),
    "forum-list": ("forum", None, ["get"]),
    "forum-detail": ("forum", None, ["get"]),
    "forum-sessions": ("forum_season", None, ["post"]),
    "forum-season-list": ("forum_season", None, ["get", "post"]),
    "forum-season-detail": ("forum_season", None, ["get"]),
    "forum-season-forums": ("forum_season", None, ["post"]),
    "forum-season-core-members": ("forum_season", None, ["post"]),
    "forum-season-core-member-remove": ("forum_season", None, ["delete"]),
    "nomination-list": ("nomination", None, ["get", "post"]),
    "nomination-detail": ("nomination", None, ["get"]),
    "nomination-withdraw": ("nomination", None, ["post"]),
    "nomination-accept-late": ("nomination", None, ["post"]),
    "nomination-defer": ("nomination", None, ["post"]),
    "nomination-attendees": ("nomination", None, ["post"]),
    # The agenda of a forum session and the forum's PDFs: keyed by a session or a forum, they
    # list only the cases the reader may see; tests/test_forum_agenda.py walks every role.
    "meetings:agenda": ("forum_session", None, ["get", "post"]),
    "meetings:forum_agenda_pdf": ("forum", None, ["get"]),
    "meetings:forum_sign_in_pdf": ("forum", None, ["get"]),
    "forum-session-agenda": ("forum_session", None, ["get", "post"]),
    # At the forum and after it (issue 12): the action plan PDF follows the case; routes keyed
    # by a forum or a nomination are walked, every role and another tenant, in
    # tests/test_forum_day.py.
    "meetings:action_plan_pdf": ("case", sees, ["get"]),
    "meetings:forum_chair": ("forum", None, ["get"]),
    "meetings:forum_statement": ("forum", None, ["post"]),
    "meetings:forum_attendance": ("forum", None, ["post"]),
    "meetings:forum_close": ("forum", None, ["post"]),
    "meetings:forum_circulate": ("forum", None, ["post"]),
    "meetings:forum_minutes": ("forum", None, ["get", "post"]),
    "meetings:forum_minutes_pdf": ("forum", None, ["get"]),
    "meetings:forum_lessons": ("forum", None, ["get", "post"]),
    "forum-day-minutes": ("forum", None, ["get", "put"]),
    "forum-day-lessons": ("forum", None, ["get", "put"]),
    "meetings:presenter_summary": ("nomination", None, ["get", "post"]),
    "meetings:presenter_summary_pdf": ("nomination", None, ["get"]),
    "meetings:forum_case_record": ("nomination", None, ["get", "post"]),
    "meetings:forum_case_action": ("nomination", None, ["post"]),
    "meetings:forum_case_heard": ("nomination", None, ["post"]),
    "forum-case-summary": ("nomination", None, ["get", "put"]),
    "forum-case-record": ("nomination", None, ["put"]),
    "forum-case-heard": ("nomination", None, ["post"]),
    # Tasks (issue 13): a task is its owner's alone, the person named or their agency's queue
    # (tests/test_tasks.py walks every role and another tenant); asking a practitioner to read
    # a CAF is the assessor's, the lead professional's and the CAF team's (R-REF-3).
    "referrals:task": ("task", None, ["get", "post"]),
    "referrals:read_access": ("case", convenes, ["get", "post"]),
    "task-list": ("own", None, ["get"]),
    "task-requests": ("own", None, ["get"]),
    "task-read-access": ("own", None, ["post"]),
    "task-detail": ("task", None, ["get"]),
    "task-answer": ("task", None, ["post"]),
    # Requests for service and social care referrals (issue 13): on the case; a request, a
    # referral and a step-down (keyed by a child) are walked, every role and another tenant, in
    # tests/test_service_requests.py and tests/test_social_care.py.
    "referrals:service_requests": ("case", sees, ["get"]),
    "referrals:service_request_new": ("case", changes, ["get", "post"]),
    "referrals:social_care_new": ("case", refers_to_social_care, ["get", "post"]),
    "referrals:api-service-requests": ("case", sees, ["get"]),
    "referrals:api-social-care-refer": ("case", refers_to_social_care, ["post"]),
    "referrals:service_request": ("service_request", None, ["get", "post"]),
    "referrals:api-service-request": ("service_request", None, ["get"]),
    "referrals:api-service-request-answer": ("service_request", None, ["post"]),
    "referrals:social_care": ("social_care_referral", None, ["get", "post"]),
    "referrals:social_care_letter": ("social_care_referral", None, ["get"]),
    "referrals:api-social-care-referral": ("social_care_referral", None, ["get"]),
    "referrals:api-social-care-decision": ("social_care_referral", None, ["post"]),
    "referrals:step_down": ("child", None, ["get", "post"]),
    # The lead professional (R-LP-1). Proposals and disagreements are walked as every role in
    # tests/test_lead_professional.py.
    "delivery:lead": ("case", sees, ["get"]),
    "delivery:lead_propose": ("case", proposes_lead, ["get", "post"]),
    "delivery:lead_handover": ("case", hands_over_lead, ["get", "post"]),
    "delivery:lead_dispute_raise": ("case", changes, ["get", "post"]),
    "delivery:api-lead": ("case", sees, ["get"]),
    "delivery:api-lead-propose": ("case", proposes_lead, ["post"]),
    "delivery:api-lead-handover": ("case", hands_over_lead, ["post"]),
    "delivery:api-lead-dispute": ("case", changes, ["post"]),
    "delivery:proposal": ("lead_proposal", None, ["get", "post"]),
    "delivery:proposal_withdraw": ("lead_proposal", None, ["post"]),
    "delivery:api-proposal": ("lead_proposal", None, ["get"]),
    "delivery:api-proposal-accept": ("lead_proposal", None, ["post"]),
    "delivery:api-proposal-decline": ("lead_proposal", None, ["post"]),
    "delivery:api-proposal-withdraw": ("lead_proposal", None, ["post"]),
    "delivery:dispute": ("lead_dispute", None, ["get", "post"]),
    "delivery:api-dispute": ("lead_dispute", None, ["get"]),
    "delivery:api-dispute-resolve": ("lead_dispute", None, ["post"]),
    # Reviews, closure and reopening (issue 13): closing and reopening as for arranging a TAC
    # (the assessor, the lead professional, the CAF team).
    "delivery:reviews": ("case", sees, ["get"]),
    "delivery:review_new": ("case", changes, ["get", "post"]),
    "delivery:close": ("case", convenes, ["get", "post"]),
    "delivery:reopen": ("case", convenes, ["get", "post"]),
    "delivery:closure_letter": ("case", sees_closure_letter, ["get"]),
    "delivery:api-reviews": ("case", sees, ["get"]),
    "delivery:api-close": ("case", convenes, ["post"]),
    "delivery:api-reopen": ("case", convenes, ["post"]),
    # The action plan (issue 13): the plan follows the case; routes keyed by an action are
    # walked, every role and another tenant, in tests/test_action_plan.py.
    "delivery:plan": ("case", sees, ["get"]),
    "delivery:plan_add": ("case", plans, ["get", "post"]),
    "delivery:api-plan": ("case", sees, ["get"]),
    "delivery:api-plan-add": ("case", plans, ["post"]),
    "delivery:plan_action": ("plan_action", None, ["get"]),
    "delivery:plan_action_accept": ("plan_action", None, ["post"]),
    "delivery:plan_action_decline": ("plan_action", None, ["post"]),
    "delivery:plan_action_status": ("plan_action", None, ["post"]),
    "delivery:plan_action_note": ("plan_action", None, ["post"]),
    "delivery:plan_action_drop": ("plan_action", None, ["post"]),
    "delivery:api-plan-action": ("plan_action", None, ["get"]),
    "delivery:api-plan-action-accept": ("plan_action", None, ["post"]),
    "delivery:api-plan-action-decline": ("plan_action", None, ["post"]),
    "delivery:api-plan-action-status": ("plan_action", None, ["post"]),
    "delivery:api-plan-action-note": ("plan_action", None, ["post"]),
    "delivery:api-plan-action-drop": ("plan_action", None, ["post"]),
    # Two ids (the case, the consent) and a stored file: tests/test_consent_scans.py walks them.
    "consent:scan": ("scan", sees, ["get"]),
    "case-consent-scan": ("scan", sees, ["get"]),
    "checks:detail": ("check", sees_check, ["get"]),
    "checks:decide": ("check", sees_check, ["post"]),
    "checks:new_child": ("check", sees_check, ["get"]),
    "checks:join": ("check", sees_check, ["get"]),
    "checks:concern": ("check", sees_check, ["get"]),
    "checks:protection": ("check", sees_check, ["get"]),
    "check-detail": ("check", sees_check, ["get"]),
    "check-decision": ("check", sees_check, ["post"]),
    "checks:list": ("caf_team", in_caf_team, ["get"]),
    "checks:merge": ("caf_team", in_caf_team, ["get"]),
    "consent:refusals": ("caf_team", in_caf_team, ["get"]),
    "refusal-list": ("caf_team", in_caf_team, ["get"]),
    "refusal-patterns": ("caf_team", in_caf_team, ["get"]),
    "refusal-escalate": ("caf_team", escalates_refusals, ["post"]),
    "audit:search": ("manager", manages, ["get"]),
    # The trail's CSV export and API: the same managers; what each sees is walked in
    # tests/test_audit_trail.py.
    "audit:export": ("manager", manages, ["get"]),
    "api-audit": ("manager", manages, ["get"]),
    "monitoring:runs": ("manager", sees_job_runs, ["get"]),
    # The oversight dashboard (issue 15).
    "reports:dashboard": ("manager", oversees, ["get"]),
    "reports:cases": ("manager", oversees, ["get"]),
    "reports:api-dashboard": ("manager", oversees, ["get"]),
    # The returns (issue 15): Ofsted's Annex A list and the Supporting Families return. An
    # export job is its requester's alone (tests/test_exports.py walks every role and another
    # tenant).
    "reports:annex_a": ("manager", oversees, ["get"]),
    "reports:supporting_families": ("manager", oversees, ["get"]),
    "reports:sf_cases": ("manager", oversees, ["get"]),
    "reports:api-annex-a": ("manager", oversees, ["get"]),
    "reports:api-supporting-families": ("manager", oversees, ["get"]),
    "reports:export_status": ("export_job", None, ["get"]),
    "reports:export_download": ("export_job", None, ["get"]),
    "reports:api-export-status": ("export_job", None, ["get"]),
    # Retention (issue 14): the periods, legal holds and the dry run of the tenant; lifting a
    # hold is walked, every role and another tenant, in tests/test_retention.py.
    "retention:policy": ("caf_team", sets_retention, ["get", "post"]),
    "retention:holds": ("caf_team", keeps_records, ["get"]),
    "retention:hold_place": ("caf_team", keeps_records, ["get", "post"]),
    "retention:hold_lift": ("legal_hold", None, ["get", "post"]),
    "retention:preview": ("caf_team", in_caf_team, ["get"]),
    # Lists every signed-in user opens; what they list is checked child by child below.
    "home": ("list", None, ["get"]),
    "case-list": ("list", None, ["get"]),
    "check-list": ("own", None, ["get"]),
    "checks:start": ("own", None, ["get"]),
    "api-root": ("own", None, ["get"]),
    # One's own account: its second factor and password.
    "account": ("own", None, ["get"]),
    "two_factor_verify": ("own", None, ["get"]),
    "two_factor_set_up": ("own", None, ["get"]),
    "recovery_codes_new": ("own", None, ["get"]),
    "password_change": ("own", None, ["get"]),
    "password_change_done": ("own", None, ["get"]),
    # One's own sessions and API tokens (tests/test_shared_computers.py: nobody else's).
    "security:sessions": ("own", None, ["get"]),
    "security:api_tokens": ("own", None, ["get"]),
    "security:session_end": ("own", None, ["post"]),
    "security:sessions_end_others": ("own", None, ["post"]),
    "security:session_extend": ("own", None, ["post"]),
    "security:api_token_revoke": ("own", None, ["post"]),
    # Open to all: signing in and out, a forgotten password, the API's description, the health
    # check.
    "login": ("public", None, []),
    "logout": ("public", None, []),
    "password_reset": ("public", None, []),
    "password_reset_done": ("public", None, []),
    "password_reset_confirm": ("public", None, []),
    "password_reset_complete": ("public", None, []),
    "api-schema": ("public", None, []),
    "api-docs": ("public", None, []),
    "healthz": ("public", None, []),
}


def _route_names(patterns, namespace="") -> set[str | None]:
    names: set[str | None] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner == "admin":
                continue  # Django admin: test_admin_object_pages_answer_404_alike
            names |= _route_names(
                pattern.url_patterns, f"{namespace}{inner}:" if inner else namespace
            )
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}" if pattern.name else None)
    return names


def test_every_route_has_an_oracle():
    names = _route_names(get_resolver().url_patterns)
    assert None not in names, "every route needs a name, so the access test can find it"
    assert names - set(ROUTES) == set(), "add these routes to ROUTES with their access rule"


# --- The world: one tenant's cases in every consent and lifecycle state -----------------------


@dataclass
class Scene:
    users: dict[str, User]
    cases: dict[str, Case]
    check: CafCheck
    check_child_id: int
    involvement: Tier34Involvement


def _case(world, label: str) -> Case:
    assessor = world.a.users["assessor"]
    child = child_register(
        by=assessor,
        given_name="Oracle",
        # Ends in "Q" so that no child's name is the start of another's.
        family_name=f"Zz{label.replace('_', '').title()}Q",
        date_of_birth=date(2014, 3, 9),
        gender=Gender.NOT_KNOWN,
    )
    return case_open(child=child, assessor_agency=world.a.school, by=assessor)


def _consent(world, case, scope, agencies):
    return consent_record(
        case=case,
        by=world.a.users["assessor"],
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope=scope,
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        agencies=agencies,
    )


def _close(case, months_ago=2):
    # No closure service exists yet (the delivery issue builds it): the state alone matters.
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.CLOSED, closed_on=TODAY - relativedelta(months=months_ago)
    )


@pytest.fixture
def scene(world) -> Scene:
    police = world.a.police
    cases = {"no_consent": world.a.case}
    cases["named_police"] = _case(world, "named_police")
    _consent(world, cases["named_police"], "named_only", [police])
    assessment_begin(case=cases["named_police"], by=world.a.users["assessor"])
    cases["police_excluded"] = _case(world, "police_excluded")
    _consent(world, cases["police_excluded"], "all_except", [police])
    assessment_begin(case=cases["police_excluded"], by=world.a.users["assessor"])
    cases["withdrawn"] = _case(world, "withdrawn")
    _consent(world, cases["withdrawn"], "named_only", [police])
    assessment_begin(case=cases["withdrawn"], by=world.a.users["assessor"])
    consent_withdraw(case=cases["withdrawn"], by=world.a.users["assessor"], on=TODAY)
    cases["withdrawn_for_police"] = _case(world, "withdrawn_for_police")
    _consent(world, cases["withdrawn_for_police"], "all_except", [])
    consent_withdraw(
        case=cases["withdrawn_for_police"], by=world.a.users["assessor"], on=TODAY, agency=police
    )
    cases["closed_named_police"] = _case(world, "closed_named_police")
    _consent(world, cases["closed_named_police"], "named_only", [police])
    assessment_begin(case=cases["closed_named_police"], by=world.a.users["assessor"])
    _close(cases["closed_named_police"])
    # Reopened by the police through the register check, with no consent to share with them.
    cases["reopened"] = _case(world, "reopened")
    _close(cases["reopened"])
    officer = world.a.users["police_practitioner"]
    reopen_check, _ = checks.check_search(
        by=officer, agency=police, given_name="Oracle", family_name="ZzReopenedQ"
    )
    checks.check_reopen(check=reopen_check, by=officer, child=cases["reopened"].child)
    cases["archived_named_police"] = _case(world, "archived_named_police")
    _consent(world, cases["archived_named_police"], "named_only", [police])
    assessment_begin(case=cases["archived_named_police"], by=world.a.users["assessor"])
    # No retention service exists yet (the retention issue builds it): the state alone matters.
    Case.objects.filter(pk=cases["archived_named_police"].pk).update(state=CaseState.ARCHIVED)

    check, _ = checks.check_search(
        by=officer,
        agency=police,
        given_name="Jamie",
        family_name=world.a.case.child.family_name,
        date_of_birth=world.a.case.child.date_of_birth,
    )
    involvement = tier34_involvement_record(
        child=world.a.case.child,
        kind=InvolvementKind.EARLY_SUPPORT,
        keyworker_agency=world.a.school,
        keyworker_name="Kim Keyworker",
        started_on=date(2025, 1, 1),
        by=world.a.users["coordinator"],
    )
    users = {f"a.{name}": user for name, user in world.a.users.items()}
    for name in ("coordinator", "assessor", "caf_manager"):
        users[f"b.{name}"] = world.b.users[name]
    superuser = platform_user()
    superuser.set_password(PASSWORD)
    superuser.save()
    users["superuser"] = superuser
    return Scene(
        users=users,
        cases=cases,
        check=check,
        check_child_id=world.a.case.child_id,
        involvement=involvement,
    )


# The rest of a route's URL beyond the case id.
EXTRA_KWARGS = {
    "assessments:section": {"section": "about"},
    "assessments:autosave": {"section": "about"},
    "assessments:contribution_request": {"section": "development"},
    "assessment-section": {"section": "about"},
    "assessment-section-draft": {"section": "about"},
    "assessments:version": {"number": 1},
    "assessments:compare": {"number": 1},
    "assessment-version": {"number": 1},
    "assessment-compare": {"number": 1},
}


def _url(name: str, kind: str, scene: Scene, target) -> str:
    if kind == "case":
        return reverse(name, kwargs={"pk": target.pk, **EXTRA_KWARGS.get(name, {})})
    if kind == "check":
        extra = {
            "checks:join": {"child_pk": scene.check_child_id},
            "checks:concern": {"involvement_pk": scene.involvement.pk},
        }.get(name, {})
        return reverse(name, kwargs={"pk": target.pk, **extra})
    return reverse(name)


def _without_tokens(content: bytes) -> bytes:
    # Identical but for the per-response CSP nonce and the masked CSRF token.
    return re.sub(rb'(nonce|value|csrfmiddlewaretoken)="[^"]*"', b"", content)


def _request(client, method: str, url: str):
    if method == "get":
        return client.get(url)
    if method == "put":
        return client.put(url, {}, content_type="application/json")
    response = client.post(url, {})
    if response.status_code == 302:
        client.get(response["Location"])  # shows (and so clears) the message it left
    return response


def _mismatches(scene: Scene, login, kinds: set[str], part: int = 0, parts: int = 1) -> list[str]:
    """Every route of ``kinds`` as every user of this ``part`` of the scene's users (the
    parts run side by side under pytest-xdist), against the rules."""
    problems = []
    missing = {"case": Case(pk=99999999), "check": CafCheck(pk=99999999)}
    names = [n for n, (kind, _, _) in ROUTES.items() if kind in kinds]
    for user_name, user in list(scene.users.items())[part::parts]:
        client = login(user)
        # A user's 404 for a missing object is the same whichever target it is compared with.
        missing_answers = {}
        for name in names:
            kind, rule, methods = ROUTES[name]
            if kind == "case":
                targets = list(scene.cases.items())
            elif kind == "check":
                targets = [("check", scene.check)]
            else:
                targets = [(kind, None)]
            for method in methods:
                for label, target in targets:
                    if kind in ("case", "check"):
                        allowed = rule(user, target)
                    else:
                        allowed = rule(user, user.tenant_id)
                    url = _url(name, kind, scene, target)
                    before = ChangeLogEntry.objects.count()
                    response = _request(client, method, url)
                    status = response.status_code
                    where = f"{user_name} {method.upper()} {name} [{label}] -> {status}"
                    if status >= 500:
                        problems.append(f"{where}: server error")
                    elif allowed and status == 404:
                        problems.append(f"{where}: refused but the rules allow it")
                    elif not allowed and status != 404:
                        problems.append(f"{where}: answered but the rules refuse it")
                    if not allowed and status == 404:
                        if kind == "case" and target.child.family_name.encode() in (
                            response.content
                        ):
                            problems.append(f"{where}: the child's name is in the 404")
                        if method == "post" and ChangeLogEntry.objects.count() != before:
                            problems.append(f"{where}: a refused request wrote something")
                        if kind in missing:
                            if (name, method) not in missing_answers:
                                other = _url(name, kind, scene, missing[kind])
                                missing_answers[name, method] = _without_tokens(
                                    _request(client, method, other).content
                                )
                            alike = missing_answers[name, method]
                            if alike != _without_tokens(response.content):
                                problems.append(f"{where}: the 404 differs from a missing one")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("part", range(3))
def test_case_routes_follow_the_oracle(scene, login, part):
    assert _mismatches(scene, login, {"case"}, part=part, parts=3) == []


@pytest.mark.django_db
def test_check_and_team_routes_follow_the_oracle(scene, login):
    assert _mismatches(scene, login, {"check", "caf_team", "manager"}) == []


def test_lists_show_exactly_the_children_the_oracle_allows(scene, login):
    problems = []
    for user_name, user in scene.users.items():
        client = login(user)
        pages = {"home": client.get("/").content, "case-list": client.get("/api/cases/").content}
        checks_list = client.get("/api/checks/").content
        for label, case in scene.cases.items():
            expected = sees(user, case)
            for page, content in pages.items():
                shown = case.child.family_name.encode() in content
                if shown != expected:
                    problems.append(f"{user_name} {page} [{label}]: shown={shown}")
                if case.reference.encode() in content and not expected:
                    problems.append(f"{user_name} {page} [{label}]: its reference is shown")
            # A check shows that a CAF exists, never the reference of one its author cannot open.
            if case.reference.encode() in checks_list and not expected:
                problems.append(f"{user_name} check-list [{label}]: its reference is shown")
    assert problems == []


def test_own_and_public_routes_answer_everyone_without_error(scene, login):
    for user in scene.users.values():
        client = login(user)
        for name, (kind, _, methods) in ROUTES.items():
            if kind == "own" and "get" in methods:
                assert client.get(reverse(name)).status_code in (200, 302), name


def test_admin_object_pages_answer_404_alike_for_another_tenant_and_for_missing(world, login):
    client = login(world.a.users["tenant_admin"])
    foreign = {
        "agencies/agency": world.b.school.pk,
        "agencies/user": world.b.users["assessor"].pk,
        "agencies/tenant": world.b.tenant.pk,
    }
    for model, pk in foreign.items():
        for page in ("change/", "history/", "delete/"):
            theirs = client.get(f"/admin/{model}/{pk}/{page}")
            missing = client.get(f"/admin/{model}/99999999/{page}")
            assert theirs.status_code == missing.status_code == 404, (model, page)
            assert _without_tokens(theirs.content) == _without_tokens(missing.content)


def test_no_case_content_or_token_in_admin_for_anyone(world, login):
    superuser = platform_user()
    superuser.set_password(PASSWORD)
    superuser.save()
    for user in (superuser, world.a.users["tenant_admin"]):
        client = login(user)
        index = client.get("/admin/").content.decode()
        assert "changelogentry" not in index and "tokenproxy" not in index
        assert client.get("/admin/audit/changelogentry/").status_code == 404
        assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
