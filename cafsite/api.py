"""What every API endpoint shares: strict text input, the documented error answers, and the
access log of lists that show children."""

from rest_framework import serializers

from audit.models import AccessAction
from audit.services import access_log_record


class LoggedListMixin:
    """A viewset whose list shows children: each list served is in the access log (R-AUDIT-1),
    with what ``list_log_detail`` says it showed."""

    def list_log_detail(self, rows: list) -> str:
        return f"{self.basename} list: {len(rows)} shown"

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        data = response.data
        rows = data.get("results", []) if isinstance(data, dict) else data
        access_log_record(
            action=AccessAction.LIST,
            user=request.user,
            request=request,
            detail=self.list_log_detail(rows),
        )
        return response


class StrictCharField(serializers.CharField):
    """Text, and only text: DRF's CharField turns a number or a boolean into a string, so a
    client's type error would be stored as if typed."""

    default_error_messages = {"invalid": "Enter text, not a number or true/false."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "Messages by input field (nested for nested input); "
    "``non_field_errors`` or ``detail`` for the request as a whole.",
    "additionalProperties": True,
}
_ERRORS = {
    "400": ("The input was refused: see the messages by field.", "FieldErrors"),
    "401": ("No valid credentials: send `Authorization: Token <key>`.", "Detail"),
    "403": ("Signed in, but this action is not allowed (or the CSRF check failed).", "Detail"),
    "404": ("No such record, or not one you may see: the two are not told apart.", "Detail"),
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing: every operation documents the errors DRF can answer
    with, so clients (and schemathesis) can rely on the schema for every status."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Detail"] = _DETAIL
    components["FieldErrors"] = _FIELD_ERRORS
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, (description, component) in _ERRORS.items():
                operation["responses"].setdefault(
                    status,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{component}"}
                            }
                        },
                    },
                )
    return result
