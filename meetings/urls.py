from django.urls import path

from meetings.api import tac as api
from meetings.views import agenda, forum_day, forums, invitations, tac

app_name = "meetings"
urlpatterns = [
    # Team around the child meetings of a case (R-TAC-1..2).
    path("cases/<id:pk>/meetings/", tac.meeting_list, name="list"),
    path("cases/<id:pk>/meetings/new/", tac.meeting_new, name="new"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/", tac.meeting_detail, name="detail"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/record/", tac.meeting_record, name="record"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/invite/", tac.meeting_invite, name="invite"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/respond/", tac.meeting_respond, name="respond"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/actions/", tac.meeting_action, name="action"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/hold/", tac.meeting_hold, name="hold"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/cancel/", tac.meeting_cancel, name="cancel"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/agenda.pdf", tac.agenda_pdf, name="agenda_pdf"),
    path("cases/<id:pk>/meetings/<id:meeting_pk>/minutes.pdf", tac.minutes_pdf, name="minutes_pdf"),
    # The same over the API.
    path("api/cases/<id:pk>/meetings/", api.MeetingListView.as_view(), name="api-list"),
    path(
        "api/cases/<id:pk>/meetings/<id:meeting_pk>/",
        api.MeetingDetailView.as_view(),
        name="api-detail",
    ),
    path(
        "api/cases/<id:pk>/meetings/<id:meeting_pk>/participants/",
        api.InviteView.as_view(),
        name="api-invite",
    ),
    path(
        "api/cases/<id:pk>/meetings/<id:meeting_pk>/respond/",
        api.RespondView.as_view(),
        name="api-respond",
    ),
    path(
        "api/cases/<id:pk>/meetings/<id:meeting_pk>/record/",
        api.RecordView.as_view(),
        name="api-record",
    ),
    path(
        "api/cases/<id:pk>/meetings/<id:meeting_pk>/actions/",
        api.ActionView.as_view(),
        name="api-action",
    ),
    path(
        "api/cases/<id:pk>/meetings/<id:meeting_pk>/hold/",
        api.HoldView.as_view(),
        name="api-hold",
    ),
    path(
        "api/cases/<id:pk>/meetings/<id:meeting_pk>/cancel/",
        api.CancelView.as_view(),
        name="api-cancel",
    ),
    # An invitee's answer to a forum invitation (R-MAF-4).
    path("forums/invitations/<id:pk>/", invitations.invitation_answer, name="invitation"),
    # Forums, seasons and nominations
    path("forums/", forums.forum_list, name="forums"),
    path("forums/seasons/new/", forums.season_new, name="season_new"),
    path("forums/seasons/<id:pk>/", forums.season_detail, name="season"),
    path("forums/<id:pk>/", forums.forum_detail, name="forum"),
    path("forums/<id:pk>/change/", forums.forum_change, name="forum_change"),
    path("forums/nominations/<id:pk>/", forums.nomination_detail, name="nomination"),
    path("cases/<id:pk>/nominate/", forums.nominate, name="nominate"),
    # The agenda of a session
    path("forums/sessions/<id:pk>/agenda/", agenda.agenda, name="agenda"),
    path("forums/<id:pk>/agenda.pdf", agenda.forum_agenda_pdf, name="forum_agenda_pdf"),
    path("forums/<id:pk>/sign-in.pdf", agenda.forum_sign_in_pdf, name="forum_sign_in_pdf"),
    # At the forum and after it
    path("forums/<id:pk>/chair/", forum_day.forum_chair, name="forum_chair"),
    path("forums/<id:pk>/chair/statement/", forum_day.forum_statement, name="forum_statement"),
    path("forums/<id:pk>/chair/attendance/", forum_day.forum_attendance, name="forum_attendance"),
    path("forums/<id:pk>/close/", forum_day.forum_close_view, name="forum_close"),
    path("forums/<id:pk>/circulate/", forum_day.forum_circulate, name="forum_circulate"),
    path("forums/<id:pk>/minutes/", forum_day.forum_minutes, name="forum_minutes"),
    path("forums/<id:pk>/minutes.pdf", forum_day.forum_minutes_pdf, name="forum_minutes_pdf"),
    path("forums/<id:pk>/lessons/", forum_day.forum_lessons, name="forum_lessons"),
    path(
        "forums/nominations/<id:pk>/summary/",
        forum_day.presenter_summary,
        name="presenter_summary",
    ),
    path(
        "forums/nominations/<id:pk>/summary.pdf",
        forum_day.presenter_summary_pdf,
        name="presenter_summary_pdf",
    ),
    path(
        "forums/nominations/<id:pk>/record/",
        forum_day.forum_case_record_view,
        name="forum_case_record",
    ),
    path(
        "forums/nominations/<id:pk>/actions/",
        forum_day.forum_case_action,
        name="forum_case_action",
    ),
    path(
        "forums/nominations/<id:pk>/heard/",
        forum_day.forum_case_heard_view,
        name="forum_case_heard",
    ),
    path("cases/<id:pk>/action-plan.pdf", forum_day.action_plan_pdf, name="action_plan_pdf"),
]
