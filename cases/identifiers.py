"""Validators for the national identifiers held on the child register."""

from django.core.exceptions import ValidationError

# DfE Unique Pupil Number check letters: remainder 0-22 of the weighted sum (no I, O, S).
_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def validate_nhs_number(value: str) -> None:
    """Ten digits, the last a modulus 11 check digit (NHS Data Dictionary)."""
    if len(value) != 10 or not value.isdigit():
        raise ValidationError("Enter an NHS number of 10 digits, like 943 476 5919.")
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(value[9]):
        raise ValidationError("This is not a valid NHS number: check the digits.")


def _upn_char_value(char: str) -> int:
    # A temporary UPN ends in a letter, valued as its place among the check letters.
    return int(char) if char.isdigit() else _UPN_CHECK_LETTERS.index(char)


def validate_upn(value: str) -> None:
    """13 characters: a check letter, then 12 characters weighted 2..13 modulo 23 (DfE)."""
    if (
        len(value) != 13
        or value[0] not in _UPN_CHECK_LETTERS
        or not value[1:12].isdigit()
        or not (value[12].isdigit() or value[12] in _UPN_CHECK_LETTERS)
    ):
        raise ValidationError("Enter a unique pupil number of 13 characters, like A123456789012.")
    total = sum(_upn_char_value(char) * weight for weight, char in enumerate(value[1:], start=2))
    if _UPN_CHECK_LETTERS[total % 23] != value[0]:
        raise ValidationError("This is not a valid unique pupil number: check the characters.")


def normalise_identifier(value: str) -> str:
    return "".join(value.split()).upper()
