from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from audit.models import AccessAction
from audit.services import access_log_record
from cases.permissions import cases_for_user, get_case_for_user
from referrals.selectors import open_tasks_for

WORKLIST_LENGTH = 25


@login_required
def home(request):
    visible = cases_for_user(request.user).select_related("child", "assessor_agency")
    # One row more than shown tells whether there are more, without counting the table.
    assessing = list(visible.filter(assessor=request.user)[: WORKLIST_LENGTH + 1])
    agency_cases = list(visible.exclude(assessor=request.user)[: WORKLIST_LENGTH + 1])
    return render(
        request,
        "cases/home.html",
        {
            "assessing": assessing[:WORKLIST_LENGTH],
            "assessing_more": len(assessing) > WORKLIST_LENGTH,
            "agency_cases": agency_cases[:WORKLIST_LENGTH],
            "agency_cases_more": len(agency_cases) > WORKLIST_LENGTH,
            "tasks": open_tasks_for(request.user)[:WORKLIST_LENGTH],
            "missing_dbs": request.user.tenant_id is not None and not request.user.has_dbs_check,
        },
    )


@login_required
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    access_log_record(action=AccessAction.VIEW, user=request.user, request=request, case=case)
    return render(request, "cases/case_detail.html", {"case": case, "child": case.child})
