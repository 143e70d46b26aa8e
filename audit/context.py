"""Who is acting, for the change log.

django-auditlog's own ``set_actor`` does not restore the previous actor when nested, so a
service called inside a request would leak signal receivers. We keep the actor in our own
context variable, reset properly, and ``ChangeLogEntry`` reads it when it is written.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    user: object | None
    remote_addr: str | None = None
    # The agency the user acts for, so a manager of another agency the user also belongs to
    # does not see the entry (R-AUDIT-2).
    agency_id: int | None = None


_current_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current_actor() -> Actor | None:
    return _current_actor.get()


@contextmanager
def acting_as(
    user, *, remote_addr: str | None = None, agency_id: int | None = None
) -> Iterator[None]:
    """Attribute every change written inside the block to ``user`` (a task or command too),
    acting for ``agency_id`` where the service knows it."""
    outer = _current_actor.get()
    if outer is not None and outer.user == user:
        remote_addr = remote_addr if remote_addr is not None else outer.remote_addr
        agency_id = agency_id if agency_id is not None else outer.agency_id
    token = _current_actor.set(Actor(user=user, remote_addr=remote_addr, agency_id=agency_id))
    try:
        yield
    finally:
        _current_actor.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For is believed only as far as settings say proxies
    we run wrote it: each proxy appends, so the client is that many entries from the right.
    Anything further left was written by the client and could be anything."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class AuditActorMiddleware:
    """Attributes changes made while handling a request to the logged-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with acting_as(actor, remote_addr=client_ip(request)):
            return self.get_response(request)
