from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("<id:pk>/", views.case_detail, name="detail"),
    path("<id:pk>/child/", views.child_details, name="child_details"),
    path("<id:pk>/timeline/", views.case_timeline_page, name="timeline"),
]
