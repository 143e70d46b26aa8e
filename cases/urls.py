from django.urls import path

from audit.history_views import case_history_page
from cases import views

app_name = "cases"
urlpatterns = [
    path("<id:pk>/", views.case_detail, name="detail"),
    path("<id:pk>/child/", views.child_details, name="child_details"),
    path("<id:pk>/timeline/", views.case_timeline_page, name="timeline"),
    path("<id:pk>/history/", case_history_page, name="history"),
]
