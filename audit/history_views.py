"""A case's whole history (whoever may see the case) and a person's activity (their managers).

Who sees a case's history: whoever may see the case (``get_case_for_user``), managers among
them; an archived case's, the CAF team alone (R-AUDIT-2). A manager of an agency that has no
access to the case gets the same 404 as for a missing case: the history names the child and
what was recorded about them, which the agency has no need to know. What their own staff did on
such a case is on each person's activity page, with the case as a reference only.

Managers also see the refused look-ups of the case: all of them for the CAF team's manager,
those by their own agencies' staff for any other manager.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from audit.history import ACCESS, CHANGES, Page, case_history, person_activity
from audit.history_forms import case_history_form, person_activity_form
from audit.models import AccessAction, ChangeLogEntry
from audit.selectors import audit_scope_for, may_search_audit, people_in_scope
from audit.services import access_log_record
from audit.trail import describe_entries
from cases.permissions import case_access_record, cases_for_user, get_case_for_user

NO_SUCH_PERSON = "No such person."


def refusal_scope_for(user) -> tuple[bool, list[int] | None]:
    """Whether ``user`` sees a case's refused look-ups, and whose (None: everyone's)."""
    if not may_search_audit(user):
        return False, None
    return True, audit_scope_for(user)


def history_of_case(request, pk, data):
    """The case, its filter form and the page asked for; the view is logged. Http404 as for
    a missing case when the user may not see it."""
    case = get_case_for_user(request.user, pk, request=request)
    with_refusals, refusal_scope = refusal_scope_for(request.user)
    form = case_history_form(data, with_refusals=with_refusals)
    page = Page(entries=[], next_cursor=None)
    if form.is_valid():
        page = case_history(
            case, with_refusals=with_refusals, refusal_scope=refusal_scope, **form.query()
        )
    case_access_record(user=request.user, case=case, request=request, detail="history")
    return case, form, page


def person_for_manager(request, pk):
    """The person whose activity ``request.user`` may read, and the manager's scope; Http404,
    alike for a missing person and one outside the scope, otherwise (logged as a refusal)."""
    if not may_search_audit(request.user):
        raise Http404(NO_SUCH_PERSON)
    scope = audit_scope_for(request.user)
    person = (
        people_in_scope(tenant_id=request.user.tenant_id, scope_agency_ids=scope)
        .filter(pk=pk)
        .first()
    )
    if person is None:
        access_log_record(
            action=AccessAction.DENIED,
            user=request.user,
            request=request,
            detail=f"person {pk} not found or not permitted (activity)",
        )
        raise Http404(NO_SUCH_PERSON)
    return person, scope


def activity_of_person(request, pk, data):
    person, scope = person_for_manager(request, pk)
    form = person_activity_form(data)
    page = Page(entries=[], next_cursor=None)
    if form.is_valid():
        page = person_activity(
            person, tenant_id=request.user.tenant_id, scope_agency_ids=scope, **form.query()
        )
    # Who read whose activity is itself on the trail.
    access_log_record(
        action=AccessAction.AUDIT,
        user=request.user,
        request=request,
        detail=f"activity of {person.get_username()}, {len(page.entries)} entries shown",
    )
    return person, form, page


def _next_query(request, page: Page) -> str | None:
    if page.next_cursor is None:
        return None
    query = request.GET.copy()
    query["before"] = page.next_cursor.encode()
    return query.urlencode()


def _last_week_query() -> str:
    today = timezone.localdate()
    return urlencode(
        {
            "date_from": (today - timedelta(days=7)).strftime("%d/%m/%Y"),
            "date_to": today.strftime("%d/%m/%Y"),
        }
    )


def _log_and_actor(entry) -> tuple[tuple[str, int], int | None]:
    if isinstance(entry, ChangeLogEntry):
        return (CHANGES, entry.pk), entry.actor_id
    return (ACCESS, entry.pk), entry.user_id


def activity_links(user, page: Page, entries) -> list[int | None]:
    """For each described entry, the person whose activity page ``user`` may open from it (a
    manager, for their scope's people), else None."""
    if not may_search_audit(user):
        return [None] * len(entries)
    actors = dict(_log_and_actor(raw) for raw in page.entries)
    ids = {actor for actor in actors.values() if actor}
    openable = set(
        people_in_scope(tenant_id=user.tenant_id, scope_agency_ids=audit_scope_for(user))
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
        if ids
        else []
    )
    links = []
    for entry in entries:
        actor = actors.get((entry.log, entry.pk))
        links.append(actor if actor in openable else None)
    return links


@login_required
def case_history_page(request, pk: int):
    """Every view, print, export, change and sharing decision on a case, newest first; for a
    manager, each person links to their activity."""
    case, form, page = history_of_case(request, pk, request.GET)
    entries = describe_entries(page.entries, viewer=request.user)
    return render(
        request,
        "audit/case_history.html",
        {
            "case": case,
            "form": form,
            "rows": list(zip(entries, activity_links(request.user, page, entries), strict=True)),
            "next_query": _next_query(request, page),
            "last_week_query": _last_week_query(),
        },
    )


@login_required
def person_activity_page(request, pk: int):
    """What one member of staff did, for their manager: the question of a misuse inquiry."""
    person, form, page = activity_of_person(request, pk, request.GET)
    entries = describe_entries(page.entries, viewer=request.user)
    case_ids = {entry.case_id for entry in entries if entry.case_id}
    # A link only to the cases the manager may open; the others are references.
    openable = set(
        cases_for_user(request.user).filter(pk__in=case_ids).values_list("pk", flat=True)
        if case_ids
        else []
    )
    return render(
        request,
        "audit/person_activity.html",
        {
            "person": person,
            "form": form,
            "rows": [(entry, entry.case_id in openable) for entry in entries],
            "next_query": _next_query(request, page),
            "last_week_query": _last_week_query(),
        },
    )
