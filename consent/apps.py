from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent and information sharing"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from consent import models

        auditlog.register(models.Consent)
        auditlog.register(models.ConsentAgency)
        auditlog.register(models.ConsentGrant)
        auditlog.register(models.ConsentRefusal)
        auditlog.register(models.RefusalEscalation)
        auditlog.register(models.SharingDecision)
        # ConfidentialNote is deliberately not registered: its text must not reach the log.
