from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from audit.forms import AuditSearchForm
from audit.models import AccessAction
from audit.selectors import audit_entries, audit_scope_for, may_search_audit, page_before
from audit.services import access_log_record


@login_required
def audit_search(request):
    """Managers search who changed, viewed, printed or was refused what (R-AUDIT-1)."""
    if not may_search_audit(request.user):
        raise Http404
    scope = audit_scope_for(request.user)
    form = AuditSearchForm(request.GET or None, tenant_id=request.user.tenant_id, scope=scope)
    rows, next_cursor, log = [], None, "access"
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        log = data["log"]
        entries = audit_entries(
            tenant_id=request.user.tenant_id,
            scope_agency_ids=scope,
            log=log,
            username=data["username"].strip(),
            case_id=data["case"],
            agency_id=data["agency"].pk if data["agency"] else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        rows, next_cursor = page_before(entries, log=log, cursor=request.GET.get("before"))
    elif not form.is_bound:
        entries = audit_entries(tenant_id=request.user.tenant_id, scope_agency_ids=scope, log=log)
        rows, next_cursor = page_before(entries, log=log, cursor=None)
    # Who looked at the trail is itself on the trail.
    access_log_record(
        action=AccessAction.AUDIT,
        user=request.user,
        request=request,
        detail=f"{log} log, {len(rows)} entries shown",
    )
    next_query = None
    if next_cursor:
        query = request.GET.copy()
        query["before"] = next_cursor
        next_query = query.urlencode()
    return render(
        request,
        "audit/search.html",
        {"form": form, "rows": rows, "log": log, "next_query": next_query},
    )
