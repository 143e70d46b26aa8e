"""Managers' oversight: the dashboard and the returns (Ofsted's Annex A list, Supporting
Families), their exports and the reports API (issue 15)."""

from django.urls import path

from reports import dashboard_api, dashboard_views

app_name = "reports"

urlpatterns = [
    # The dashboard and the case lists behind its figures.
    path("reports/dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("reports/dashboard/cases/", dashboard_views.figure_cases_page, name="cases"),
    path("api/reports/dashboard/", dashboard_api.DashboardView.as_view(), name="api-dashboard"),
    # The returns and their exports.
]
