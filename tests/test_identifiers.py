import pytest
from django.core.exceptions import ValidationError

from cases.identifiers import normalise_identifier, validate_nhs_number, validate_upn


@pytest.mark.parametrize("number", ["9434765919", "4010232137"])
def test_valid_nhs_numbers_pass(number):
    validate_nhs_number(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("9434765918", "not a valid NHS number"),  # wrong check digit
        ("943476591", "10 digits"),
        ("94347659AB", "10 digits"),
    ],
)
def test_invalid_nhs_numbers_explain_why(number, message):
    with pytest.raises(ValidationError, match=message):
        validate_nhs_number(number)


def test_upn_check_letter_is_verified():
    validate_upn("B801200005001")
    with pytest.raises(ValidationError, match="not a valid unique pupil number"):
        validate_upn("A801200005001")
    with pytest.raises(ValidationError, match="13 characters"):
        validate_upn("B80120000500")


def test_identifiers_are_compared_without_spaces_or_case():
    assert normalise_identifier(" 943 476 5919 ") == "9434765919"
    assert normalise_identifier("b801 2000 05001") == "B801200005001"
