from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from retention import models

        auditlog.register(models.RetentionPolicy)
        auditlog.register(models.RetentionPolicyChange)
        auditlog.register(models.LegalHold)
