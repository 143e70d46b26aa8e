"""Managers' oversight: the dashboard and the returns (Ofsted's Annex A list, Supporting
Families), their exports and the reports API (issue 15)."""

from django.urls import path

from reports import dashboard_api, dashboard_views, returns_api, returns_views

app_name = "reports"

urlpatterns = [
    # The dashboard and the case lists behind its figures.
    path("reports/dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("reports/dashboard/cases/", dashboard_views.figure_cases_page, name="cases"),
    path("api/reports/dashboard/", dashboard_api.DashboardView.as_view(), name="api-dashboard"),
    # The returns and their exports.
    path("reports/annex-a/", returns_views.annex_a_page, name="annex_a"),
    path(
        "reports/supporting-families/",
        returns_views.supporting_families_page,
        name="supporting_families",
    ),
    path(
        "reports/supporting-families/cases/",
        returns_views.supporting_families_cases,
        name="sf_cases",
    ),
    path("reports/exports/<uuid:pk>/", returns_views.export_status, name="export_status"),
    path(
        "reports/exports/<uuid:pk>/download/",
        returns_views.export_download,
        name="export_download",
    ),
    path("api/reports/annex-a/", returns_api.AnnexAView.as_view(), name="api-annex-a"),
    path(
        "api/reports/supporting-families/",
        returns_api.SupportingFamiliesView.as_view(),
        name="api-supporting-families",
    ),
    path(
        "api/reports/exports/<uuid:pk>/",
        returns_api.ExportJobView.as_view(),
        name="api-export-status",
    ),
]
