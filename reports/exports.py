"""Who produces the returns, what they cover, and the exports: answered in the request when
small, otherwise an ``ExportJob`` run on the worker with its progress shown (issue 15).

The returns are for managers (with the DBS check case content needs) and the CAF team. Their
scope is the cases the viewer may see (``cases_for_user``): the whole tenant for the CAF team,
the cases their agencies hold a grant on for an agency's manager. Anyone else gets 404.
Every export and every download is in the access log (R-AUDIT-1).
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from agencies.roles import managed_agency_ids
from audit.models import AccessAction
from audit.services import access_log_record
from cases.permissions import cases_for_user, casework_access
from reports import annex_a
from reports.access import may_oversee
from reports.models import ExportJob, ExportKind, ExportState


def returns_agency_id(user) -> int | None:
    """The agency a report is produced for, for the access log: the CAF team, else the first
    agency the user manages."""
    access = casework_access(user)
    if access is None:
        return None
    if access.caf_team:
        return (
            Agency.objects.filter(pk__in=access.agency_ids, kind=AgencyKind.CAF_TEAM)
            .values_list("pk", flat=True)
            .first()
        )
    managed = sorted(managed_agency_ids(user))
    return managed[0] if managed else None


def returns_record(*, user, request, action: AccessAction, detail: str) -> None:
    access_log_record(
        action=action,
        user=user,
        request=request,
        agency_id=returns_agency_id(user),
        detail=detail,
    )


def annex_a_rows(user, as_at: date):
    """List 2 for ``as_at`` over the cases ``user`` may see, a row at a time."""
    return annex_a.rows_from(annex_a_records_for(user, as_at).iterator(chunk_size=2000), as_at)


def annex_a_records_for(user, as_at: date):
    return annex_a.annex_a_records(cases_for_user(user), as_at)


FORMATS = {"csv": ExportKind.ANNEX_A_CSV, "xlsx": ExportKind.ANNEX_A_XLSX}
CONTENT_TYPES = {
    ExportKind.ANNEX_A_CSV: "text/csv; charset=utf-8",
    ExportKind.ANNEX_A_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def annex_a_file(
    *, kind: str, rows, as_at: date, user, produced_at, progress=None
) -> tuple[bytes, str]:
    """The file's bytes and name, marked OFFICIAL-SENSITIVE (R-AUDIT-4)."""
    if kind == ExportKind.ANNEX_A_CSV:
        content = annex_a.csv_bytes(rows, progress)
        return content, annex_a.file_name(as_at, produced_at, "csv")
    content = annex_a.xlsx_bytes(
        rows,
        as_at=as_at,
        produced_by=f"{user.get_full_name() or user.get_username()}",
        produced_at=timezone.localtime(produced_at),
        progress=progress,
    )
    return content, annex_a.file_name(as_at, produced_at, "xlsx")


def is_small(user, as_at: date) -> bool:
    """Whether list 2 has no more rows than are answered in the request. Reads at most one
    row past the limit: no count of the whole list."""
    limit = settings.REPORT_DIRECT_EXPORT_MAX_ROWS
    return all(seen <= limit for seen, _ in enumerate(annex_a_rows(user, as_at), start=1))


def export_job_request(*, user, kind: str, as_at: date) -> ExportJob:
    """Queue an export of list 2 for ``as_at`` as ``user`` (who must produce returns); the
    worker writes the file (``export_job_run``). Raises Http404 for anyone else."""
    if not may_oversee(user):
        raise Http404
    from reports.tasks import export_job_run_task

    now = timezone.now()
    job = ExportJob.objects.create(
        tenant_id=user.tenant_id,
        requested_by=user,
        agency_id=returns_agency_id(user),
        kind=kind,
        params={"as_at": as_at.isoformat()},
        expires_at=now + timedelta(hours=settings.REPORT_EXPORT_KEEP_HOURS),
    )
    transaction.on_commit(lambda: export_job_run_task.delay(str(job.pk)))
    return job


def export_job_run(job_id) -> ExportJob | None:
    """Write a queued job's file, updating its progress as rows are written. Safe to run
    twice: a finished job is left alone, an interrupted one starts again. The scope is the
    requester's as it is now: access ended since the request is not exported."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    user = job.requested_by
    as_at = date.fromisoformat(job.params["as_at"])
    if not may_oversee(user) or user.tenant_id != job.tenant_id:
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED, finished_at=timezone.now()
        )
        return job
    total = len({r["child_id"] for r in annex_a_records_for(user, as_at).values("child_id")})
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.RUNNING, started_at=timezone.now(), rows_done=0, rows_total=total
    )

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

    try:
        content, name = annex_a_file(
            kind=job.kind,
            rows=annex_a_rows(user, as_at),
            as_at=as_at,
            user=user,
            produced_at=timezone.now(),
            progress=progress,
        )
    except Exception:
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED, finished_at=timezone.now()
        )
        raise
    job.refresh_from_db()
    job.file.save(name, ContentFile(content), save=False)
    job.filename = name
    job.state = ExportState.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "filename", "state", "finished_at"])
    return job


def export_job_for(user, pk) -> ExportJob:
    """The job ``pk`` if ``user`` requested it, in their tenant, and it has not expired;
    otherwise Http404, as for a missing job."""
    job = (
        ExportJob.objects.filter(
            pk=pk,
            requested_by_id=getattr(user, "pk", None),
            tenant_id=getattr(user, "tenant_id", None),
            expires_at__gt=timezone.now(),
        ).first()
        if user.is_authenticated and may_oversee(user)
        else None
    )
    if job is None:
        raise Http404("No such export.")
    return job


def export_jobs_expire(now=None) -> int:
    """Delete jobs past their expiry with their files; the number deleted."""
    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return deleted
