from django.urls import path

from retention import views

app_name = "retention"
urlpatterns = [
    path("policy/", views.policy, name="policy"),
    path("holds/", views.holds, name="holds"),
    path("holds/new/", views.hold_place, name="hold_place"),
    path("holds/<id:pk>/lift/", views.hold_lift, name="hold_lift"),
    path("dry-run/", views.preview, name="preview"),
]
