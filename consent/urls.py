from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    path("cases/<id:pk>/consent/", views.consent_record, name="record"),
    path("cases/<id:pk>/consent/withdraw/", views.consent_withdraw, name="withdraw"),
    path("cases/<id:pk>/consent/pdf/", views.consent_pdf, name="pdf"),
    path("cases/<id:pk>/consent/<id:consent_pk>/scan/", views.consent_scan, name="scan"),
    path("cases/<id:pk>/refusal/", views.refusal_record, name="refusal"),
    path("cases/<id:pk>/sharing/", views.sharing_record, name="sharing"),
    path("cases/<id:pk>/notes/", views.note_add, name="note"),
    path("refusals/", views.refusals, name="refusals"),
]
