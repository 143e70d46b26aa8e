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


def _name_readings(query: ChildQuery, record: ChildRecord) -> list[tuple[float, float, bool]]:
    """(first name, last name, swapped) similarity of the names as typed and swapped."""
    given_parts = name_parts(record.given_name, record.middle_names)
    family_parts = name_parts(record.family_name)
    other_parts = name_parts(record.other_names)
    return [
        (
            name_similarity(query.given_name, given_parts + other_parts),
            name_similarity(query.family_name, family_parts + other_parts),
            False,
        ),
        (
            name_similarity(query.given_name, family_parts) * SWAPPED_DISCOUNT,
            name_similarity(query.family_name, given_parts) * SWAPPED_DISCOUNT,
            True,
        ),
    ]


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
    for given, family, swapped in _name_readings(query, record):
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
        # Names alone are shared by many children: without a date of birth (or an identifier,
        # scored above) a match is only ever possible.
        if points >= STRONG_SCORE and not surname_differs and query.date_of_birth:
            strength = Strength.STRONG
        elif points >= POSSIBLE_SCORE:
            strength = Strength.POSSIBLE
        else:
            continue
        if best is None or (strength, points) > (best.strength, best.score):
            best = Match(record, points, strength, reasons)
    return best


def _same_first_name(query: ChildQuery, record: ChildRecord) -> bool:
    return bool(query.given_name) and normalise_name(query.given_name) == normalise_name(
        record.given_name
    )


def _demote_near_siblings(query: ChildQuery, matches: list[Match]) -> None:
    """Twins and siblings born the same day share a surname and often a first name but a letter
    or two apart (Aiden, Aidan): when one has exactly the first name searched, the others are
    only possible matches."""
    exact = {
        (m.record.date_of_birth, normalise_name(m.record.family_name))
        for m in matches
        if m.strength == Strength.STRONG and _same_first_name(query, m.record)
    }
    for match in matches:
        sibling_of = (match.record.date_of_birth, normalise_name(match.record.family_name))
        if (
            match.strength == Strength.STRONG
            and sibling_of in exact
            and not _same_first_name(query, match.record)
        ):
            match.strength = Strength.POSSIBLE
            match.reasons.append("a child born the same day has exactly this first name")


def rank(query: ChildQuery, records: list[ChildRecord], limit: int = 10) -> list[Match]:
    """Matches best first; ties broken by name so the order is stable."""
    matches = [m for m in (score(query, r) for r in records) if m is not None]
    _demote_near_siblings(query, matches)
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
