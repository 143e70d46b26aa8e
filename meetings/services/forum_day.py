"""The forum itself and what follows it (R-MAF-5, R-LP-1, 000 §4.6.13, §4.17, App. C-E).

On the day the chair (or a coordinator) reads the confidentiality statement of 000 App. C, the
attendance is ticked, and each case on the agenda is presented (the presenter's summary of
App. E, drafted from the logged CAF) and recorded: needs, services, the draft action plan, the
lead professional proposed and the review date. A case is marked heard only after the
statement was read and once its lead professional and review date are recorded. Afterwards the
coordinator writes the minutes (anonymised summaries), closes the forum, circulates the action
plans to everyone they name (a task with a link, no case content: R-AUDIT-3) and records the
lessons learned against the four questions of §4.17.2."""

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import CASEWORK_ROLES, Agency, AgencyKind, Role, User
from agencies.roles import caf_team_of, in_caf_team_as
from assessments.framework import DOMAIN_SECTIONS, Section, StatementKind
from assessments.models import Assessment, Contribution, ContributionState
from assessments.selectors import current_version, section_title
from audit.context import acting_as
from cases.models import Case, PlanAction
from cases.permissions import VIEW, acting_agency_id, user_may, with_visible_case
from cases.plans import plan_action_agree
from meetings.anonymity import family_identifiers
from meetings.models import (
    Forum,
    ForumInvitation,
    ForumState,
    Nomination,
    NominationAttendee,
    NominationState,
)
from meetings.services import MeetingError
from meetings.services.forums import coordinating, is_forum_chair, require_coordinator
from referrals.models import Task, TaskKind
from referrals.services import task_create

# A case is on the agenda once nominated in time (or accepted late) and until it is heard;
# the agenda work moves it to SCHEDULED when it builds the agenda.
ON_AGENDA = (NominationState.NOMINATED, NominationState.SCHEDULED)
RECORDABLE = (*ON_AGENDA, NominationState.HEARD)
SUMMARY_TEXT_MAX = 2000
RECORD_TEXT_MAX = 5000
ANONYMISED_MAX = 3000
MINUTES_MAX = 20000
LESSON_MAX = 3000
LONGEST_REVIEW = timedelta(days=366)
SUMMARY_TEXT_KEYS = (
    "school_and_year",
    "relationship",
    "engagement",
    "conclusions",
    "actions_tried",
    "asks",
)
SUMMARY_DOMAIN_KEYS = ("needs", "strengths")
STALE = (
    "Someone else saved this since you opened it. Your text is below: check the saved "
    "version and save again."
)


def today() -> date:
    """The forum's "on the day" is the local date (tests move it)."""
    return timezone.localdate()


# --- Who may do what ----------------------------------------------------------------------


def may_run_forum(user: User, forum: Forum) -> bool:
    """The forum's chair or a CAF coordinator of its tenant runs it on the day."""
    if not user.is_authenticated or user.tenant_id != forum.tenant_id or not user.is_active:
        return False
    if in_caf_team_as(user, Role.CAF_COORDINATOR):
        return True
    return is_forum_chair(user, forum) and user.has_dbs_check


def may_read_minutes(user: User, forum: Forum) -> bool:
    """Those who ran the forum, those invited to it (or their deputies), presenters and those
    asked to hear a case at it, and the staff of agencies asked to hear one. What of each
    case they read is limited to the cases they may see."""
    if may_run_forum(user, forum):
        return True
    if not user.is_authenticated or user.tenant_id != forum.tenant_id or not user.has_dbs_check:
        return False
    if ForumInvitation.objects.filter(forum=forum).filter(user=user).exists():
        return True
    if ForumInvitation.objects.filter(forum=forum, deputy=user).exists():
        return True
    nominations = Nomination.objects.filter(session__forum=forum)
    if nominations.filter(nominated_by=user).exists():
        return True
    agencies = user.memberships.filter(role__in=CASEWORK_ROLES).values("agency_id")
    return (
        NominationAttendee.objects.filter(nomination__in=nominations).filter(user=user).exists()
        or NominationAttendee.objects.filter(
            nomination__in=nominations, user__isnull=True, agency_id__in=agencies
        ).exists()
    )


def _require_runner(by: User, forum: Forum) -> None:
    if by.tenant_id != forum.tenant_id:
        raise MeetingError("Forum not found.")
    if not may_run_forum(by, forum):
        raise MeetingError("Only the forum's chair or a CAF coordinator runs the forum.")


def _lock_forum(forum: Forum, by: User) -> Forum:
    found = Forum.objects.select_for_update().filter(pk=forum.pk, tenant_id=by.tenant_id).first()
    if found is None:
        raise MeetingError("Forum not found.")
    return found


def _lock_nomination(nomination: Nomination, by: User) -> Nomination:
    found = (
        Nomination.objects.select_for_update()
        .select_related("case__child", "session__forum")
        .filter(pk=nomination.pk, tenant_id=by.tenant_id)
        .first()
    )
    if found is None:
        raise MeetingError("Case not found.")
    return found


def _require_day_come(forum: Forum) -> None:
    if forum.state == ForumState.CANCELLED:
        raise MeetingError("This forum was cancelled.")
    if today() < forum.held_on:
        raise MeetingError(
            f"The forum meets on {forum.held_on:%d/%m/%Y}: this is done on the day or after."
        )


def _require_statement_read(forum: Forum) -> None:
    if forum.confidentiality_read_at is None:
        raise MeetingError(
            "The chair reads the confidentiality statement before the cases are heard."
        )


def _check_revision(current: int, revision) -> None:
    if revision is None or int(revision) != current:
        raise MeetingError(STALE, field="revision")


def _text(value, *, field: str, limit: int, label: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise MeetingError("Enter text.", field=field)
    value = value.replace("\x00", "").strip()
    if label and not value:
        raise MeetingError(f"Enter {label}.", field=field)
    if len(value) > limit:
        raise MeetingError(f"Enter no more than {limit:,} characters.", field=field)
    return value


# --- The confidentiality statement and the attendance ---------------------------------------


def confidentiality_statement_read(*, forum: Forum, by: User) -> Forum:
    """The chair reads 000 App. C to the attendees at the start of the forum, on the day."""
    _require_runner(by, forum)
    with transaction.atomic(), coordinating(by):
        forum = _lock_forum(forum, by)
        if forum.state != ForumState.SCHEDULED:
            raise MeetingError("The statement is read at a forum that is meeting.")
        if today() != forum.held_on:
            raise MeetingError(f"The statement is read at the forum, on {forum.held_on:%d/%m/%Y}.")
        if forum.confidentiality_read_at is None:
            forum.confidentiality_read_at = timezone.now()
            forum.save(update_fields=["confidentiality_read_at"])
        return forum


def forum_attendance_record(
    *, forum: Forum, by: User, attended: dict, deputies_attended: dict | None = None
) -> list[ForumInvitation]:
    """Tick who came: ``attended`` maps an invitation id to whether its invitee came,
    ``deputies_attended`` whether the deputy they named came instead (000 §4.6.13 item 5)."""
    _require_runner(by, forum)
    deputies_attended = deputies_attended or {}
    with transaction.atomic(), coordinating(by):
        forum = _lock_forum(forum, by)
        _require_day_come(forum)
        invitations = {i.pk: i for i in forum.invitations.select_for_update()}
        changed = {}
        for field, answers in (("attended", attended), ("deputy_attended", deputies_attended)):
            for key, came in (answers or {}).items():
                try:
                    invitation = invitations[int(key)]
                except (KeyError, TypeError, ValueError) as error:
                    raise MeetingError(
                        "That is not an invitation to this forum.", field="attended"
                    ) from error
                if field == "deputy_attended" and invitation.deputy_id is None:
                    raise MeetingError(
                        f"{invitation.user} named no deputy.", field="deputies_attended"
                    )
                if not isinstance(came, bool):
                    raise MeetingError("Say yes or no.", field="attended")
                setattr(invitation, field, came)
                changed[invitation.pk] = invitation
        for invitation in changed.values():
            invitation.save(update_fields=["attended", "deputy_attended"])
        return list(changed.values())


# --- The presenter's summary (000 App. E) ----------------------------------------------------


def year_group(date_of_birth: date | None, on: date) -> str:
    """The English school year of a child born on ``date_of_birth``, on ``on``: children born
    from September to August start Reception together."""
    if date_of_birth is None:
        return ""
    cohort = date_of_birth.year + (1 if date_of_birth.month >= 9 else 0)
    school_year = on.year if on.month >= 9 else on.year - 1
    year = school_year - (cohort + 4)
    if year < 0:
        return "Not yet at school"
    if year == 0:
        return "Reception"
    if year > 13:
        return ""
    return f"Year {year}"


def _logged_version(case: Case):
    assessment = Assessment.objects.filter(case=case, logged_on__isnull=False).first()
    return current_version(assessment) if assessment else None


def presenter_summary_draft(nomination: Nomination) -> dict:
    """The presenter's summary of 000 App. E drafted from the logged CAF, in the shape of
    ``Nomination.presenter_summary``. The child's name and date of birth are not in it: they
    are shown from the case. Needs and strengths are the statements of the current
    version's three domain sections (only contributions the assessor accepted)."""
    case = nomination.case
    child = case.child
    version = _logged_version(case)
    school = case.assessor_agency if case.assessor_agency.kind == AgencyKind.SCHOOL else None
    year = year_group(child.date_of_birth, nomination.session.forum.held_on)
    school_and_year = ", ".join(part for part in (school.name if school else "", year) if part)
    presenter = nomination.nominated_by
    relationship = f"{presenter.job_title or 'Practitioner'}, {nomination.nominated_by_agency}"
    if case.assessor_id == presenter.pk:
        since = case.assessment_started_on or timezone.localtime(case.intention_logged_at).date()
        relationship += f"; the child's assessor since {since:%d/%m/%Y}"
    summary = {
        "school_and_year": school_and_year,
        "relationship": relationship,
        "engagement": "",
        "needs": {str(key): "" for key in DOMAIN_SECTIONS},
        "strengths": {str(key): "" for key in DOMAIN_SECTIONS},
        "conclusions": "",
        "actions_tried": "",
        "asks": nomination.reason,
    }
    if version is None:
        return summary
    data = {row.key: row.data or {} for row in version.sections.all()}
    views = data.get(Section.VIEWS) or {}
    engagement = []
    if str(views.get("child") or "").strip():
        engagement.append(f"The child's view: {str(views['child']).strip()}")
    if str(views.get("parents") or "").strip():
        engagement.append(f"The parents' view: {str(views['parents']).strip()}")
    summary["engagement"] = "\n".join(engagement)
    accepted = set(
        Contribution.objects.filter(version=version, state=ContributionState.ACCEPTED).values_list(
            "pk", flat=True
        )
    )
    for domain in version.framework or []:
        code = domain.get("code")
        if code not in DOMAIN_SECTIONS:
            continue
        recorded = data.get(code) or {}
        lines = {StatementKind.NEED: [], StatementKind.STRENGTH: []}
        for element in domain.get("elements") or []:
            entry = recorded.get(element.get("code")) or {}
            statements = entry.get("statements") if isinstance(entry, dict) else None
            for statement in statements if isinstance(statements, list) else []:
                if not isinstance(statement, dict):
                    continue
                contribution = statement.get("contribution")
                if contribution is not None and contribution not in accepted:
                    continue
                text = str(statement.get("text") or "").strip()
                kind = statement.get("kind")
                if text and kind in lines:
                    lines[kind].append(f"{element.get('title', '')}: {text}")
        summary["needs"][code] = "\n".join(lines[StatementKind.NEED])[:SUMMARY_TEXT_MAX]
        summary["strengths"][code] = "\n".join(lines[StatementKind.STRENGTH])[:SUMMARY_TEXT_MAX]
    conclusions = data.get(Section.CONCLUSIONS) or {}
    summary["conclusions"] = str(conclusions.get("summary") or "").strip()[:SUMMARY_TEXT_MAX]
    return summary


def summary_domains(nomination: Nomination) -> list[tuple[str, str]]:
    """(code, title) of the three domains, as the logged CAF names them."""
    version = _logged_version(nomination.case)
    framework = version.framework if version else []
    return [(str(code), section_title(framework, str(code))) for code in DOMAIN_SECTIONS]


def presenter_summary_of(nomination: Nomination) -> dict:
    """The saved summary, or the draft from the logged CAF while none is saved."""
    return nomination.presenter_summary or presenter_summary_draft(nomination)


def clean_summary(summary) -> dict:
    if not isinstance(summary, dict):
        raise MeetingError("The summary is a set of answers.", field="summary")
    cleaned = {
        key: _text(summary.get(key, ""), field=key, limit=SUMMARY_TEXT_MAX)
        for key in SUMMARY_TEXT_KEYS
    }
    for key in SUMMARY_DOMAIN_KEYS:
        given = summary.get(key) or {}
        if not isinstance(given, dict):
            raise MeetingError("Give the text under each of the three domains.", field=key)
        unknown = set(given) - {str(code) for code in DOMAIN_SECTIONS}
        if unknown:
            raise MeetingError("Use the three domains of the CAF.", field=key)
        cleaned[key] = {
            str(code): _text(
                given.get(str(code), ""), field=f"{key}_{code}", limit=SUMMARY_TEXT_MAX
            )
            for code in DOMAIN_SECTIONS
        }
    return cleaned


def presenter_summary_save(*, nomination: Nomination, by: User, revision: int, summary: dict):
    """The presenter (who nominated the case) edits their summary before the forum hears it;
    a save from an older revision is refused, the text kept by the caller."""
    if nomination.tenant_id != by.tenant_id or not user_may(by, nomination.case, VIEW):
        raise MeetingError("Case not found.")
    if nomination.nominated_by_id != by.pk:
        raise MeetingError("Only the presenter edits the presenter's summary.")
    cleaned = clean_summary(summary)
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, nomination.case)):
        nomination = _lock_nomination(nomination, by)
        if nomination.state not in (*ON_AGENDA, NominationState.LATE):
            raise MeetingError("This case is no longer waiting to be heard.")
        _check_revision(nomination.revision, revision)
        nomination.presenter_summary = cleaned
        nomination.revision += 1
        nomination.full_clean(validate_constraints=False)
        nomination.save(update_fields=["presenter_summary", "revision"])
        return nomination


# --- What the forum agrees for each case (R-MAF-5) ------------------------------------------


def lead_professional_candidates(nomination: Nomination) -> list[User]:
    """Who may be proposed as lead professional: the presenter, the case's assessor, the
    practitioners asked to hear the case and those invited to the forum, each only if they
    may see the case (R-LP-1: it is proposed here, they agree to it themselves)."""
    forum = nomination.session.forum
    ids = {nomination.nominated_by_id, nomination.case.assessor_id}
    ids |= set(nomination.attendees.exclude(user=None).values_list("user_id", flat=True))
    ids |= set(forum.invitations.values_list("user_id", flat=True))
    ids |= set(forum.invitations.exclude(deputy=None).values_list("deputy_id", flat=True))
    if nomination.lead_professional_proposed_id:
        ids.add(nomination.lead_professional_proposed_id)
    people = User.objects.filter(pk__in=ids, tenant_id=nomination.tenant_id, is_active=True)
    return [
        user
        for user in people.order_by("first_name", "last_name", "username")
        if user_may(user, nomination.case, VIEW)
    ]


def forum_case_record(
    *,
    nomination: Nomination,
    by: User,
    revision: int,
    needs: str,
    services: str,
    lead_professional_proposed: User | None,
    review_on: date | None,
    anonymised_summary: str,
) -> Nomination:
    """What the forum agreed for a case (R-MAF-5): its needs, the services, the lead
    professional proposed and the review date, with the anonymised summary for the minutes
    (no names). By the coordinator or the chair, once the statement was read; the coordinator
    may complete it after the forum (000 §4.17.1)."""
    forum = nomination.session.forum
    _require_runner(by, forum)
    needs = _text(needs, field="needs", limit=RECORD_TEXT_MAX)
    services = _text(services, field="services", limit=RECORD_TEXT_MAX)
    anonymised_summary = _text(anonymised_summary, field="anonymised_summary", limit=ANONYMISED_MAX)
    # Shown with every other case's summary in the minutes: it names none of the families.
    _require_anonymous(forum, {"anonymised_summary": anonymised_summary})
    if review_on is not None and not (forum.held_on < review_on <= forum.held_on + LONGEST_REVIEW):
        raise MeetingError(
            "The review is after the forum and within a year of it.", field="review_on"
        )
    if lead_professional_proposed is not None and lead_professional_proposed.pk not in {
        user.pk for user in lead_professional_candidates(nomination)
    }:
        raise MeetingError(
            "Choose a practitioner who works with the child and may see the case.",
            field="lead_professional_proposed",
        )
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, nomination.case)):
        forum = _lock_forum(forum, by)
        nomination = _lock_nomination(nomination, by)
        _require_day_come(forum)
        _require_statement_read(forum)
        if nomination.state not in RECORDABLE:
            raise MeetingError("This case is not on the forum's agenda.")
        _check_revision(nomination.revision, revision)
        nomination.needs = needs
        nomination.services = services
        nomination.lead_professional_proposed = lead_professional_proposed
        nomination.review_on = review_on
        nomination.anonymised_summary = anonymised_summary
        nomination.revision += 1
        nomination.full_clean(validate_constraints=False)
        nomination.save(
            update_fields=[
                "needs",
                "services",
                "lead_professional_proposed",
                "review_on",
                "anonymised_summary",
                "revision",
            ]
        )
        return nomination


def forum_case_action_agree(
    *,
    nomination: Nomination,
    by: User,
    need: str,
    outcome: str,
    action: str,
    owner_agency: Agency | None = None,
    owner_user: User | None = None,
    owner_family_member: str = "",
    due_on: date | None,
) -> PlanAction:
    """An action of the draft action plan agreed at the forum for a case: on the case's plan,
    "requested" when another agency owns it (R-PLAN-2)."""
    forum = nomination.session.forum
    _require_runner(by, forum)
    if due_on is not None and due_on < forum.held_on:
        raise MeetingError("An action is due after the forum.", field="due_on")
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, nomination.case)):
        forum = _lock_forum(forum, by)
        nomination = _lock_nomination(nomination, by)
        _require_day_come(forum)
        _require_statement_read(forum)
        if nomination.state not in RECORDABLE:
            raise MeetingError("This case is not on the forum's agenda.")
        plan_action = plan_action_agree(
            case=nomination.case,
            by=by,
            need=need,
            outcome=outcome,
            action=action,
            owner_agency=owner_agency,
            owner_user=owner_user,
            owner_family_member=owner_family_member,
            due_on=due_on,
        )
        nomination.actions.add(plan_action)
        return plan_action


def forum_case_heard(*, nomination: Nomination, by: User) -> Nomination:
    """The forum has heard the case: only after the confidentiality statement was read, and
    once its lead professional proposed and review date are recorded (000 §4.6.13 item 6)."""
    forum = nomination.session.forum
    _require_runner(by, forum)
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, nomination.case)):
        forum = _lock_forum(forum, by)
        nomination = _lock_nomination(nomination, by)
        if forum.state != ForumState.SCHEDULED or today() != forum.held_on:
            raise MeetingError("Cases are heard at the forum, on the day.")
        _require_statement_read(forum)
        if nomination.state not in ON_AGENDA:
            raise MeetingError("This case is not waiting to be heard at this forum.")
        if nomination.lead_professional_proposed_id is None or nomination.review_on is None:
            raise MeetingError(
                "Record the lead professional proposed and the review date first.",
                field="lead_professional_proposed",
            )
        nomination.state = NominationState.HEARD
        nomination.revision += 1
        nomination.save(update_fields=["state", "revision"])
        _lead_propose(nomination, by)
        return nomination


def _lead_propose(nomination: Nomination, by: User) -> None:
    """R-LP-1: the lead proposed at the forum is asked to accept (delivery.services.lead)."""
    from delivery.models import LeadProposalSource
    from delivery.services.lead import LeadError, lead_propose_agreed

    try:
        lead_propose_agreed(
            case=nomination.case,
            by=by,
            proposed=nomination.lead_professional_proposed,
            source=LeadProposalSource.FORUM,
            nomination=nomination,
        )
    except LeadError as error:
        raise MeetingError(error.message, field="lead_professional_proposed") from error


# --- After the forum (000 §4.17) --------------------------------------------------------------


def _require_anonymous(forum: Forum, texts: dict[str, str]) -> None:
    """The forum's own writing (``texts`` by field: minutes, summaries, lessons) is read by
    everyone invited, also by agencies a family did not agree to share with, and outlives the
    cases it discussed (a purge removes the case's rows, not the forum's): it names no family
    of the forum (``meetings.anonymity``)."""
    if not any(texts.values()):
        return
    nominated = Case.objects.filter(forum_nominations__session__forum=forum).select_related("child")
    identifiers = family_identifiers(nominated.distinct())
    for field, text in texts.items():
        named = text and identifiers.found_in(text)
        if named:
            raise MeetingError(
                f"This names a family (“{named}”): leave names and addresses out.", field=field
            )


def forum_minutes_save(*, forum: Forum, by: User, revision: int, minutes: str) -> Forum:
    """How the meeting ran (000 §4.6.13 item 5), written by the coordinator: general text,
    no child's name (the cases' anonymised summaries are kept per case)."""
    require_coordinator(by)
    if forum.tenant_id != by.tenant_id:
        raise MeetingError("Forum not found.")
    minutes = _text(minutes, field="minutes", limit=MINUTES_MAX)
    _require_anonymous(forum, {"minutes": minutes})
    with transaction.atomic(), coordinating(by):
        forum = _lock_forum(forum, by)
        _require_day_come(forum)
        _check_revision(forum.revision, revision)
        forum.minutes = minutes
        forum.revision += 1
        forum.save(update_fields=["minutes", "revision"])
        return forum


def forum_close(*, forum: Forum, by: User) -> Forum:
    """The forum was held: every case on its agenda is heard or moved on first."""
    _require_runner(by, forum)
    with transaction.atomic(), coordinating(by):
        forum = _lock_forum(forum, by)
        if forum.state != ForumState.SCHEDULED:
            raise MeetingError("This forum is not meeting.")
        _require_day_come(forum)
        _require_statement_read(forum)
        waiting = Nomination.objects.filter(
            session__forum=forum, state__in=(*ON_AGENDA, NominationState.LATE)
        ).count()
        if waiting:
            raise MeetingError(
                f"{waiting} case{'s are' if waiting != 1 else ' is'} still on the agenda: mark "
                "each one heard or defer it to the next forum first."
            )
        forum.state = ForumState.HELD
        forum.save(update_fields=["state"])
        return forum


def _recipients(nomination: Nomination) -> list[tuple[User | None, Agency]]:
    """Everyone the case's forum actions name, and the lead professional proposed: a named
    practitioner who may see the case, else their agency's queue."""
    case = nomination.case
    seen: set[tuple] = set()
    found = []

    def add(user: User | None, agency: Agency) -> None:
        if user is not None and not user_may(user, case, VIEW):
            user = None
        key = (user.pk if user else None, agency.pk)
        if key not in seen:
            seen.add(key)
            found.append((user, agency))

    for plan_action in nomination.actions.select_related("owner_user", "owner_agency"):
        if plan_action.owner_agency is not None:
            add(plan_action.owner_user, plan_action.owner_agency)
    lead = nomination.lead_professional_proposed
    if lead is not None:
        agency_id = acting_agency_id(lead, case)
        if agency_id is not None:
            add(lead, Agency.objects.get(pk=agency_id))
    return found


def action_plans_circulate(*, forum: Forum, by: User) -> list[Task]:
    """Send each heard case's action plan to everyone it names and to the lead professional
    proposed (000 §4.17.1): a task in their worklist with a link to the plan, no case content
    (R-AUDIT-3). Circulating again adds no task to someone who still has one open."""
    require_coordinator(by)
    if forum.tenant_id != by.tenant_id:
        raise MeetingError("Forum not found.")
    team = caf_team_of(by.tenant_id)
    tasks = []
    with transaction.atomic(), coordinating(by):
        forum = _lock_forum(forum, by)
        if forum.state != ForumState.HELD:
            raise MeetingError("Action plans are circulated once the forum is held.")
        heard = (
            Nomination.objects.filter(session__forum=forum, state=NominationState.HEARD)
            .select_related("case__child", "lead_professional_proposed")
            .order_by("session", "position", "id")
        )
        for nomination in heard:
            case = nomination.case
            link = reverse("meetings:action_plan_pdf", kwargs={"pk": case.pk})
            for user, agency in _recipients(nomination):
                open_tasks = Task.objects.filter(
                    kind=TaskKind.ACTION_PLAN, case=case, done_at=None, assigned_agency=agency
                )
                open_tasks = (
                    open_tasks.filter(assigned_to=user)
                    if user
                    else open_tasks.filter(assigned_to=None)
                )
                if open_tasks.exists():
                    continue
                tasks.append(
                    task_create(
                        kind=TaskKind.ACTION_PLAN,
                        by=by,
                        from_agency=team,
                        assigned_agency=agency,
                        assigned_to=user,
                        child=case.child,
                        case=case,
                        message=(
                            "A multi-agency forum has agreed an action plan that names you or "
                            "your service. Open the link to read it."
                        ),
                        link=link,
                    )
                )
        return tasks


def lessons_record(
    *,
    forum: Forum,
    by: User,
    revision: int,
    case_numbers: str,
    services_invited: str,
    invitees_equipped: str,
    place_and_time: str,
) -> Forum:
    """The coordinator's review of the forum after it was held, against the four questions of
    000 §4.17.2."""
    require_coordinator(by)
    if forum.tenant_id != by.tenant_id:
        raise MeetingError("Forum not found.")
    answers = {
        "lesson_case_numbers": _text(case_numbers, field="case_numbers", limit=LESSON_MAX),
        "lesson_services_invited": _text(
            services_invited, field="services_invited", limit=LESSON_MAX
        ),
        "lesson_invitees_equipped": _text(
            invitees_equipped, field="invitees_equipped", limit=LESSON_MAX
        ),
        "lesson_place_and_time": _text(place_and_time, field="place_and_time", limit=LESSON_MAX),
    }
    if not any(answers.values()):
        raise MeetingError("Answer at least one of the questions.", field="case_numbers")
    _require_anonymous(forum, {f.removeprefix("lesson_"): text for f, text in answers.items()})
    with transaction.atomic(), coordinating(by):
        forum = _lock_forum(forum, by)
        if forum.state != ForumState.HELD:
            raise MeetingError("Lessons are recorded once the forum is held.")
        _check_revision(forum.revision, revision)
        for field, value in answers.items():
            setattr(forum, field, value)
        forum.lessons_recorded_by = by
        forum.lessons_recorded_at = timezone.now()
        forum.revision += 1
        forum.save(
            update_fields=[*answers, "lessons_recorded_by", "lessons_recorded_at", "revision"]
        )
        return forum


# --- Reads ------------------------------------------------------------------------------------


def agenda_of(forum: Forum, user: User):
    """The forum's cases ``user`` may see, in agenda order (position where set)."""
    return (
        with_visible_case(user, Nomination.objects.filter(session__forum=forum))
        .exclude(state__in=(NominationState.WITHDRAWN, NominationState.DEFERRED))
        .select_related(
            "case__child",
            "case__assessor_agency",
            "session",
            "nominated_by",
            "nominated_by_agency",
            "lead_professional_proposed",
        )
        .order_by("session__starts_at", "session_id", "position", "nominated_at", "id")
    )
