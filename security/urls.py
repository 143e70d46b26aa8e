from django.urls import path

from security import views

app_name = "security"
urlpatterns = [
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<id:pk>/end/", views.session_end, name="session_end"),
    path("sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("sessions/stay-signed-in/", views.session_extend, name="session_extend"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
