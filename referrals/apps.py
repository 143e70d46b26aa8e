from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals, Tier 3/4 involvement and tasks"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from referrals import models

        auditlog.register(models.Tier34Involvement)
        auditlog.register(models.SafeguardingReferral)
        auditlog.register(models.Task)
        auditlog.register(models.ServiceRequest)
        auditlog.register(models.SocialCareReferral)
