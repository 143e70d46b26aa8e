"""One record per submission, however often it is sent (ASVS 11.1).

A form carries a one-time key in a hidden field (``IdempotentFormMixin``); an API client may
send one in the ``Idempotency-Key`` header or an ``idempotency_key`` field. The record stores
the key, unique per author in the database, and the service that creates it is decorated with
``once``: a repeated submission returns the record the first one made, and two sent at the same
moment are told apart by the unique constraint rather than by luck. A submission without a key
is recorded as before.

To use it for another record: an ``idempotency_key`` field with ``idempotency_constraint``, the
mixin on the form, the decorator on the service (which stores ``idempotency_key`` on the record).
"""

import functools
import re
import uuid
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q

from cafsite.errors import CafError

KEY_LENGTH = 64
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,64}")
HEADER = "Idempotency-Key"

P = ParamSpec("P")
R = TypeVar("R", bound=models.Model)


class IdempotencyError(CafError):
    pass


def idempotency_key_field() -> models.CharField:
    return models.CharField(max_length=KEY_LENGTH, blank=True, default="", editable=False)


def idempotency_constraint(author_field: str, name: str) -> models.UniqueConstraint:
    """Each key once per author; records made without a key are not constrained."""
    return models.UniqueConstraint(
        fields=[author_field, "idempotency_key"], condition=~Q(idempotency_key=""), name=name
    )


def new_key() -> str:
    return uuid.uuid4().hex


def once(
    model: type[R], *, author_field: str, scope: tuple[str, ...] = ("case",)
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a service that creates one ``model`` row return the row an earlier call with the
    same ``idempotency_key`` and ``by`` created, instead of a second one.

    ``scope`` names arguments the earlier row must share (the case): a key reused for another
    case raises ``IdempotencyError`` rather than returning a record of that case.
    """

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            key = str(kwargs.get("idempotency_key") or "")
            if not key:
                return service(*args, **kwargs)
            if not KEY_PATTERN.fullmatch(key):
                raise IdempotencyError(
                    "The submission key must be 8 to 64 letters, digits or . _ : -",
                    field="idempotency_key",
                )

            def earlier() -> R | None:
                row = model._default_manager.filter(
                    **{author_field: kwargs["by"], "idempotency_key": key}
                ).first()
                if row is not None and any(
                    getattr(row, f"{name}_id") != kwargs[name].pk for name in scope
                ):
                    raise IdempotencyError(
                        "This submission key was already used for another record.",
                        field="idempotency_key",
                    )
                return row

            if (row := earlier()) is not None:
                return row
            try:
                with transaction.atomic():
                    return service(*args, **kwargs)
            except (IntegrityError, ValidationError):
                # The same submission, sent at the same moment, was recorded first: the unique
                # constraint says so, from the database or from the service's full_clean().
                if (row := earlier()) is None:
                    raise
                return row

        return wrapper

    return decorate


class IdempotentFormMixin:
    """A hidden one-time key in the form, so a second press of the button or a resubmitted
    page returns the record the first made. Put it before ``GovukFormMixin``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"] = forms.RegexField(
            regex=KEY_PATTERN,
            required=False,
            initial=new_key,
            widget=forms.HiddenInput,
        )
