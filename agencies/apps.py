from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Tenants, agencies and staff"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from agencies import models

        # A tenant's own fields only: its reverse relations are every row of the council.
        auditlog.register(models.Tenant, include_fields=["name", "slug"])
        auditlog.register(models.Agency)
        auditlog.register(
            models.User,
            exclude_fields=["password", "last_login"],
            m2m_fields={"groups"},
        )
        auditlog.register(models.Membership)
        auditlog.register(models.TrainingRecord)
