"""A stored document of a case (a scan of a signed form) served to someone who may see the
case: judged by its content again, downloaded rather than shown, never cached, and logged as
an export (R-AUDIT-1). Anything missing or not what it claims to be is a 404, the same as
for a case that does not exist."""

from django.http import FileResponse, Http404

from audit.models import AccessAction
from cafsite.uploads import CONTENT_TYPES, sniffed_extension
from cases.permissions import case_access_record


def stored_document_response(*, request, case, document, filename_stem: str, detail: str):
    if not document:
        raise Http404("No scan on record.")
    try:
        handle = document.open("rb")
    except FileNotFoundError:
        raise Http404("No scan on record.") from None
    # A file stored before uploads were checked is never served.
    extension = sniffed_extension(handle)
    if extension is None:
        handle.close()
        raise Http404("No scan on record.")
    case_access_record(
        user=request.user, case=case, request=request, action=AccessAction.EXPORT, detail=detail
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename_stem}.{extension}",
        content_type=CONTENT_TYPES[extension],
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
