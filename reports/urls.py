"""Managers' oversight: the dashboard and the returns (Ofsted's Annex A list, Supporting
Families), their exports and the reports API (issue 15)."""

from django.urls import path  # noqa: F401

app_name = "reports"

urlpatterns = [
    # The dashboard and the case lists behind its figures.
    # The returns and their exports.
]
