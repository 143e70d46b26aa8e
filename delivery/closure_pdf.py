"""The family's closure letter (R-CLOSE-1) as a PDF with WeasyPrint, on the page of every
printed document (``templates/pdf/base.html``: OFFICIAL-SENSITIVE, who printed it and when,
on every page, R-AUDIT-4). Plain words to the family: why the CAF closed and whom to contact;
no confidential notes and nothing of the practitioners' closure note."""

from datetime import datetime

from django.template.loader import render_to_string

from agencies.models import User
from delivery.models import CaseClosure


def closure_letter_pdf(
    closure: CaseClosure, *, printed_by: User, printed_at: datetime, base_url: str
) -> bytes:
    from weasyprint import HTML  # heavy: loaded when a PDF is asked for

    case = closure.case
    html = render_to_string(
        "delivery/closure_letter_pdf.html",
        {
            "case": case,
            "child": case.child,
            "closure": closure,
            "contact": case.contact,
            "tenant": case.tenant,
            "printed_by": printed_by,
            "printed_at": printed_at,
        },
    )
    return HTML(string=html, base_url=base_url).write_pdf()
