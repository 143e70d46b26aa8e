from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("<id:pk>/", views.case_detail, name="detail"),
]
