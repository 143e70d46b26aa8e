from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Children and CAF cases"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cases import models

        auditlog.register(models.Child)
        auditlog.register(models.Case)
        auditlog.register(models.PlanAction)
        auditlog.register(models.PlanActionNote)
        auditlog.register(models.TeamMembership)
        auditlog.register(models.CafCheck)
        auditlog.register(models.CaseUserObjectPermission)
        auditlog.register(models.CaseGroupObjectPermission)
