"""Writing the access log (R-AUDIT-1): every view, print, export, denial and failed login;
and the one exception to the append-only trail, the scrub of a purged case (R-RET-1)."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest

from audit.context import client_ip
from audit.models import AccessAction, AccessLogEntry, AppendOnlyError, ChangeLogEntry
from cafsite.validation import parse_id


def access_log_record(
    *,
    action: AccessAction,
    user=None,
    request: HttpRequest | None = None,
    case=None,
    case_id: int | str | None = None,
    child_id: int | None = None,
    tenant_id: int | None = None,
    agency_id: int | None = None,
    username: str = "",
    detail: str = "",
) -> AccessLogEntry:
    """Append one access-log row. ``case`` fills tenant, case and child; ids may be given alone
    for a look-up that found nothing (a denial names what was asked for). A ``case_id`` that
    cannot be a record id is kept, as typed, in the detail text: the id column cannot hold it.
    ``agency_id`` is the agency the user acted for, when the entry concerns a child; entries
    without one are seen only by the CAF team's managers."""
    if case is not None:
        case_id, child_id, tenant_id = case.pk, case.child_id, case.tenant_id
    elif case_id is not None and parse_id(case_id) is None:
        detail = f"case id asked for: {str(case_id)[:100]!r}; {detail}"
        case_id = None
    if user is not None and user.is_authenticated:
        username = username or user.get_username()
        tenant_id = tenant_id or user.tenant_id
    else:
        user = None
    entry = AccessLogEntry(
        action=action,
        user=user,
        username=username[:150],
        tenant_id=tenant_id,
        case_id=case_id,
        child_id=child_id,
        agency_id=agency_id,
        detail=detail[:500],
    )
    if request is not None:
        entry.method = request.method or ""
        entry.path = request.get_full_path()[:500]
        entry.ip = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    entry.save()
    return entry


# What a scrubbed entry holds instead of its personal data (R-RET-1).
PURGED = "[purged]"


def audit_entries_scrub(
    *,
    case_id: int,
    child_id: int | None,
    objects: list[tuple[ContentType, list[str]]],
    by_run=None,
) -> dict[str, int]:
    """Overwrite the personal data in the audit entries of a purged case: those of the case,
    of the child (when its record is purged too, ``child_id``) and of the purged rows
    (``objects``: content type and primary keys). Who acted, when and on what kind of row stay.

    The only code that changes an audit entry (R-AUDIT-1): it must run inside the purge's
    transaction, which it opens to the database trigger with ``SET LOCAL ecaf.audit_scrub``
    for the scrub's statements only (audit migration 0009 allows nothing else: no DELETE, and
    an UPDATE only of the columns above). ``by_run`` is the retention run, for the record."""
    if not connection.in_atomic_block:
        raise AppendOnlyError("The audit scrub runs only inside a purge's transaction.")
    changes = Q(case_id=case_id)
    access = Q(case_id=case_id)
    if child_id is not None:
        changes |= Q(child_id=child_id)
        access |= Q(child_id=child_id)
    for content_type, pks in objects:
        changes |= Q(content_type=content_type, object_pk__in=pks)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        # Undone by a rollback too (of the transaction or of a savepoint around it).
        if postgres:
            cursor.execute("SET LOCAL ecaf.audit_scrub = 'on'")
        # Queryset updates: AppendOnlyModel.save refuses any other change.
        scrubbed_changes = ChangeLogEntry.objects.filter(changes).update(
            object_repr=PURGED,
            changes_text=PURGED,
            changes={PURGED: [PURGED, PURGED]},
            serialized_data=None,
            additional_data=None,
        )
        scrubbed_access = AccessLogEntry.objects.filter(access).update(detail=PURGED, path=PURGED)
        if postgres:
            cursor.execute("SET LOCAL ecaf.audit_scrub = 'off'")
    return {
        "audit.changelogentry scrubbed": scrubbed_changes,
        "audit.accesslogentry scrubbed": scrubbed_access,
    }


def purge_audit_record(*, record, by_run=None) -> ChangeLogEntry:
    """The change-log entry of a purge and its scrub: the reference and counts, nothing
    personal (``record`` is the ``retention.PurgeRecord``)."""
    return ChangeLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_pk=str(record.pk),
        object_id=record.pk,
        object_repr=f"{record.reference} purged",
        action=ChangeLogEntry.Action.CREATE,
        changes={
            "reference": [None, record.reference],
            "purged_on": [None, record.purged_on.isoformat()],
            "counts": [None, record.counts],
            "run": [None, by_run.pk if by_run is not None else None],
        },
        tenant_id=record.tenant_id,
    )
