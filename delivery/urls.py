from django.urls import path

from delivery.api import lead as lead_api
from delivery.api import plan as plan_api
from delivery.api import reviews as reviews_api
from delivery.views import closure, lead, plan, reviews

app_name = "delivery"
urlpatterns = [
    # The lead professional of a case (R-LP-1).
    path("cases/<id:pk>/lead/", lead.lead, name="lead"),
    path("cases/<id:pk>/lead/propose/", lead.lead_propose, name="lead_propose"),
    path("cases/<id:pk>/lead/handover/", lead.lead_handover, name="lead_handover"),
    path("cases/<id:pk>/lead/disagreement/", lead.lead_dispute_raise, name="lead_dispute_raise"),
    path("lead-proposals/<id:pk>/", lead.proposal, name="proposal"),
    path("lead-proposals/<id:pk>/withdraw/", lead.proposal_withdraw, name="proposal_withdraw"),
    path("lead-disputes/<id:pk>/", lead.dispute, name="dispute"),
    path("api/cases/<id:pk>/lead/", lead_api.CaseLeadView.as_view(), name="api-lead"),
    path(
        "api/cases/<id:pk>/lead/proposals/",
        lead_api.CaseLeadProposeView.as_view(),
        name="api-lead-propose",
    ),
    path(
        "api/cases/<id:pk>/lead/handover/",
        lead_api.CaseLeadHandoverView.as_view(),
        name="api-lead-handover",
    ),
    path(
        "api/cases/<id:pk>/lead/disputes/",
        lead_api.CaseLeadDisputeView.as_view(),
        name="api-lead-dispute",
    ),
    path("api/lead-proposals/<id:pk>/", lead_api.ProposalView.as_view(), name="api-proposal"),
    path(
        "api/lead-proposals/<id:pk>/accept/",
        lead_api.ProposalAcceptView.as_view(),
        name="api-proposal-accept",
    ),
    path(
        "api/lead-proposals/<id:pk>/decline/",
        lead_api.ProposalDeclineView.as_view(),
        name="api-proposal-decline",
    ),
    path(
        "api/lead-proposals/<id:pk>/withdraw/",
        lead_api.ProposalWithdrawView.as_view(),
        name="api-proposal-withdraw",
    ),
    path("api/lead-disputes/<id:pk>/", lead_api.DisputeView.as_view(), name="api-dispute"),
    path(
        "api/lead-disputes/<id:pk>/resolve/",
        lead_api.DisputeResolveView.as_view(),
        name="api-dispute-resolve",
    ),
    # Reviews (R-REV-1), closure and reopening (R-CLOSE-1, R-CHECK-4).
    path("cases/<id:pk>/reviews/", reviews.review_list, name="reviews"),
    path("cases/<id:pk>/reviews/new/", reviews.review_new, name="review_new"),
    path("cases/<id:pk>/close/", closure.close, name="close"),
    path("cases/<id:pk>/reopen/", closure.reopen, name="reopen"),
    path("cases/<id:pk>/closure-letter.pdf", closure.closure_letter, name="closure_letter"),
    path("api/cases/<id:pk>/reviews/", reviews_api.ReviewListView.as_view(), name="api-reviews"),
    path("api/cases/<id:pk>/close/", reviews_api.CloseView.as_view(), name="api-close"),
    path("api/cases/<id:pk>/reopen/", reviews_api.ReopenView.as_view(), name="api-reopen"),
    # The case's action plan (R-PLAN-1..2, R-REPORT-2).
    path("cases/<id:pk>/plan/", plan.plan, name="plan"),
    path("cases/<id:pk>/plan/add/", plan.plan_add, name="plan_add"),
    path("plan/actions/<id:pk>/", plan.plan_action, name="plan_action"),
    path("plan/actions/<id:pk>/accept/", plan.plan_action_accept, name="plan_action_accept"),
    path("plan/actions/<id:pk>/decline/", plan.plan_action_decline, name="plan_action_decline"),
    path("plan/actions/<id:pk>/status/", plan.plan_action_status, name="plan_action_status"),
    path("plan/actions/<id:pk>/notes/", plan.plan_action_note, name="plan_action_note"),
    path("plan/actions/<id:pk>/drop/", plan.plan_action_drop, name="plan_action_drop"),
    path("api/cases/<id:pk>/plan/", plan_api.PlanView.as_view(), name="api-plan"),
    path("api/cases/<id:pk>/plan/actions/", plan_api.PlanAddView.as_view(), name="api-plan-add"),
    path("api/plan-actions/<id:pk>/", plan_api.PlanActionView.as_view(), name="api-plan-action"),
    path(
        "api/plan-actions/<id:pk>/accept/",
        plan_api.AcceptView.as_view(),
        name="api-plan-action-accept",
    ),
    path(
        "api/plan-actions/<id:pk>/decline/",
        plan_api.DeclineView.as_view(),
        name="api-plan-action-decline",
    ),
    path(
        "api/plan-actions/<id:pk>/status/",
        plan_api.StatusView.as_view(),
        name="api-plan-action-status",
    ),
    path(
        "api/plan-actions/<id:pk>/notes/",
        plan_api.NoteView.as_view(),
        name="api-plan-action-note",
    ),
    path(
        "api/plan-actions/<id:pk>/drop/",
        plan_api.DropView.as_view(),
        name="api-plan-action-drop",
    ),
]
