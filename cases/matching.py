"""How alike a search is to a child on the register (R-CHECK-1).

Pure scoring, no database: ``cases.register`` narrows the register to candidates (by date of
birth and its usual mistakes, by identifiers, by sound-alike name keys) and this module ranks
them. Scoring in Python keeps the answer the same on PostgreSQL and SQLite.

Names are compared by the best of: Jaro-Winkler similarity (rapidfuzz), sound-alike keys
(Metaphone and NYSIIS from jellyfish: Mohammed/Muhammad, Smyth/Smith, Katherine/Catherine),
and known nicknames and short forms (the ``nicknames`` package: Liz/Elizabeth, Alex/Alexander).
Dates of birth allow the usual recording errors: day and month swapped, one digit wrong, a
year out.
"""

import contextlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from functools import cache, lru_cache

import jellyfish
from nicknames import NickNamer
from rapidfuzz.distance import JaroWinkler

# Weights of the evidence; names count for more than the date, the postcode least.
GIVEN_WEIGHT, FAMILY_WEIGHT, BIRTH_WEIGHT, POSTCODE_WEIGHT = 30, 25, 35, 10
# A first name this unlike is another child (a twin, a sibling), whatever else agrees.
GIVEN_NAME_FLOOR = 0.75
# Without a date of birth to agree on, both names must be close.
NAMES_ONLY_FLOOR = 0.85


class Strength(IntEnum):
    POSSIBLE = 1
    STRONG = 2
    CERTAIN = 3

    @property
    def label(self) -> str:
        return {1: "Possible match", 2: "Strong match", 3: "Certain match"}[self.value]


STRONG_SCORE = 85
MOST_DISCREPANCIES_FOR_STRONG = 1.0
POSSIBLE_SCORE = 65


@dataclass(frozen=True)
class ChildQuery:
    """What a practitioner typed into the search."""

    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    nhs_number: str = ""
    upn: str = ""

    @property
    def has_identifier(self) -> bool:
        return bool(self.nhs_number or self.upn)


@dataclass(frozen=True)
class ChildRecord:
    """The fields of a register entry that matching reads."""

    pk: int
    given_name: str
    family_name: str
    middle_names: str = ""
    other_names: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    nhs_number: str = ""
    upn: str = ""


@dataclass
class Match:
    record: ChildRecord
    score: int
    strength: Strength
    reasons: list[str] = field(default_factory=list)
    # How many mistakes the search must hold for this to be the child (see ``_discrepancies``).
    discrepancies: float = 0.0


# Letters NFKD does not decompose, as a UK keyboard types them: "Łukasz" is searched as "Lukasz".
UNDECOMPOSED_LETTERS = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "ı": "i",
        "Ø": "O",
        "ø": "o",
        "ß": "ss",
        "ẞ": "SS",
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Þ": "Th",
        "þ": "th",
        "Ħ": "H",
        "ħ": "h",
    }
)

# Short forms used in the communities of the register that the ``nicknames`` package (American
# English) lacks, with the full names they stand for.
COMMUNITY_SHORT_FORMS = {
    "mo": {"muhammad", "mohammed", "mohamed", "mohammad"},
    "ibby": {"ibrahim"},
    "abdi": {"abdullahi", "abdirahman", "abdikarim"},
    "livvy": {"olivia"},
    "liv": {"olivia"},
    "izzy": {"isabella", "isabel", "isobel"},
    "zac": {"isaac"},
    "zak": {"isaac"},
    "kuba": {"jakub"},
    "kasia": {"katarzyna"},
    "gosia": {"malgorzata"},
    "zosia": {"zofia"},
    "wojtek": {"wojciech"},
    "seun": {"oluwaseun"},
    "tobi": {"oluwatobi"},
    "femi": {"oluwafemi"},
    "tunde": {"babatunde"},
    "emeka": {"chukwuemeka"},
}


@lru_cache(maxsize=65536)
def normalise_name(value: str) -> str:
    """Lower case, accents and punctuation gone: "O'Brien-Núñez" -> "obrien nunez"."""
    text = value.translate(UNDECOMPOSED_LETTERS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[-‐/]", " ", text.lower())
    return re.sub(r"[^a-z ]", "", re.sub(r"\s+", " ", text)).strip()


def name_parts(*values: str) -> list[str]:
    parts: list[str] = []
    for value in values:
        parts.extend(p for p in normalise_name(value).split(" ") if p)
    return parts


def normalise_postcode(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


KEY_LENGTH = 40


@cache
def metaphone(part: str) -> str:
    return jellyfish.metaphone(part)[:KEY_LENGTH]


@cache
def nysiis(part: str) -> str:
    return jellyfish.nysiis(part)


def sound_keys(part: str) -> set[str]:
    """The sound-alike key of one name part, stored on the register for candidate search.
    One key a part keeps the table small (12,000,000 children in a deployment); the scoring,
    not the key, catches typos."""
    return {metaphone(part)} if part else set()


def pair_key(given_sound: str, family_sound: str) -> str:
    """The key of a first name and a last name together, for searches without a date."""
    return f"{given_sound}+{family_sound}"[:KEY_LENGTH]


def child_keys(given_name: str, middle_names: str, family_name: str, other_names: str) -> set[str]:
    """The keys a child is found by: the sound of each name, and of each first name with
    each last name (one index lookup finds a child by both names)."""
    parts = name_parts(given_name, middle_names, family_name, other_names)
    keys = set().union(*(sound_keys(part) for part in parts)) if parts else set()
    for given in name_parts(given_name):
        for family in name_parts(family_name):
            keys.add(pair_key(metaphone(given), metaphone(family)))
    for alias in other_names.split(","):  # "Bella Rossi, Isabella Green"
        alias_parts = name_parts(alias)
        if len(alias_parts) > 1:
            keys.add(pair_key(metaphone(alias_parts[0]), metaphone(alias_parts[-1])))
    return keys


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


def _long_forms_of(part: str) -> set[str]:
    return _nicknamer().canonicals_of(part) | COMMUNITY_SHORT_FORMS.get(part, set())


@cache
def _community_long_forms() -> dict[str, set[str]]:
    reverse: dict[str, set[str]] = {}
    for short, longs in COMMUNITY_SHORT_FORMS.items():
        for long in longs:
            reverse.setdefault(long, set()).add(short)
    return reverse


@cache
def name_family(part: str) -> frozenset[str]:
    """A name with its nicknames and the names it is short for."""
    namer = _nicknamer()
    long_forms = _long_forms_of(part)
    related = {part} | namer.nicknames_of(part) | long_forms
    related |= _community_long_forms().get(part, set())
    for long in long_forms:
        related |= namer.nicknames_of(long) | _community_long_forms().get(long, set())
    return frozenset(related)


@cache
def long_form_sounds(part: str) -> frozenset[str]:
    """How the names ``part`` is short for sound: "Alex" is short for Alexander, which sounds
    like Aleksander. Only the long forms: the short forms of those ("Al") sound like too much."""
    return frozenset(metaphone(long) for long in _long_forms_of(part))


# Names repeat across a register: comparing each pair once keeps scoring a few hundred
# candidates within milliseconds.
@lru_cache(maxsize=262144)
def part_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    best = JaroWinkler.similarity(a, b)
    if b in name_family(a) or a in name_family(b):
        best = max(best, 0.95)
    elif metaphone(b) in long_form_sounds(a) or metaphone(a) in long_form_sounds(b):
        best = max(best, 0.93)  # a short form of another spelling
    if metaphone(a) == metaphone(b) or nysiis(a) == nysiis(b):
        best = max(best, 0.92)
    return best


def name_similarity(query: str, candidates: list[str]) -> float:
    """How well the query name matches the best of a record's name parts (0..1)."""
    query_parts = name_parts(query)
    if not query_parts or not candidates:
        return 0.0
    joined = "".join(query_parts)
    scores = [max(part_similarity(q, c) for c in candidates) for q in query_parts]
    # "Smith Jones" against "smithjones" or "smith-jones" against "jones".
    scores_joined = max(part_similarity(joined, c) for c in candidates)
    return max(sum(scores) / len(scores), scores_joined, max(scores) * 0.97)


def _digits(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime is slow here


def birth_date_agreement(query: date | None, recorded: date | None) -> tuple[float, str]:
    """1 for the same date, less for a usual recording error, 0 for another date."""
    if query is None or recorded is None:
        return 0.0, ""
    if query == recorded:
        return 1.0, "same date of birth"
    if query.day == recorded.month and query.month == recorded.day and query.year == recorded.year:
        return 0.85, "date of birth with day and month swapped"
    differing = sum(1 for a, b in zip(_digits(query), _digits(recorded), strict=True) if a != b)
    if differing == 1:
        return 0.75, "date of birth one digit different"
    if (query.month, query.day) == (recorded.month, recorded.day) and abs(
        query.year - recorded.year
    ) == 1:
        return 0.75, "date of birth a year out"
    return 0.0, ""


def birth_date_variants(day: date, *, latest: date | None = None) -> set[date]:
    """Dates a mistyped ``day`` may have been recorded as, for the candidate search; none after
    ``latest`` (no child is due after it)."""
    variants = {day}
    with contextlib.suppress(ValueError):
        variants.add(day.replace(day=day.month, month=day.day))
    for shift in (-1, 1):
        with contextlib.suppress(ValueError):
            variants.add(day.replace(year=day.year + shift))
    digits = f"{day:%Y%m%d}"
    for position in range(2, 8):  # not the century
        for digit in "0123456789":
            text = digits[:position] + digit + digits[position + 1 :]
            try:
                variants.add(date(int(text[:4]), int(text[4:6]), int(text[6:])))
            except ValueError:
                continue
    if latest is not None:
        variants = {variant for variant in variants if variant <= latest}
    return variants


# A swapped reading must be clearly better to win over the names as typed.
SWAPPED_DISCOUNT = 0.97


@dataclass(frozen=True)
class _Reading:
    given: float
    family: float
    swapped: bool
    by_middle_name: bool  # the first name searched is only the child's middle name
    by_part_of_surname: bool  # "Jones" for Jones-Khan


def _name_readings(query: ChildQuery, record: ChildRecord) -> list[_Reading]:
    """How alike the names are as typed, and swapped."""
    first_parts = name_parts(record.given_name)
    middle_parts = name_parts(record.middle_names)
    family_parts = name_parts(record.family_name)
    other_parts = name_parts(record.other_names)
    given = name_similarity(query.given_name, first_parts + middle_parts + other_parts)
    by_first_name = name_similarity(query.given_name, first_parts + other_parts)
    return [
        _Reading(
            given,
            name_similarity(query.family_name, family_parts + other_parts),
            swapped=False,
            by_middle_name=by_first_name + 0.01 < given,
            by_part_of_surname=len(name_parts(query.family_name)) < len(family_parts),
        ),
        _Reading(
            name_similarity(query.given_name, family_parts),
            name_similarity(query.family_name, first_parts + middle_parts),
            swapped=True,
            by_middle_name=False,
            by_part_of_surname=False,
        ),
    ]


# A name this alike is a spelling, a typo or a nickname of it: half a mistake.
SPELLING_FLOOR = 0.9


def _name_discrepancy(similarity: float) -> float:
    if similarity >= 0.999:
        return 0.0
    return 0.5 if similarity >= SPELLING_FLOOR else 1.0


def _discrepancies(query: ChildQuery, reading: _Reading, birth: float, postcode: float | None):
    """The mistakes the search holds if this is the child: a date of birth other than the
    one recorded, a name unlike the recorded one count one each; a spelling, typo or nickname,
    swapped names, a middle name searched as the first, one part of a double-barrelled surname,
    another postcode, half each. The same postcode takes half a mistake off."""
    count = _name_discrepancy(reading.given) + (0.0 if birth == 1.0 else 1.0)
    if query.family_name:
        count += _name_discrepancy(reading.family)
        count += 0.5 * (reading.by_part_of_surname and reading.family >= 0.999)
    count += 0.5 * reading.swapped + 0.5 * reading.by_middle_name
    if postcode is not None:
        count += {1.0: -0.5, 0.5: 0.0}.get(postcode, 0.5)
    return max(count, 0.0)


def score(query: ChildQuery, record: ChildRecord) -> Match | None:
    """The match between a search and one register entry, or None if it is another child."""
    if query.nhs_number and query.nhs_number == record.nhs_number:
        return Match(record, 100, Strength.CERTAIN, ["same NHS number"])
    if query.upn and query.upn == record.upn:
        return Match(record, 100, Strength.CERTAIN, ["same unique pupil number"])

    birth, birth_reason = birth_date_agreement(query.date_of_birth, record.date_of_birth)
    if query.date_of_birth and record.date_of_birth and birth == 0:
        return None
    query_postcode = normalise_postcode(query.postcode)
    record_postcode = normalise_postcode(record.postcode)
    postcode = 0.0
    if query_postcode and record_postcode:
        if query_postcode == record_postcode:
            postcode = 1.0
        elif query_postcode[:-3] == record_postcode[:-3]:
            postcode = 0.5

    best: Match | None = None
    for reading in _name_readings(query, record):
        discount = SWAPPED_DISCOUNT if reading.swapped else 1.0
        swapped = reading.swapped
        given, family = reading.given * discount, reading.family * discount
        if given < GIVEN_NAME_FLOOR:
            continue
        if not query.date_of_birth and min(given, family) < NAMES_ONLY_FLOOR:
            continue
        # Evidence the search did not give is left out, not counted against the record.
        available = GIVEN_WEIGHT + (FAMILY_WEIGHT if query.family_name else 0)
        earned = GIVEN_WEIGHT * given + (FAMILY_WEIGHT * family if query.family_name else 0)
        if query.date_of_birth:
            available += BIRTH_WEIGHT
            earned += BIRTH_WEIGHT * birth
        if query_postcode and record_postcode:
            available += POSTCODE_WEIGHT
            earned += POSTCODE_WEIGHT * postcode
        points = round(100 * earned / available)

        reasons = [birth_reason] if birth_reason else []
        if swapped:
            reasons.append("first and last names swapped")
        if postcode == 1.0:
            reasons.append("same postcode")
        surname_differs = bool(query.family_name) and family < 0.75
        if surname_differs:
            reasons.append("different last name (changed or hyphenated?)")
        discrepancies = _discrepancies(
            query, reading, birth, postcode if query_postcode and record_postcode else None
        )
        # Names alone are shared by many children: without a date of birth (or an identifier,
        # scored above) a match is only ever possible. Nor is one that needs two mistakes.
        if (
            points >= STRONG_SCORE
            and not surname_differs
            and query.date_of_birth
            and discrepancies <= MOST_DISCREPANCIES_FOR_STRONG
        ):
            strength = Strength.STRONG
        elif points >= POSSIBLE_SCORE:
            strength = Strength.POSSIBLE
        else:
            continue
        if best is None or (strength, points) > (best.strength, best.score):
            best = Match(record, points, strength, reasons, discrepancies)
    return best


def _demote_less_alike(matches: list[Match]) -> None:
    """Only the strong matches that need the fewest mistakes stay strong: when the search
    names one twin exactly (Aiden), the other (Aidan) is possible; when a child has exactly the
    date searched, a namesake born a digit away is possible."""
    strong = [m for m in matches if m.strength == Strength.STRONG]
    if not strong:
        return
    fewest = min(m.discrepancies for m in strong)
    for match in strong:
        if match.discrepancies > fewest:
            match.strength = Strength.POSSIBLE
            match.reasons.append("another child matches the search more closely")


def rank(query: ChildQuery, records: list[ChildRecord], limit: int = 10) -> list[Match]:
    """Matches best first; ties broken by name so the order is stable."""
    matches = [m for m in (score(query, r) for r in records) if m is not None]
    _demote_less_alike(matches)
    matches.sort(
        key=lambda m: (
            -m.strength,
            -m.score,
            m.record.family_name,
            m.record.given_name,
            m.record.pk,
        )
    )
    return matches[:limit]
