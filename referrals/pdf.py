"""The written feedback to whoever referred a CAF to children's social care (R-REF-4), as a PDF
letter with WeasyPrint on the page of every printed document (``templates/pdf/base.html``:
OFFICIAL-SENSITIVE and who printed it and when, on every page, R-AUDIT-4). The view logs each
print. Only what the referral holds: the child, the CAF's reference, the decision and its
feedback, and the early help panel the case goes to."""

from datetime import datetime

from django.template.loader import render_to_string

from agencies.models import User
from referrals.models import SocialCareReferral


def feedback_letter_pdf(
    referral: SocialCareReferral, *, printed_by: User, printed_at: datetime, base_url: str
) -> bytes:
    """The feedback letter of a decided referral, for a user allowed to see the referral."""
    from weasyprint import HTML  # heavy: loaded when a PDF is asked for

    nomination = referral.early_help_panel
    html = render_to_string(
        "referrals/social_care_letter_pdf.html",
        {
            "referral": referral,
            "case": referral.case,
            "panel": nomination.session if nomination is not None else None,
            "printed_by": printed_by,
            "printed_at": printed_at,
        },
    )
    return HTML(string=html, base_url=base_url).write_pdf()
