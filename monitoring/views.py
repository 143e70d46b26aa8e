from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from monitoring.models import WorkerHeartbeat

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
