"""The CAF coordinators' weekly digest: how many items of their tenant are overdue and due this
week, by deadline kind, with a link to the CAF team's deadlines page. Counts only, nothing of
any case (R-AUDIT-3). Once per person and week (``DigestSent``), however often it is asked.
"""

import logging
from collections import Counter
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from agencies.models import AgencyKind, Role, Tenant, User
from deadlines import rules
from deadlines.models import DeadlineKind, DigestSent
from deadlines.reminders import _reachable, absolute
from deadlines.sources import ACTIONABLE_KINDS, SOURCES, Scope, rows_due
from retention.models import JobRun

log = logging.getLogger(__name__)


def week_of(day: date) -> date:
    """The Monday of ``day``'s week: the week a digest covers."""
    return day - timedelta(days=day.weekday())


def coordinators_of(tenant: Tenant):
    """The tenant's CAF coordinators an email can reach."""
    return (
        _reachable(User.objects.filter(tenant=tenant))
        .filter(
            memberships__role=Role.CAF_COORDINATOR,
            memberships__agency__kind=AgencyKind.CAF_TEAM,
            memberships__agency__tenant=tenant,
            memberships__agency__is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def digest_rows(*, tenant: Tenant, today: date) -> list[dict]:
    """Per deadline kind with anything to say: items overdue (due before ``today``) and due
    from ``today`` to the end of the week (Sunday), still open."""
    end_of_week = week_of(today) + timedelta(days=6)
    scope = Scope(tenant_id=tenant.pk)
    overdue: Counter[str] = Counter()
    this_week: Counter[str] = Counter()
    for kind in ACTIONABLE_KINDS:
        by_sunday = rows_due(kind, due_by=end_of_week, scope=scope)
        if by_sunday is None:
            continue
        # Two counts on the indexed start date: due by Sunday, of which due before today.
        late = by_sunday.filter(
            start_on__lte=rules.latest_start(SOURCES[kind].rule, today - timedelta(days=1))
        ).count()
        overdue[kind] = late
        this_week[kind] = by_sunday.count() - late
    return [
        {
            "kind": kind,
            "label": label,
            "overdue": overdue[kind],
            "due_this_week": this_week[kind],
        }
        for kind, label in DeadlineKind.choices
        if overdue[kind] or this_week[kind]
    ]


def digest_email(*, user: User, tenant: Tenant, rows: list[dict], today: date):
    context = {
        "name": user.get_full_name() or user.username,
        "tenant": tenant.name,
        "week_of": week_of(today),
        "rows": rows,
        "overdue": sum(row["overdue"] for row in rows),
        "due_this_week": sum(row["due_this_week"] for row in rows),
        # The CAF team's tenant-wide deadlines page.
        "link": absolute(reverse("deadlines:list")),
    }
    subject = render_to_string("deadlines/email/digest_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("deadlines/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    html = render_to_string("deadlines/email/digest.html", context)
    message.attach_alternative(html, "text/html")
    return message


def _claim(user: User, week: date) -> bool:
    """Whether this call is the one that sends ``user`` the week's digest: the first to insert
    the DigestSent row (unique per person and week) wins, any other run or worker loses."""
    try:
        with transaction.atomic():
            DigestSent.objects.create(recipient=user, week_of=week)
    except IntegrityError:
        return False
    return True


def digest_send(*, today: date, run: JobRun | None = None) -> dict[str, int]:
    """Email each tenant's CAF coordinators the week's digest, once per person and week.
    Returns the counts: digests sent, failed (each council's also on ``run``)."""
    counts: Counter[str] = Counter()
    week = week_of(today)
    for tenant in Tenant.objects.order_by("pk"):
        waiting = coordinators_of(tenant).exclude(
            pk__in=DigestSent.objects.filter(week_of=week).values("recipient_id")
        )
        people = list(waiting)
        if not people:
            continue
        rows = digest_rows(tenant=tenant, today=today)
        for user in people:
            if not _claim(user, week):
                continue
            try:
                digest_email(user=user, tenant=tenant, rows=rows, today=today).send(
                    fail_silently=False
                )
            except Exception:
                # Claimed, so not sent twice; the failure is on the run log.
                log.exception("weekly digest email to user %s failed", user.pk)
                counts["digest_failures"] += 1
                if run is not None:
                    run.add_tenant_counts(tenant.pk, digest_failures=1)
                continue
            counts["digests"] += 1
            if run is not None:
                run.add_tenant_counts(tenant.pk, digests=1)
    return dict(counts)
