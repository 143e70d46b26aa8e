from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings and forums"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from meetings import models

        auditlog.register(models.TacMeeting, m2m_fields={"actions"})
        auditlog.register(models.TacParticipant)
        auditlog.register(models.ForumSeason)
        auditlog.register(models.ForumCoreMember)
        auditlog.register(models.Forum)
        auditlog.register(models.ForumSession)
        auditlog.register(models.Nomination, m2m_fields={"actions"})
        auditlog.register(models.NominationAttendee)
        auditlog.register(models.ForumInvitation)
