from django.urls import path

from referrals import api, views

app_name = "referrals"
urlpatterns = [
    # Tasks answered by their owner (R-CHECK-3, R-CHECK-5, R-REF-3).
    path("tasks/<id:pk>/", views.task_detail, name="task"),
    path("cases/<id:pk>/read-access/", views.read_access, name="read_access"),
    # Requests for service to targeted and specialist agencies (R-REF-1).
    path("cases/<id:pk>/service-requests/", views.service_request_list, name="service_requests"),
    path(
        "cases/<id:pk>/service-requests/new/",
        views.service_request_new,
        name="service_request_new",
    ),
    path("service-requests/<id:pk>/", views.service_request_detail, name="service_request"),
    # Referrals to children's social care and the duty manager's decision (R-REF-2, R-REF-4).
    path("cases/<id:pk>/social-care/new/", views.social_care_new, name="social_care_new"),
    path("social-care/referrals/<id:pk>/", views.social_care_detail, name="social_care"),
    path(
        "social-care/referrals/<id:pk>/letter.pdf",
        views.social_care_letter,
        name="social_care_letter",
    ),
    # Step-down from social care into a CAF (R-CLOSE-2).
    path("social-care/step-down/<id:child_pk>/", views.step_down, name="step_down"),
    # The same over the API (a request or a referral keyed by ``id``, as the API's viewsets).
    path(
        "api/cases/<id:pk>/service-requests/",
        api.ServiceRequestListView.as_view(),
        name="api-service-requests",
    ),
    path(
        "api/service-requests/<id:id>/",
        api.ServiceRequestDetailView.as_view(),
        name="api-service-request",
    ),
    path(
        "api/service-requests/<id:id>/answer/",
        api.ServiceRequestAnswerView.as_view(),
        name="api-service-request-answer",
    ),
    path(
        "api/cases/<id:pk>/social-care-referrals/",
        api.SocialCareReferView.as_view(),
        name="api-social-care-refer",
    ),
    path(
        "api/social-care-referrals/<id:id>/",
        api.SocialCareReferralView.as_view(),
        name="api-social-care-referral",
    ),
    path(
        "api/social-care-referrals/<id:id>/decision/",
        api.SocialCareDecisionView.as_view(),
        name="api-social-care-decision",
    ),
]
