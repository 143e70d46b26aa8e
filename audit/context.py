"""Who is acting, for the change log.

django-auditlog's own ``set_actor`` does not restore the previous actor when nested, so a
service called inside a request would leak signal receivers. We keep the actor in our own
context variable, reset properly, and ``ChangeLogEntry`` reads it when it is written.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    user: object | None
    remote_addr: str | None = None


_current_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current_actor() -> Actor | None:
    return _current_actor.get()


@contextmanager
def acting_as(user, *, remote_addr: str | None = None) -> Iterator[None]:
    """Attribute every change written inside the block to ``user`` (a task or command too)."""
    outer = _current_actor.get()
    if remote_addr is None and outer is not None and outer.user == user:
        remote_addr = outer.remote_addr
    token = _current_actor.set(Actor(user=user, remote_addr=remote_addr))
    try:
        yield
    finally:
        _current_actor.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a proxy rewrites it, and
    # gunicorn's forwarded_allow_ips turns a trusted proxy's header into REMOTE_ADDR already.
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
