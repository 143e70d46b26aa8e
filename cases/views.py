from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from agencies.roles import in_caf_team
from assessments.selectors import case_assessment_summary, submission_due, with_submission_due
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError, add_error_to_form
from cases.forms import ChildDetailsForm
from cases.next_step import case_standing
from cases.permissions import (
    CHANGE,
    case_access_record,
    cases_for_user,
    get_case_for_user,
)
from cases.services import child_details_correct
from cases.timeline import case_timeline
from consent.models import ConsentGrant
from consent.selectors import (
    confidential_notes_for,
    consent_due_for_review,
    current_consent,
)
from deadlines.views import worklists_for
from delivery.selectors import delivery_standing, reviews_due_for
from meetings.selectors import (
    first_tac_due_for,
    first_tac_due_of,
    meetings_of,
    with_tac_held,
)
from meetings.services.nominations import LIVE_STATES
from referrals.selectors import open_tasks_for, requests_of

WORKLIST_LENGTH = 25


@login_required
def home(request):
    visible = cases_for_user(request.user).select_related("child", "assessor_agency")
    # One row more than shown tells whether there are more, without counting the table.
    assessing = list(
        with_tac_held(with_submission_due(visible.filter(assessor=request.user)))[
            : WORKLIST_LENGTH + 1
        ]
    )
    for case in assessing:
        case.submit_by = submission_due(case)
        case.first_tac_by = first_tac_due_of(case)
    agency_cases = list(visible.exclude(assessor=request.user)[: WORKLIST_LENGTH + 1])
    today = timezone.localdate()
    # Overdue and due soon, whoever's deadline it is: assessor, lead, action or task owner.
    deadlines = worklists_for(request.user, today=today, limit=WORKLIST_LENGTH)
    shown = [
        case.reference for case in assessing[:WORKLIST_LENGTH] + agency_cases[:WORKLIST_LENGTH]
    ]
    shown += sorted({item.case_reference for item in deadlines.items if item.case_reference})
    if shown:
        access_log_record(
            action=AccessAction.LIST,
            user=request.user,
            request=request,
            detail="home worklists: " + ", ".join(shown),
        )
    return render(
        request,
        "cases/home.html",
        {
            "assessing": assessing[:WORKLIST_LENGTH],
            "assessing_more": len(assessing) > WORKLIST_LENGTH,
            "agency_cases": agency_cases[:WORKLIST_LENGTH],
            "agency_cases_more": len(agency_cases) > WORKLIST_LENGTH,
            "tasks": open_tasks_for(request.user)[:WORKLIST_LENGTH],
            "your_requests": requests_of(request.user, WORKLIST_LENGTH),
            "deadlines": deadlines,
            "reviews_due": reviews_due_for(request.user, WORKLIST_LENGTH),
            "today": today,
            "missing_dbs": request.user.tenant_id is not None and not request.user.has_dbs_check,
        },
    )


@login_required
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    case_access_record(user=request.user, case=case, request=request)
    consent = current_consent(case)
    grants = ConsentGrant.objects.filter(consent__case=case).select_related("agency", "consent")
    caf_team = in_caf_team(request.user)
    assessment = case_assessment_summary(case)
    meetings = meetings_of(case)
    standing = case_standing(case, request.user)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "child": case.child,
            # Where the case stands, the viewer's next step, and what happened (issue 13).
            "standing": standing,
            "timeline": case_timeline(case, request.user),
            "can_change": standing.may_change,
            "consent": consent,
            "consent_due": consent_due_for_review(consent),
            "named": consent.agencies.select_related("agency") if consent else [],
            "grants": [g for g in grants if g.revoked_at is None],
            "shared_before": [g for g in grants if g.revoked_at is not None],
            "refusals": case.refusals.all(),
            "sharing": case.sharing.select_related("decided_by"),
            "notes": confidential_notes_for(case, request.user),
            "assessment": assessment,
            "in_caf_team": caf_team,
            # Team around the child meetings (R-TAC-1): the first is due within 20 working
            # days of the assessment's completion; the same rule as meetings.services.tac.
            "meetings": meetings,
            "first_tac_by": first_tac_due_for(case, meetings),
            "delivery": delivery_standing(case, meetings),
            "can_convene": assessment is not None
            and case.is_open
            and (request.user.pk in (case.assessor_id, case.lead_professional_id) or caf_team),
            # Live forum nominations of the case (one query; the section says how to nominate).
            "nominations": case.forum_nominations.filter(state__in=LIVE_STATES).select_related(
                "session__forum"
            ),
        },
    )


@login_required
def child_details(request, pk: int):
    """Correct the child's register details from the case: errors beside the fields, nothing
    typed lost (R-ASSESS-3: the assessment takes them from the register, not retyped)."""
    case = get_case_for_user(request.user, pk, CHANGE, request=request)
    form = ChildDetailsForm(request.POST or None, instance=case.child)
    next_page = request.POST.get("next_page", request.GET.get("next", ""))
    if request.method == "GET":
        case_access_record(user=request.user, case=case, request=request, detail="child details")
    if request.method == "POST" and form.is_valid():
        try:
            child_details_correct(case=case, by=request.user, **form.child_details())
        except CafError as error:
            add_error_to_form(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The child's details are corrected on the register.")
            # Back to the assessment's task list when that is where the correction began.
            back_to = "assessments:tasks" if next_page == "tasks" else "cases:detail"
            return redirect(back_to, pk=case.pk)
    return render(
        request,
        "cases/child_details.html",
        {
            "case": case,
            "form": form,
            "next_page": next_page,
        },
    )


@login_required
def case_timeline_page(request, pk: int):
    """Everything that happened on the case, newest first (the case page shows the latest)."""
    case = get_case_for_user(request.user, pk, request=request)
    case_access_record(user=request.user, case=case, request=request, detail="timeline")
    return render(
        request,
        "cases/timeline.html",
        {"case": case, "timeline": case_timeline(case, request.user, limit=None)},
    )
