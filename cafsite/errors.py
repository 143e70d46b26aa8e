"""Domain errors and the one place each surface turns them into a response."""

from django import forms
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class CafError(Exception):
    """A business rule refused an action. The message is written for the user.

    ``field`` names the input the rule is about, so pages show the error next to it and
    the API returns it under that key.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def add_error_to_form(form: forms.BaseForm, error: CafError) -> None:
    """Show a domain error beside its field (or above the form) with nothing the user typed lost."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def api_exception_handler(exc, context):
    if isinstance(exc, CafError):
        key = exc.field or "non_field_errors"
        return Response({key: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
