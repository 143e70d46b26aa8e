from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "CAF assessments"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from assessments import models

        auditlog.register(models.LocalPrompt)
        auditlog.register(models.Assessment)
        auditlog.register(models.AssessmentVersion)
        auditlog.register(models.AssessmentSection)
        auditlog.register(models.Contribution)
        auditlog.register(models.Validation)
        auditlog.register(models.ValidationQuery)
        auditlog.register(models.Distribution)
        # SectionDraft is deliberately not registered: an autosave every few seconds would
        # flood the change log; what counts is recorded when a section is saved.
