"""Deadlines on pages: the home worklists of every role (overdue, and due in the next two
weeks) and the CAF team's tenant-wide page with its filters, a page at a time by keyset."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import AccessAction
from audit.services import access_log_record
from cases.permissions import casework_access
from deadlines.forms import DeadlineFilterForm
from deadlines.sources import WORKLIST_KINDS, DeadlineItem, due_items, encode_cursor

DUE_SOON = timedelta(days=14)
PAGE_LENGTH = 25


@dataclass(frozen=True)
class Worklists:
    overdue: list[DeadlineItem]
    due_soon: list[DeadlineItem]
    more: bool

    @property
    def items(self) -> list[DeadlineItem]:
        return self.overdue + self.due_soon


def worklists_for(user, *, today: date, limit: int) -> Worklists:
    """What ``user`` must do, overdue first then due in the next two weeks: as assessor,
    lead professional, action owner or task owner, on cases they may see, or waiting with
    no one named in their agencies' queues. One query per kind of deadline, however many."""
    page = due_items(
        kinds=WORKLIST_KINDS,
        due_by=today + DUE_SOON,
        today=today,
        for_user=user,
        owner=user,
        limit=limit,
    )
    return Worklists(
        overdue=[item for item in page.items if item.overdue],
        due_soon=[item for item in page.items if not item.overdue],
        more=page.next_after is not None,
    )


@login_required
@require_http_methods(["GET"])
def deadline_list(request):
    """The CAF team's view of every open deadline of its tenant (R-RET-2), filtered by agency,
    kind, area and when; anyone else finds no page here."""
    access = casework_access(request.user)
    if access is None or not access.caf_team:
        raise Http404
    today = timezone.localdate()
    form = DeadlineFilterForm(request.GET or None, tenant_id=access.tenant_id)
    page = None
    if not form.is_bound or form.is_valid():
        query = form.query(today) if form.is_bound else DeadlineFilterForm.defaults(today)
        page = due_items(**query, today=today, for_user=request.user, limit=PAGE_LENGTH)
        references = sorted({i.case_reference for i in page.items if i.case_reference})
        if references:
            access_log_record(
                action=AccessAction.LIST,
                user=request.user,
                request=request,
                detail="deadlines: " + ", ".join(references),
            )
    next_url = ""
    if page is not None and page.next_after is not None:
        params = QueryDict(mutable=True)
        params.update({k: v for k, v in request.GET.items() if k != "after"})
        params["after"] = encode_cursor(page.next_after)
        next_url = "?" + params.urlencode()
    return render(
        request,
        "deadlines/list.html",
        {"form": form, "page": page, "next_url": next_url, "today": today},
        status=200,
    )
