"""Validators for the national identifiers held on the child register.

The check-digit rules come from python-stdnum (NHS modulus 11; DfE UPN modulus 23 with the
issuing local-authority code); these wrappers give practitioners messages they can act on.
"""

from django.core.exceptions import ValidationError
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import nhs, upn


def validate_nhs_number(value: str) -> None:
    try:
        nhs.validate(value)
    except InvalidChecksum as exc:
        raise ValidationError("This is not a valid NHS number: check the digits.") from exc
    except StdnumError as exc:
        raise ValidationError("Enter an NHS number of 10 digits, like 943 476 5919.") from exc


def validate_upn(value: str) -> None:
    try:
        upn.validate(value)
    except InvalidChecksum as exc:
        raise ValidationError(
            "This is not a valid unique pupil number: check the characters."
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            "Enter a unique pupil number of 13 characters, like B801200005001."
        ) from exc


def normalise_identifier(value: str) -> str:
    """Spaces and case removed, as identifiers are stored and compared."""
    return "".join(value.split()).upper()
