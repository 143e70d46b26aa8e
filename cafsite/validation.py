"""What typed input must look like before anything is looked up or stored (ASVS 5.1).

One rule per kind of value, used alike by forms, API serializers and services, so the page and
the API accept and refuse the same things: record ids, names, and each kind of date.
Validators raise Django's ``ValidationError`` (forms and DRF fields show it beside the field);
services turn it into their domain error with ``require``.
"""

import unicodedata
from collections.abc import Callable
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from cafsite.errors import CafError

# Every table's key is a BigAutoField: a larger number cannot name a row, and PostgreSQL
# refuses it ("bigint out of range") wherever it is written, so it is refused at the door.
MAX_ID = 2**63 - 1


def parse_id(raw) -> int | None:
    """The record id in ``raw`` (a URL segment or a form value), or None when it cannot be one:
    not a whole number written in digits, zero, or beyond the database's range."""
    text = str(raw if raw is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter:
    """``<id:pk>`` in a route: a record id in the database's range, else the route does not
    match and the answer is 404 before any query."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(f"{value!r} is not a record id")
        return number

    def to_url(self, value) -> str:
        return str(int(value))


# Names: control characters (Unicode Cc) and the invisible bidirectional controls, which
# reorder what follows them (U+202E shows "Smith" reversed on the page and in the PDF).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def validate_name(value: str) -> None:
    """A person's or organisation's name as typed: any script, no control characters."""
    for char in value or "":
        if unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS:
            raise ValidationError(
                "Remove the hidden control character from the name "
                f"(U+{ord(char):04X}): type the name as it is written.",
                code="control_character",
            )


# Dates. A CAF covers children to 18, or 25 with a learning difficulty or disability
# (R-CHECK-8); the register also keeps the young people just beyond, so a search can say so.
OLDEST_ON_REGISTER = relativedelta(years=30)
LONGEST_PREGNANCY = relativedelta(months=10)
# A baby may be born up to two weeks after the expected date; until then it is still unborn.
OVERDUE_BIRTH = relativedelta(weeks=2)
# Enhanced checks by the Criminal Records Bureau, the DBS's predecessor, began in March 2002.
FIRST_ENHANCED_CHECK = date(2002, 3, 1)
# Audit and refusal searches: the service's records begin after this and end within a year.
FIRST_RECORD = date(2000, 1, 1)


def _today() -> date:
    return timezone.localdate()


def validate_date_of_birth(value: date | None) -> None:
    """A born child's date of birth: not in the future, within the register's age range."""
    if value is None:
        return
    if value > _today():
        raise ValidationError(
            "The date of birth cannot be in the future. For an unborn baby, enter the "
            "expected date of birth instead.",
            code="future",
        )
    if value < _today() - OLDEST_ON_REGISTER:
        raise ValidationError(
            "The date of birth is more than 30 years ago: check the year.", code="too_old"
        )


def validate_expected_date_of_birth(value: date | None) -> None:
    """An unborn child's expected date: from (about) today to ten months ahead."""
    if value is None:
        return
    if value < _today() - OVERDUE_BIRTH:
        raise ValidationError(
            "The expected date of birth has passed: enter the date of birth.", code="past"
        )
    if value > _today() + LONGEST_PREGNANCY:
        raise ValidationError(
            "The expected date of birth is more than 10 months away: check the date.",
            code="too_far",
        )


def validate_search_date_of_birth(value: date | None) -> None:
    """The date searched for: a date of birth, or an unborn baby's expected date."""
    if value is None:
        return
    if value > _today() + LONGEST_PREGNANCY:
        raise ValidationError("The date of birth is too far in the future.", code="too_far")
    if value < _today() - OLDEST_ON_REGISTER:
        raise ValidationError(
            "The date of birth is more than 30 years ago: check the year.", code="too_old"
        )


def validate_event_date(
    value: date | None, *, born: date | None = None, expected: date | None = None
) -> None:
    """The day something happened to a child (consent, refusal, withdrawal, referral): not in
    the future, and not before the child was born (or, unborn, before the pregnancy)."""
    if value is None:
        return
    if value > _today():
        raise ValidationError("The date cannot be in the future.", code="future")
    if born is not None and value < born:
        raise ValidationError(
            "The date cannot be before the child's date of birth.", code="before_birth"
        )
    earliest = (expected - LONGEST_PREGNANCY) if expected else _today() - OLDEST_ON_REGISTER
    if born is None and value < earliest:
        raise ValidationError("The date is too long ago: check the year.", code="too_old")


def validate_dbs_check_date(value: date | None) -> None:
    """An enhanced DBS (or CRB) check: not in the future, not before such checks existed."""
    if value is None:
        return
    if value > _today():
        raise ValidationError("The DBS check date cannot be in the future.", code="future")
    if value < FIRST_ENHANCED_CHECK:
        raise ValidationError(
            "The DBS check date is before enhanced checks began (March 2002): check the year.",
            code="too_old",
        )


def validate_search_date(value: date | None) -> None:
    """A date bounding a search of the records (audit trail, refusals)."""
    if value is None:
        return
    if not FIRST_RECORD <= value <= _today() + relativedelta(years=1):
        raise ValidationError(
            f"Enter a date between {FIRST_RECORD:%-d/%-m/%Y} and next year.", code="range"
        )


def require(
    field: str, validator: Callable[..., None], value, error: type[CafError] = CafError, **context
) -> None:
    """Run ``validator`` in a service, raising the service's domain error on ``field``."""
    try:
        validator(value, **context)
    except ValidationError as problem:
        raise error(problem.messages[0], field=field) from problem


def require_names(error: type[CafError] = CafError, **names: str) -> None:
    """``validate_name`` on each named field, in a service."""
    for field, value in names.items():
        require(field, validate_name, value, error)
