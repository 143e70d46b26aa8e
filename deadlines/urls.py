from django.urls import path

from deadlines import api, views

app_name = "deadlines"

urlpatterns = [
    path("deadlines/", views.deadline_list, name="list"),
    path("api/deadlines/", api.DeadlineListView.as_view(), name="api-list"),
]
