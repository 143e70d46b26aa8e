"""Middleware for shared computers (ASVS 3.3, 8.2.1)."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from security import services


class NoStoreMiddleware:
    """Every response the application itself makes is kept out of every cache, so Back after
    signing out cannot show a child's record from the browser's cache or its back-forward
    cache. Static files (WhiteNoise, before this middleware) are not affected.

    It applies to anonymous responses too: deciding by ``request.user`` would miss a response
    that an API token authenticated inside the view, and a sign-in page costs nothing to fetch
    again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        # HTTP/1.0 caches and some proxies only know Pragma.
        response["Pragma"] = "no-cache"
        return response


class SessionLifetimeMiddleware:
    """Ends a signed-in session at its absolute lifetime, however active it has been (the idle
    limit is the session cookie's own age), and keeps the record of each person's sessions
    that lets them see and end the others."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        key_before = session.session_key
        signed_in_before = SESSION_KEY in session
        if signed_in_before:
            started = session.get(services.SIGNED_IN_AT)
            if started is not None and time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                signed_in_before = False
                services.staff_session_forget(session_key=key_before)

        response = self.get_response(request)

        if SESSION_KEY in session:
            services.staff_session_touch(request=request)
        if signed_in_before and session.session_key != key_before:
            # Signed out, or signed in as someone else: that session no longer exists. (A key
            # rotated for the same person has already moved to its record.)
            services.staff_session_forget(session_key=key_before)
        return response
