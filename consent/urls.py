from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    path("cases/<int:pk>/consent/", views.consent_record, name="record"),
    path("cases/<int:pk>/consent/withdraw/", views.consent_withdraw, name="withdraw"),
    path("cases/<int:pk>/consent/pdf/", views.consent_pdf, name="pdf"),
    path("cases/<int:pk>/consent/<int:consent_pk>/scan/", views.consent_scan, name="scan"),
    path("cases/<int:pk>/refusal/", views.refusal_record, name="refusal"),
    path("cases/<int:pk>/sharing/", views.sharing_record, name="sharing"),
    path("cases/<int:pk>/notes/", views.note_add, name="note"),
    path("cases/<int:pk>/start-assessment/", views.assessment_start, name="start_assessment"),
    path("refusals/", views.refusals, name="refusals"),
]
