"""What would identify a family in a forum's minutes (R-MAF-5): the minutes are read by everyone
invited, also by agencies a family did not agree to share with, so they name nobody.

The child is identified by any one of their names; a parent or carer (the person who gave
consent, a family member at a TAC meeting) by their whole name; the home by its first address
line or postcode. A parent's first name or surname alone is not looked for: "Will", "Grace",
"Young" or "White" are words a summary uses, and a parent's surname is most often the child's."""

import re

from cases.models import Case
from consent.models import Consent
from meetings.models import ParticipantKind, TacParticipant

SHORTEST_NAME = 2


def _words(name: str) -> list[str]:
    return [word for word in re.split(r"[\s,]+", name) if len(word) >= SHORTEST_NAME]


def _identifiers(case: Case) -> list[str]:
    """Every phrase that would identify this case's family, longest first."""
    child = case.child
    found = [
        *_words(child.given_name),
        *_words(child.middle_names),
        *_words(child.family_name),
        *_words(child.other_names),
        child.address_line_1.strip(),
        child.postcode.strip(),
    ]
    relatives = [
        *Consent.objects.filter(case=case).values_list("giver_name", flat=True),
        *TacParticipant.objects.filter(meeting__case=case, kind=ParticipantKind.FAMILY).values_list(
            "name", flat=True
        ),
    ]
    found += [" ".join(_words(name)) for name in relatives]
    return sorted({phrase for phrase in found if phrase}, key=len, reverse=True)


def _pattern(phrase: str) -> str:
    # Any spacing between words ("NS1 1AB", "NS11AB"); whole words only.
    words = [re.escape(word) for word in phrase.split()]
    return r"\b" + r"\s*".join(words) + r"\b"


def identifier_in(text: str, case: Case) -> str | None:
    """The first thing in ``text`` that identifies ``case``'s family, or None."""
    for phrase in _identifiers(case):
        if re.search(_pattern(phrase), text, re.IGNORECASE):
            return phrase
    return None
