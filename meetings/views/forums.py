"""Forum pages (R-MAF-1..2, R-MAF-4): the list of forums for everyone who does case work,
the coordinators' season set-up, a forum with only the nominated cases the viewer may see,
nominating from the case, and a nomination's page."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.validation import parse_id
from cases.permissions import case_access_record, get_case_for_user
from meetings.forum_access import (
    forum_for_user,
    is_coordinator,
    may_see_forums,
    nomination_for_user,
    season_for_coordinator,
)
from meetings.forum_forms import (
    AttendeeForm,
    CoreMemberForm,
    DeferForm,
    ForumForm,
    NominationForm,
    SeasonForm,
    SessionForm,
    add_service_error,
    shareable_agencies,
)
from meetings.models import (
    FORUMS_PER_SEASON,
    Forum,
    ForumSession,
    ForumState,
    Nomination,
    NominationState,
)
from meetings.services import MeetingError
from meetings.services.forum_day import may_run_forum
from meetings.services.forums import (
    core_member_add,
    core_member_remove,
    forum_cancel,
    forum_schedule,
    forum_session_add,
    forum_session_remove,
    forum_update,
    season_create,
)
from meetings.services.nominations import (
    LIVE_STATES,
    caf_is_logged,
    default_kind,
    late_nomination_accept,
    nomination_attendee_add,
    nomination_attendee_remove,
    nomination_create,
    nomination_defer,
    nomination_withdraw,
    visible_nominations,
)


def _require_forum_reader(request):
    if not may_see_forums(request.user):
        access_log_record(
            action=AccessAction.DENIED, user=request.user, request=request, detail="forums"
        )
        raise Http404("No such page.")


def _require_coordinator(request):
    if not is_coordinator(request.user):
        access_log_record(
            action=AccessAction.DENIED,
            user=request.user,
            request=request,
            detail="forum seasons (coordinators only)",
        )
        raise Http404("No such page.")


def _forums_with_sessions():
    return Forum.objects.select_related("season", "chair").prefetch_related(
        Prefetch("sessions", queryset=ForumSession.objects.order_by("starts_at", "id"))
    )


@login_required
def forum_list(request):
    """Forums to come and past forums of the tenant: dates, venues, sessions, deadlines."""
    _require_forum_reader(request)
    today = timezone.localdate()
    forums = _forums_with_sessions().filter(tenant_id=request.user.tenant_id)
    coordinator = is_coordinator(request.user)
    seasons = []
    if coordinator:
        from meetings.models import ForumSeason

        seasons = ForumSeason.objects.filter(tenant_id=request.user.tenant_id)
    return render(
        request,
        "meetings/forums/list.html",
        {
            "to_come": forums.filter(held_on__gte=today, state=ForumState.SCHEDULED),
            "past": forums.exclude(held_on__gte=today, state=ForumState.SCHEDULED).order_by(
                "-held_on", "-id"
            )[:50],
            "is_coordinator": coordinator,
            "seasons": seasons,
        },
    )


@login_required
def season_new(request):
    _require_coordinator(request)
    form = SeasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            season = season_create(by=request.user, **form.cleaned_data)
        except MeetingError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Season “{season.name}” started. Add its forums.")
            return redirect("meetings:season", pk=season.pk)
    return render(request, "meetings/forums/season_new.html", {"form": form})


def _deadline(data) -> datetime:
    return timezone.make_aware(datetime.combine(data["nomination_deadline"], data["deadline_time"]))


def _forum_initial(forum: Forum) -> dict:
    deadline = timezone.localtime(forum.nomination_deadline)
    return {
        "held_on_day": str(forum.held_on.day),
        "held_on_month": str(forum.held_on.month),
        "held_on_year": str(forum.held_on.year),
        "venue": forum.venue,
        "venue_address": forum.venue_address,
        "nomination_deadline_day": str(deadline.day),
        "nomination_deadline_month": str(deadline.month),
        "nomination_deadline_year": str(deadline.year),
        "deadline_time": deadline.strftime("%H:%M"),
        "chair": str(forum.chair_id or ""),
    }


@login_required
def forum_change(request, pk: int):
    """The coordinator moves a forum still to come (date, venue, deadline, chair) or cancels
    it. Invitations not yet sent move with it (``forum_update``); an edit begun before a
    colleague's is refused with what was typed kept."""
    forum = forum_for_user(request.user, pk, request=request)
    if not is_coordinator(request.user) or forum.state != ForumState.SCHEDULED:
        raise Http404("No such page.")
    action = request.POST.get("action") if request.method == "POST" else None
    form = ForumForm(
        request.POST if action == "change" else None,
        prefix="forum",
        tenant_id=request.user.tenant_id,
        initial=_forum_initial(forum),
    )
    revision = parse_id(request.POST.get("revision")) if action else forum.revision
    try:
        if action == "change" and form.is_valid():
            data = form.cleaned_data
            forum_update(
                forum=forum,
                by=request.user,
                revision=revision or 0,
                held_on=data["held_on"],
                venue=data["venue"],
                venue_address=data["venue_address"],
                nomination_deadline=_deadline(data),
                chair=data["chair"],
            )
            messages.success(request, "Forum changed. Invitations still to send move with it.")
            return redirect("meetings:forum", pk=forum.pk)
        if action == "cancel":
            forum_cancel(forum=forum, by=request.user)
            messages.success(request, "Forum cancelled.")
            return redirect("meetings:season", pk=forum.season_id)
    except MeetingError as error:
        if action == "cancel":
            messages.error(request, error.message)
            return redirect("meetings:forum_change", pk=forum.pk)
        add_service_error(form, error)
    return render(
        request,
        "meetings/forums/change.html",
        {"forum": forum, "form": form, "revision": revision},
        status=400 if form.errors else 200,
    )


@login_required
def season_detail(request, pk: int):
    """A season: its forums with their sessions, and its core members; the coordinator adds
    forums (at most six), sessions and core members here."""
    season = season_for_coordinator(request.user, pk, request=request)
    tenant_id = request.user.tenant_id
    action = request.POST.get("action") if request.method == "POST" else None
    scheduled = list(
        _forums_with_sessions().filter(season=season).exclude(state=ForumState.CANCELLED)
    )
    to_come = [f for f in scheduled if f.state == ForumState.SCHEDULED]
    forum_form = ForumForm(
        request.POST if action == "forum" else None, prefix="forum", tenant_id=tenant_id
    )
    session_form = SessionForm(
        request.POST if action == "session" else None, prefix="session", forums=to_come
    )
    member_form = CoreMemberForm(
        request.POST if action == "member" else None, prefix="member", tenant_id=tenant_id
    )
    done = None
    try:
        if action == "forum" and forum_form.is_valid():
            data = forum_form.cleaned_data
            forum_schedule(
                season=season,
                by=request.user,
                held_on=data["held_on"],
                venue=data["venue"],
                venue_address=data["venue_address"],
                nomination_deadline=_deadline(data),
                chair=data["chair"],
            )
            done = "Forum added to the season."
        elif action == "session" and session_form.is_valid():
            data = session_form.cleaned_data
            forum_session_add(
                forum=data["forum"],
                by=request.user,
                cluster=data["cluster"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
            done = "Session added."
        elif action == "member" and member_form.is_valid():
            user, agency = member_form.cleaned_data["member"]
            core_member_add(season=season, by=request.user, user=user, agency=agency)
            done = "Core member added."
        elif action == "member_remove":
            member = season.core_members.filter(pk=parse_id(request.POST.get("member"))).first()
            if member is None:
                raise MeetingError("That core member is no longer on the list.")
            core_member_remove(member=member, by=request.user)
            done = "Core member removed."
        elif action == "session_remove":
            session = ForumSession.objects.filter(
                pk=parse_id(request.POST.get("session")), forum__season=season
            ).first()
            if session is None:
                raise MeetingError("That session is no longer on the forum.")
            forum_session_remove(session=session, by=request.user)
            done = "Session removed."
    except MeetingError as error:
        form = {"forum": forum_form, "session": session_form, "member": member_form}.get(action)
        if form is not None:
            add_service_error(form, error)
        else:
            messages.error(request, error.message)
            return redirect("meetings:season", pk=season.pk)
    if done:
        messages.success(request, done)
        return redirect("meetings:season", pk=season.pk)
    return render(
        request,
        "meetings/forums/season.html",
        {
            "season": season,
            "forums": scheduled,
            "forums_left": FORUMS_PER_SEASON - len(scheduled),
            "forum_form": forum_form,
            "session_form": session_form,
            "member_form": member_form,
            "members": season.core_members.select_related("user", "agency"),
            "action": action,
        },
    )


def _late_decision(request, nomination: Nomination, forms_by_nomination: dict):
    """A coordinator accepts a late nomination or moves it to the next forum (with why)."""
    action = request.POST.get("action")
    if action == "accept":
        late_nomination_accept(nomination=nomination, by=request.user)
        return "The late nomination is accepted onto this forum."
    if action == "defer":
        form = DeferForm(request.POST, prefix=f"defer-{nomination.pk}")
        forms_by_nomination[nomination.pk] = form
        if not form.is_valid():
            return None
        try:
            carried = nomination_defer(
                nomination=nomination, by=request.user, reason=form.cleaned_data["reason"]
            )
        except MeetingError as error:
            add_service_error(form, error)
            return None
        if carried is None:
            return "The case is deferred: it is nominated for the next forum already."
        return f"The case is moved to the forum on {carried.session.forum.held_on:%-d %B %Y}."
    return None


@login_required
def forum_detail(request, pk: int):
    """A forum: its details and sessions, and per session the cases nominated that the viewer
    may see (no other child is named or counted, R-MAF-4)."""
    forum = forum_for_user(request.user, pk, request=request)
    coordinator = is_coordinator(request.user)
    defer_forms: dict[int, DeferForm] = {}
    if request.method == "POST":
        if not coordinator:
            raise Http404("No such page.")
        nomination = (
            visible_nominations(
                request.user,
                Nomination.objects.filter(
                    pk=parse_id(request.POST.get("nomination")), session__forum=forum
                ),
            )
            .select_related("case", "session__forum")
            .first()
        )
        if nomination is None:
            messages.error(request, "That nomination is no longer on this forum.")
            return redirect("meetings:forum", pk=forum.pk)
        try:
            done = _late_decision(request, nomination, defer_forms)
        except MeetingError as error:
            messages.error(request, error.message)
            return redirect("meetings:forum", pk=forum.pk)
        if done:
            messages.success(request, done)
            return redirect("meetings:forum", pk=forum.pk)
    sessions = list(forum.sessions.order_by("starts_at", "id"))
    nominations = list(
        visible_nominations(
            request.user,
            Nomination.objects.filter(session__forum=forum, state__in=LIVE_STATES),
        )
        .select_related("case__child", "nominated_by", "nominated_by_agency")
        .order_by("session", "position", "nominated_at", "id")
    )
    for session in sessions:
        session.visible = [n for n in nominations if n.session_id == session.pk]
    for nomination in nominations:
        if coordinator and nomination.state == NominationState.LATE:
            nomination.defer_form = defer_forms.get(nomination.pk) or DeferForm(
                prefix=f"defer-{nomination.pk}"
            )
    if nominations:
        access_log_record(
            action=AccessAction.LIST,
            user=request.user,
            request=request,
            detail=f"forum {forum.pk} nominations: "
            + ", ".join(n.case.reference for n in nominations),
        )
    return render(
        request,
        "meetings/forums/forum.html",
        {
            "forum": forum,
            "sessions": sessions,
            "visible_count": len(nominations),
            "is_coordinator": coordinator,
            "runs_forum": may_run_forum(request.user, forum),
            "today": timezone.localdate(),
        },
    )


def sessions_open_for_nomination(tenant_id: int):
    return (
        ForumSession.objects.filter(
            forum__tenant_id=tenant_id,
            forum__state=ForumState.SCHEDULED,
            forum__held_on__gte=timezone.localdate(),
        )
        .select_related("forum")
        .order_by("forum__held_on", "starts_at", "id")
    )


@login_required
def nominate(request, pk: int):
    """Nominate a case for a forum session (R-MAF-2): anyone who may see the case, once the
    CAF team has logged its CAF."""
    case = get_case_for_user(request.user, pk, request=request)
    logged = caf_is_logged(case)
    form = None
    if logged and case.is_open:
        form = NominationForm(
            request.POST if request.method == "POST" else None,
            initial={"kind": default_kind(case)},
            sessions=sessions_open_for_nomination(case.tenant_id),
            agencies=shareable_agencies(case),
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                nomination = nomination_create(
                    session=data["session"],
                    case=case,
                    by=request.user,
                    kind=data["kind"],
                    reason=data["reason"],
                    attendees=[(agency, None) for agency in data["agencies"]],
                )
            except MeetingError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    "The case is nominated, late: the coordinator decides whether it is heard "
                    "at this forum or the next."
                    if nomination.state == NominationState.LATE
                    else "The case is nominated for the forum.",
                )
                return redirect("meetings:nomination", pk=nomination.pk)
    if request.method == "GET":
        case_access_record(user=request.user, case=case, request=request, detail="nominate")
    return render(
        request,
        "meetings/forums/nominate.html",
        {
            "case": case,
            "form": form,
            "logged": logged,
            "live": case.forum_nominations.filter(state__in=LIVE_STATES).select_related(
                "session__forum"
            ),
        },
    )


@login_required
def nomination_detail(request, pk: int):
    """A nomination, for those who may see its case: details and who hears it; the presenter
    or a coordinator invites agencies, removes them, or withdraws the case."""
    nomination = nomination_for_user(request.user, pk, request=request)
    case = nomination.case
    coordinator = is_coordinator(request.user)
    may_manage = coordinator or nomination.nominated_by_id == request.user.pk
    live = nomination.state in LIVE_STATES
    action = request.POST.get("action") if request.method == "POST" else None
    agencies = shareable_agencies(case) if may_manage and live else []
    attendee_form = AttendeeForm(
        request.POST if action == "attendee_add" else None, prefix="attendee", agencies=agencies
    )
    defer_forms: dict[int, DeferForm] = {}
    if action:
        if not may_manage:
            raise Http404("No such page.")
        done = None
        try:
            if action == "attendee_add" and attendee_form.is_valid():
                nomination_attendee_add(
                    nomination=nomination,
                    by=request.user,
                    agency=attendee_form.cleaned_data["agency"],
                )
                done = "The agency is asked to hear the case."
            elif action == "attendee_remove":
                attendee = nomination.attendees.filter(
                    pk=parse_id(request.POST.get("attendee"))
                ).first()
                if attendee is None:
                    raise MeetingError("That attendee is no longer on the list.")
                nomination_attendee_remove(attendee=attendee, by=request.user)
                done = "Removed from those who hear the case."
            elif action == "withdraw":
                nomination_withdraw(nomination=nomination, by=request.user)
                done = "The case is withdrawn from the forum."
            elif action in ("accept", "defer") and coordinator:
                done = _late_decision(request, nomination, defer_forms)
        except MeetingError as error:
            if action == "attendee_add":
                add_service_error(attendee_form, error)
            else:
                messages.error(request, error.message)
                return redirect("meetings:nomination", pk=nomination.pk)
        if done:
            messages.success(request, done)
            return redirect("meetings:nomination", pk=nomination.pk)
    else:
        case_access_record(
            user=request.user, case=case, request=request, detail=f"nomination {nomination.pk}"
        )
    defer_form = None
    if coordinator and nomination.state == NominationState.LATE:
        defer_form = defer_forms.get(nomination.pk) or DeferForm(prefix=f"defer-{nomination.pk}")
    return render(
        request,
        "meetings/forums/nomination.html",
        {
            "nomination": nomination,
            "case": case,
            "forum": nomination.session.forum,
            "attendees": nomination.attendees.select_related("agency", "user"),
            "may_manage": may_manage and live,
            "attendee_form": attendee_form,
            "defer_form": defer_form,
            "is_coordinator": coordinator,
        },
    )
