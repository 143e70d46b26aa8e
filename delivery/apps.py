from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Delivery: lead professional, reviews, closure and step-down"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from delivery import models

        auditlog.register(models.LeadProposal)
        auditlog.register(models.LeadDispute)
        auditlog.register(models.CaseReview)
        auditlog.register(models.ReviewProgress)
        auditlog.register(models.CaseClosure)
