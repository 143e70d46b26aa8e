from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cases.api.check_views import CheckViewSet
from cases.api.views import CaseViewSet
from cases.views import home
from consent.api import RefusalViewSet
from monitoring.views import healthz

api_router = DefaultRouter()
api_router.register("cases", CaseViewSet, basename="case")
api_router.register("checks", CheckViewSet, basename="check")
api_router.register("refusals", RefusalViewSet, basename="refusal")

urlpatterns = [
    path("", home, name="home"),
    path("", include("agencies.urls")),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", include("cases.urls")),
    path("checks/", include("cases.check_urls")),
    path("", include("consent.urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(api_router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]
