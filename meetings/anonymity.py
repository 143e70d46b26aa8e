"""What would identify a family in a forum's own writing (R-MAF-5): the minutes, the cases'
summaries for them and the lessons are read by everyone invited, also by agencies a family did
not agree to share with, and outlive the cases a purge removes; so they name nobody.

Looked for, in the forum's every case:

- the child, by any one of their names (and any alias's), as it is written: "Robin" or
  "ROBIN", not "robin", so that a child called Hall or Young leaves "the hall" and "young
  people" alone;
- a parent or carer (who gave consent, a family member at a TAC meeting, a family member owning
  an action of the plan), by their whole name of two words or more, titles and bracketed notes
  aside, in any case. A one-word name ("Mum", "Grace") or a surname alone would refuse
  ordinary words, and a parent's surname is most often the child's;
- the home, by its first address line (when it has a street's word, not only "Flat 2") or
  its postcode, in any case and spacing.

Words are compared letter for letter: punctuation and spacing between them do not matter
("12, High Street" is "12 High Street")."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cases.models import Case, PlanAction
from consent.models import Consent
from meetings.models import ParticipantKind, TacParticipant

TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "master"}
SHORTEST_ADDRESS_WORD = 3
# Words of an address line that name no street: "Flat 2" alone is no address.
UNIT_WORDS = {"flat", "apartment", "unit", "room", "floor", "block"}


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _phrase(tokens: list[str]) -> str:
    """Whole words, one after the other, whatever punctuation or spacing is between them."""
    return r"(?<!\w)" + r"\W*".join(re.escape(token) for token in tokens) + r"(?!\w)"


@dataclass
class FamilyIdentifiers:
    """The patterns that identify one or more families, each with what the user is told."""

    exact: dict[str, str] = field(default_factory=dict)  # pattern -> shown
    any_case: dict[str, str] = field(default_factory=dict)

    def add_child_name(self, name: str, *, capitalised_only: bool = False) -> None:
        """Each word of ``name`` (only those written with a capital, when the field is free
        text such as "known as Jay"), capitalised or in capitals."""
        for token in _tokens(name):
            if len(token) < 2 or (capitalised_only and not token[0].isupper()):
                continue
            for form in (token[0].upper() + token[1:], token.upper()):
                self.exact[_phrase([form])] = token

    def add_relative(self, name: str) -> None:
        name = re.sub(r"\([^)]*\)", " ", name)
        tokens = [t for t in _tokens(name) if t.lower() not in TITLES and len(t) >= 2]
        if len(tokens) >= 2:
            self.any_case[_phrase(tokens)] = " ".join(tokens)

    def add_address(self, line: str) -> None:
        tokens = _tokens(line)
        if any(
            len(t) >= SHORTEST_ADDRESS_WORD and t.isalpha() and t.lower() not in UNIT_WORDS
            for t in tokens
        ):
            self.any_case[_phrase(tokens)] = " ".join(tokens)

    def add_postcode(self, postcode: str) -> None:
        tokens = _tokens(postcode)
        if tokens:
            self.any_case[_phrase(tokens)] = " ".join(tokens).upper()

    def found_in(self, text: str) -> str | None:
        """The first identifying phrase in ``text``, as the user is told it, or None."""
        for pattern, shown in self.exact.items():
            if re.search(pattern, text):
                return shown
        for pattern, shown in self.any_case.items():
            if re.search(pattern, text, re.IGNORECASE):
                return shown
        return None


def family_identifiers(cases: Iterable[Case]) -> FamilyIdentifiers:
    """Everything that would identify the families of ``cases`` (with their children
    selected), in three queries whatever their number."""
    cases = list(cases)
    found = FamilyIdentifiers()
    for case in cases:
        child = case.child
        for name in (child.given_name, child.middle_names, child.family_name):
            found.add_child_name(name)
        found.add_child_name(child.other_names, capitalised_only=True)
        found.add_address(child.address_line_1)
        found.add_postcode(child.postcode)
    ids = [case.pk for case in cases]
    relatives = {
        *Consent.objects.filter(case_id__in=ids).values_list("giver_name", flat=True),
        *TacParticipant.objects.filter(
            meeting__case_id__in=ids, kind=ParticipantKind.FAMILY
        ).values_list("name", flat=True),
        *PlanAction.objects.filter(case_id__in=ids)
        .exclude(owner_family_member="")
        .values_list("owner_family_member", flat=True),
    }
    for name in relatives:
        found.add_relative(name)
    return found
