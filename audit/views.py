import csv

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.utils import timezone
from django.views import defaults
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from audit.forms import AuditSearchForm
from audit.models import AccessAction
from audit.selectors import (
    TrailCursor,
    TrailSearch,
    audit_scope_or_404,
    trail_page,
    trail_querysets,
)
from audit.services import access_log_record


@login_required
def audit_search(request):
    """Managers search who changed, viewed, printed or was refused what, in words
    (R-AUDIT-1): both logs merged newest first, a page at a time."""
    scope = audit_scope_or_404(request.user)
    form = AuditSearchForm(request.GET, tenant_id=request.user.tenant_id, scope=scope)
    entries, next_cursor, search = [], None, None
    if form.is_valid():
        search = form.search()
        change_rows, access_rows = trail_querysets(
            tenant_id=request.user.tenant_id, scope_agency_ids=scope, search=search
        )
        entries, next_cursor = trail_page(
            change_rows, access_rows, cursor=form.cleaned_data["before"], viewer=request.user
        )
    # Who looked at the trail is itself on the trail.
    access_log_record(
        action=AccessAction.AUDIT,
        user=request.user,
        request=request,
        detail=f"{search.describe() if search else 'search refused'}: {len(entries)} entries shown",
    )
    query = request.GET.copy()
    query.pop("before", None)
    next_query = None
    if next_cursor:
        query["before"] = next_cursor
        next_query = query.urlencode()
        query.pop("before")
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "entries": entries,
            # A person's name leads to their activity page when they are in the manager's
            # scope (the same people the person filter offers).
            "people_in_scope": set(
                form.fields["person"]
                .queryset.filter(pk__in={entry.user_id for entry in entries if entry.user_id})
                .values_list("pk", flat=True)
            ),
            "next_query": next_query,
            "export_query": query.urlencode(),
            "first_page": not form.data.get("before"),
        },
    )


# Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file that hands back what is written to it, for csv.writer in a stream."""

    def write(self, value):
        return value


EXPORT_COLUMNS = ["When", "Who", "Role", "Agency", "From", "What", "Case", "Child", "Changes"]


def export_rows(*, user, search: TrailSearch, change_rows, access_rows):
    """The export's lines, read page after page by keyset."""
    now = timezone.localtime()
    yield ["OFFICIAL-SENSITIVE"]
    yield [
        f"Audit trail exported by {user.get_full_name() or user.username} on {now:%d/%m/%Y %H:%M}"
    ]
    yield [f"Search: {search.describe()}"]
    yield EXPORT_COLUMNS
    cursor = None
    while True:
        entries, next_cursor = trail_page(
            change_rows, access_rows, cursor=cursor, size=EXPORT_PAGE, viewer=user
        )
        for entry in entries:
            changes = "; ".join(str(change) for change in entry.changes)
            if entry.folded:
                folded = "; ".join(entry.folded_lines)
                changes = f"{changes}; and {folded}" if changes else f"and {folded}"
            yield [
                timezone.localtime(entry.at).strftime("%d/%m/%Y %H:%M"),
                entry.who,
                entry.role,
                entry.agency,
                entry.from_where,
                entry.summary,
                entry.case_reference,
                entry.child_id or "",
                changes,
            ]
        if not next_cursor:
            return
        cursor = TrailCursor.parse(next_cursor)


EXPORT_PAGE = 500


@login_required
def audit_export(request):
    """The current search as CSV, streamed (R-AUDIT-4): marked OFFICIAL-SENSITIVE with who
    exported it and when, and itself in the access log with its filters."""
    scope = audit_scope_or_404(request.user)
    form = AuditSearchForm(request.GET, tenant_id=request.user.tenant_id, scope=scope)
    if not form.is_valid():
        return render(
            request,
            "audit/search.html",
            {"form": form, "entries": [], "first_page": True},
            status=400,
        )
    search = form.search()
    change_rows, access_rows = trail_querysets(
        tenant_id=request.user.tenant_id, scope_agency_ids=scope, search=search
    )
    access_log_record(
        action=AccessAction.EXPORT,
        user=request.user,
        request=request,
        detail=f"audit trail CSV: {search.describe()}",
    )
    writer = csv.writer(_Echo())
    lines = export_rows(
        user=request.user,
        search=search,
        change_rows=change_rows,
        access_rows=access_rows,
    )
    response = StreamingHttpResponse(
        (writer.writerow([csv_safe(cell) for cell in line]) for line in lines),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def page_not_found(request, exception):
    """Django's 404 page; a signed-in user's request for an address that does not exist (an id
    that cannot be a record, such as ``/cases/abc/``) is a denied look-up and is logged as one,
    with the address as typed. Look-ups that reach a view log their own denials."""
    user = _signed_in_user(request) if isinstance(exception, Resolver404) else None
    if user is not None:
        access_log_record(
            action=AccessAction.DENIED,
            user=user,
            request=request,
            detail=f"no such address: {request.path}",
        )
    if request.path.startswith("/api/"):
        # API clients get the API's own error body, as documented in its schema.
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def _signed_in_user(request):
    """The user of a session or, for the API, of a token: no view ran to authenticate it."""
    if request.user.is_authenticated:
        return request.user
    authenticators = [scheme() for scheme in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    try:
        user = Request(request, authenticators=authenticators).user
    except APIException:
        return None
    return user if user.is_authenticated else None
