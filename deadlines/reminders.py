"""Daily reminders of due and overdue items, by email, at most once per item, person and day
(R-AUDIT-3, FIELD-NOTES: a frequent scan of due rows, never long ETAs).

The scan: for each kind a person acts on, the open source rows due by ``today``
(``deadlines.sources.rows_due``) are taken in batches, each batch in its own transaction
holding its rows with ``SELECT ... FOR NO KEY UPDATE SKIP LOCKED``, so two workers never take
the same rows. "Sent" is a
``ReminderSent`` row, unique per (kind, case, source row, person, day), inserted with
``ignore_conflicts``: whichever run inserts it first owns it, a second run (or a second worker
that takes the rows after the first committed) inserts nothing. The rows a run inserted carry
that run (``ReminderSent.run``); after the scan, each person those rows name gets one email
saying how many items they have due or overdue, with a link to their home page. The email
names no child, no date and no case reference: those are read in the application. What is
still open on an archived case is reminded to CAF-team staff only (R-RET-1).

Once per day at most: a reminder whose email failed is not retried that day (the failure is
logged and counted on the run); it is due again tomorrow.
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse

from agencies.models import CASEWORK_ROLES, AgencyKind, Membership, User
from cases.models import Case, CaseState
from deadlines.models import DeadlineKind, ReminderSent
from deadlines.sources import ACTIONABLE_KINDS, rows_due
from retention.models import JobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Owner:
    """Who answers for a due item: a named person, or else an agency's queue."""

    user_id: int | None
    agency_id: int | None


def owner_of(row) -> Owner:
    """A source row's owner (``deadlines.sources`` annotates ``owner_ref`` and ``agency_ref``):
    the person, or when nobody is named the agency's queue."""
    if row.owner_ref:
        return Owner(user_id=row.owner_ref, agency_id=None)
    return Owner(user_id=None, agency_id=row.agency_ref)


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- Who is reminded -------------------------------------------------------------------------


def _reachable(users):
    """Staff an email may go to: active, of a tenant, with an address and the DBS check that
    reading the item in the service needs (R-TEN-4)."""
    return (
        users.filter(is_active=True, is_superuser=False, tenant__isnull=False, email__gt="")
        .exclude(dbs_checked_on__isnull=True)
        .exclude(dbs_reference="")
    )


def recipients_by_owner(owners: set[Owner]) -> dict[Owner, list[int]]:
    """The people each owner stands for: the person named, or everyone with a casework role in
    the agency (its queue, as ``referrals.selectors`` defines a task's owners), within the
    agency's tenant."""
    people = set(
        _reachable(
            User.objects.filter(pk__in={o.user_id for o in owners if o.user_id})
        ).values_list("pk", flat=True)
    )
    queue_agencies = {o.agency_id for o in owners if o.user_id is None and o.agency_id}
    queues: dict[int, list[int]] = defaultdict(list)
    members = Membership.objects.filter(
        agency_id__in=queue_agencies,
        agency__is_active=True,
        role__in=CASEWORK_ROLES,
        user__in=_reachable(User.objects.all()),
    ).values_list("agency_id", "user_id", "user__tenant_id", "agency__tenant_id")
    for agency_id, user_id, user_tenant, agency_tenant in members.distinct():
        if user_tenant == agency_tenant and user_id not in queues[agency_id]:
            queues[agency_id].append(user_id)
    result = {}
    for owner in owners:
        if owner.user_id:
            result[owner] = [owner.user_id] if owner.user_id in people else []
        else:
            result[owner] = sorted(queues.get(owner.agency_id, []))
    return result


def _archive_filter(items, people: dict[Owner, list[int]]):
    """An archived case is the CAF team's alone (R-RET-1): what is still open on one is
    reminded to CAF-team staff only. Two queries per batch."""
    archived = set(
        Case.objects.filter(
            pk__in={row.case_ref for row, _ in items if row.case_ref}, state=CaseState.ARCHIVED
        ).values_list("pk", flat=True)
    )
    if not archived:
        return lambda row, person: True
    caf_team = set(
        Membership.objects.filter(
            user_id__in={person for persons in people.values() for person in persons},
            agency__kind=AgencyKind.CAF_TEAM,
            agency__is_active=True,
            role__in=CASEWORK_ROLES,
        ).values_list("user_id", flat=True)
    )
    return lambda row, person: row.case_ref not in archived or person in caf_team


# --- The scan --------------------------------------------------------------------------------


def _remind_batch(kind: str, due, *, after: int, today: date, batch: int, run: JobRun):
    """Lock up to ``batch`` due rows of one kind past ``after`` that nobody else holds, and
    mark a reminder for each of their people. Returns the last primary key taken (None when
    there was nothing left) and how many reminders this run inserted."""
    with transaction.atomic():
        rows = list(
            due.filter(pk__gt=after)
            # NO KEY: people may still add rows that refer to a locked case (a note, a task)
            # while the batch is marked; only another scan skips it.
            .select_for_update(skip_locked=True, of=("self",), no_key=True)
            .order_by("pk")[:batch]
        )
        if not rows:
            return None, 0
        items = [(row, owner_of(row)) for row in rows]
        people = recipients_by_owner({owner for _, owner in items})
        may_know = _archive_filter(items, people)
        reminders = [
            ReminderSent(
                deadline_kind=kind,
                # The uniqueness would not hold over NULLs: an item of no case is case 0.
                case_id=row.case_ref or 0,
                source_id=row.pk,
                recipient_id=person,
                sent_on=today,
                run=run,
            )
            for row, owner in items
            for person in people[owner]
            if may_know(row, person)
        ]
        ReminderSent.objects.bulk_create(reminders, ignore_conflicts=True)
        inserted = ReminderSent.objects.filter(
            run=run, deadline_kind=kind, source_id__in=[row.pk for row in rows]
        ).count()
    return rows[-1].pk, inserted


def reminders_send_due(*, today: date, batch: int = 500, run: JobRun) -> Counter[str]:
    """Remind the people of every item due by ``today`` and still open, at most once per
    item, person and day, whatever the number of runs and workers; then email each person the
    run reminded once. Returns the run's counts: reminders marked, emails sent, failures."""
    counts: Counter[str] = Counter()
    try:
        for kind in ACTIONABLE_KINDS:
            due = rows_due(kind, due_by=today)
            after = 0
            while True:
                after, inserted = _remind_batch(
                    kind, due, after=after, today=today, batch=batch, run=run
                )
                if after is None:
                    break
                counts["reminders"] += inserted
    finally:
        # Rows committed before a failure are still emailed: they are marked sent.
        transaction.on_commit(lambda: counts.update(reminder_emails_send(run=run)))
    # The same object the emails add to once the scan is committed (at once outside a
    # transaction, as the job runs).
    return counts


# --- The emails ------------------------------------------------------------------------------


def reminder_email(user: User, by_kind: dict[str, int]) -> EmailMultiAlternatives:
    """How many items are due or overdue, by kind, and a link home: nothing of any case
    (R-AUDIT-3)."""
    labels = dict(DeadlineKind.choices)
    context = {
        "name": user.get_full_name() or user.username,
        "total": sum(by_kind.values()),
        "kinds": [(labels.get(kind, kind), n) for kind, n in sorted(by_kind.items())],
        "link": absolute(reverse("home")),
    }
    subject = render_to_string("deadlines/email/reminder_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("deadlines/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    html = render_to_string("deadlines/email/reminder.html", context)
    message.attach_alternative(html, "text/html")
    return message


def reminder_emails_send(*, run: JobRun) -> Counter[str]:
    """One email to each person ``run`` reminded, for exactly the reminders it inserted."""
    counts: Counter[str] = Counter()
    by_person: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        ReminderSent.objects.filter(run=run)
        .values("recipient_id", "deadline_kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_person[row["recipient_id"]][row["deadline_kind"]] = row["n"]
    for user in User.objects.filter(pk__in=by_person).order_by("pk"):
        try:
            reminder_email(user, by_person[user.pk]).send(fail_silently=False)
        except Exception:
            log.exception("deadline reminder email to user %s failed", user.pk)
            counts["email_failures"] += 1
            continue
        counts["emails"] += 1
    return counts
