from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.views import defaults
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

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
