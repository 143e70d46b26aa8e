from django.urls import path

from assessments.views import contributions, sections, sign_off, validation, versions

app_name = "assessments"
urlpatterns = [
    # The assessment of a case: read, begin, and the task list with its sections.
    path("cases/<id:pk>/assessment/", sections.assessment_view, name="view"),
    path("cases/<id:pk>/assessment/begin/", sections.assessment_begin, name="begin"),
    path("cases/<id:pk>/assessment/tasks/", sections.task_list, name="tasks"),
    path("cases/<id:pk>/assessment/check/", sections.check_answers, name="check_answers"),
    path("cases/<id:pk>/assessment/section/<slug:section>/", sections.section_edit, name="section"),
    path(
        "cases/<id:pk>/assessment/section/<slug:section>/draft/",
        sections.section_autosave,
        name="autosave",
    ),
    # Sign-off, the family's copy and the copies given.
    path("cases/<id:pk>/assessment/sign-off/", sign_off.sign_off, name="sign_off"),
    path("cases/<id:pk>/assessment/pdf/", sign_off.assessment_pdf, name="pdf"),
    path("cases/<id:pk>/assessment/signature/", sign_off.signature_scan, name="signature"),
    path("cases/<id:pk>/assessment/copies/", sign_off.distribution_record, name="copies"),
    # Submission, the CAF team's queue and decision, the assessor's answers to its queries.
    path("cases/<id:pk>/assessment/submit/", validation.submit, name="submit"),
    path("assessments/queue/", validation.queue, name="queue"),
    path("cases/<id:pk>/assessment/validate/", validation.validate, name="validate"),
    path("cases/<id:pk>/assessment/queries/", validation.answer_queries, name="queries"),
    # Versions and their comparison.
    path("cases/<id:pk>/assessment/versions/new/", versions.version_new, name="version_new"),
    path("cases/<id:pk>/assessment/versions/<int:number>/", versions.version_view, name="version"),
    path(
        "cases/<id:pk>/assessment/versions/<int:number>/compare/",
        versions.version_compare,
        name="compare",
    ),
    # Contributions: asked of a named practitioner, written by them, accepted by the assessor.
    path(
        "cases/<id:pk>/assessment/section/<slug:section>/contributions/new/",
        contributions.contribution_request,
        name="contribution_request",
    ),
    path("contributions/<id:pk>/", contributions.contribution_write, name="contribution"),
    path(
        "cases/<id:pk>/assessment/contributions/<id:contribution_pk>/",
        contributions.contribution_review,
        name="contribution_review",
    ),
]
