from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from assessments.api.contributions import ContributionViewSet
from assessments.api.validation import AssessmentQueueViewSet
from assessments.api.views import AssessmentViewSet
from audit.api import AuditTrailView
from audit.history_api import CaseHistoryView, PersonActivityView
from cafsite.validation import IdConverter
from cases.api.check_views import CheckViewSet
from cases.api.views import CaseViewSet
from cases.views import home
from consent.api import RefusalViewSet
from meetings.api.agenda import ForumSessionAgendaView
from meetings.api.forum_day import ForumCaseViewSet, ForumDayViewSet
from meetings.api.forums import ForumViewSet, NominationViewSet, SeasonViewSet
from meetings.api.invitations import ForumInvitationViewSet
from monitoring.views import healthz
from referrals.api import TaskViewSet

# Before the apps' routes are built: every record id in a URL is ``<id:...>``.
register_converter(IdConverter, "id")


class ApiRouter(DefaultRouter):
    # Format suffixes (.json, .api) reach custom actions as an unexpected ``format`` argument
    # (a TypeError, a 500); the API has one format, chosen by the Accept header.
    include_format_suffixes = False


api_router = ApiRouter(use_regex_path=False)
api_router.register("cases", CaseViewSet, basename="case")
api_router.register("checks", CheckViewSet, basename="check")
api_router.register("refusals", RefusalViewSet, basename="refusal")
api_router.register("assessments", AssessmentViewSet, basename="assessment")
api_router.register("contributions", ContributionViewSet, basename="contribution")
api_router.register("assessment-queue", AssessmentQueueViewSet, basename="assessment-queue")
api_router.register("forum-invitations", ForumInvitationViewSet, basename="forum-invitation")
# Forums, seasons and nominations
api_router.register("forums", ForumViewSet, basename="forum")
api_router.register("forum-seasons", SeasonViewSet, basename="forum-season")
api_router.register("nominations", NominationViewSet, basename="nomination")
api_router.register("forum-cases", ForumCaseViewSet, basename="forum-case")
api_router.register("forum-day", ForumDayViewSet, basename="forum-day")
# Tasks answered by their owner (R-CHECK-3, R-CHECK-5, R-REF-3)
api_router.register("tasks", TaskViewSet, basename="task")

urlpatterns = [
    path("", home, name="home"),
    path("", include("agencies.urls")),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", include("cases.urls")),
    path("checks/", include("cases.check_urls")),
    path("", include("consent.urls")),
    path("", include("assessments.urls")),
    path("", include("meetings.urls")),
    path("", include("delivery.urls")),
    path("", include("referrals.urls")),
    path("", include("deadlines.urls")),
    path("audit/", include("audit.urls")),
    path("", include("reports.urls")),
    path("runs/", include("monitoring.urls")),
    path("retention/", include("retention.urls")),
    path("account/", include("security.urls")),
    path("admin/", admin.site.urls),
    path(
        "api/forum-sessions/<id:pk>/agenda/",
        ForumSessionAgendaView.as_view(),
        name="forum-session-agenda",
    ),
    path("api/audit/", AuditTrailView.as_view(), name="api-audit"),
    path("api/cases/<id:pk>/history/", CaseHistoryView.as_view(), name="case-history"),
    path("api/people/<id:pk>/activity/", PersonActivityView.as_view(), name="person-activity"),
    path("api/", include(api_router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]

handler404 = "audit.views.page_not_found"
