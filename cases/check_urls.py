from django.urls import path

from cases import check_views

app_name = "checks"
urlpatterns = [
    path("", check_views.check_list, name="list"),
    path("new/", check_views.check_start, name="start"),
    path("<id:pk>/", check_views.check_detail, name="detail"),
    path("<id:pk>/decide/", check_views.check_decide, name="decide"),
    path("<id:pk>/new-child/", check_views.check_new_child, name="new_child"),
    path("<id:pk>/join/<id:child_pk>/", check_views.check_join, name="join"),
    path(
        "<id:pk>/concern/<id:involvement_pk>/",
        check_views.check_tier34_concern,
        name="concern",
    ),
    path("<id:pk>/child-protection/", check_views.check_child_protection, name="protection"),
    path("merge-children/", check_views.child_merge, name="merge"),
]
