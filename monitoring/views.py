from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from agencies.roles import in_caf_team
from audit.selectors import may_search_audit
from monitoring.models import WorkerHeartbeat
from retention.models import JobRun

# Beat sends a heartbeat every minute; three missed ones mean the workers are down.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


@never_cache
def healthz(request):
    """Liveness for load balancers and compose: the database answers (200) or not (503).
    Worker freshness is reported, not failed on, so a stalled queue does not take the web down."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"database": "unavailable"}, status=503)
    body = {"database": "ok"}
    if settings.CELERY_BROKER_URL:
        last = (
            WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
        )
        fresh = last is not None and timezone.now() - last < HEARTBEAT_STALE_AFTER
        body["workers"] = "ok" if fresh else "stale"
    else:
        body["workers"] = "in-process"
    return JsonResponse(body)


# --- The run log of scheduled jobs -----------------------------------------------------------

RUNS_PAGE_SIZE = 50


def may_see_runs(user) -> bool:
    """Managers (with the DBS check case work needs) and the CAF team read the run log. It
    holds no case content: kinds, dates, states of the scheduled jobs and their own council's
    counts (the error text, which may name a case of any council, and the totals over every
    council stay with the operators)."""
    return may_search_audit(user) or in_caf_team(user)


def runs_page(cursor: str | None, tenant_id: int) -> tuple[list[JobRun], str | None]:
    """One page of runs started before ``cursor``, newest first (keyset paging over
    (started_at, id): no count of the whole log), each with what it did in ``tenant_id``'s
    council, and the next page's cursor, if any."""
    runs = JobRun.objects.order_by("-started_at", "-id")
    if cursor:
        try:
            stamp_text, id_text = cursor.rsplit("_", 1)
            stamp, last_id = datetime.fromisoformat(stamp_text), int(id_text)
            if not 0 < last_id < 2**63:
                raise ValueError("not an id")
            if timezone.is_aware(stamp):
                stamp = stamp.astimezone(UTC)  # as the database compares it; may overflow
        except (ValueError, OverflowError):
            stamp = None
        if stamp is not None and timezone.is_aware(stamp):
            runs = runs.filter(Q(started_at__lt=stamp) | Q(started_at=stamp, id__lt=last_id))
    rows = list(runs[: RUNS_PAGE_SIZE + 1])
    next_cursor = None
    if len(rows) > RUNS_PAGE_SIZE:
        last = rows[RUNS_PAGE_SIZE - 1]
        next_cursor = f"{last.started_at.isoformat()}_{last.pk}"
    rows = rows[:RUNS_PAGE_SIZE]
    for run in rows:
        run.duration = run.finished_at - run.started_at if run.finished_at else None
        run.council_counts = run.counts_for(tenant_id)
    return rows, next_cursor


@login_required
def job_runs(request):
    """The log of scheduled runs (deadlines, digest, retention), newest first."""
    if not may_see_runs(request.user):
        raise Http404
    rows, next_cursor = runs_page(request.GET.get("before"), request.user.tenant_id)
    next_query = urlencode({"before": next_cursor}) if next_cursor else None
    return render(request, "monitoring/runs.html", {"runs": rows, "next_query": next_query})
