from django.urls import path

from audit import history_views, views

app_name = "audit"
urlpatterns = [
    path("", views.audit_search, name="search"),
    path("export.csv", views.audit_export, name="export"),
    path("people/<id:pk>/", history_views.person_activity_page, name="person"),
]
