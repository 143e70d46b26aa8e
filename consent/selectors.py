"""Reads of consent that respect who may see them."""

from collections import Counter

from django.utils import timezone

from consent.models import ConfidentialNote, Consent, ConsentRefusal
from deadlines import rules

PATTERN_THRESHOLD = 2


def current_consent(case) -> Consent | None:
    return case.consents.filter(withdrawn_on__isnull=True).order_by("-recorded_at").first()


def consent_due_for_review(consent: Consent | None) -> bool:
    return consent is not None and rules.consent_renewal_due(consent.signed_on) <= (
        timezone.localdate()
    )


def confidential_notes_for(case, user):
    """A user's own confidential notes on a case; nobody else's, whatever their role."""
    return ConfidentialNote.objects.filter(case=case, author=user)


def refusal_patterns(tenant_id: int, refusals=None) -> list[dict]:
    """Repeated refusals for one child, one household (postcode) or one agency (R-CONSENT-7)."""
    refusals = list(
        refusals
        if refusals is not None
        else ConsentRefusal.objects.filter(tenant_id=tenant_id).select_related("agency")
    )
    patterns = []
    for label, key in (
        ("Same child", lambda r: r.child_id and (r.child_id, r.child_name)),
        ("Same household (postcode)", lambda r: r.postcode and (r.postcode, r.postcode)),
        ("Same agency", lambda r: (r.agency_id, r.agency.name)),
    ):
        counts = Counter(key(r) for r in refusals if key(r))
        for (ident, name), count in counts.most_common():
            if count >= PATTERN_THRESHOLD:
                ids = [r.pk for r in refusals if key(r) == (ident, name)]
                patterns.append({"kind": label, "name": name, "count": count, "ids": ids})
    return patterns
