"""Working days across weekends, bank holidays and the new year (R-TAC-1, R-RET-2)."""

from datetime import date

from meetings.working_days import add_working_days, first_tac_due, is_working_day


def test_weekends_are_skipped():
    friday = date(2026, 11, 6)
    assert add_working_days(friday, 1) == date(2026, 11, 9)  # Monday
    assert add_working_days(friday, 5) == date(2026, 11, 13)


def test_christmas_boxing_day_substitute_and_new_year_are_skipped():
    # 2026: Christmas Friday, Boxing Day Saturday (observed Monday 28th), New Year Friday.
    assert not is_working_day(date(2026, 12, 28))
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_easter_is_skipped():
    assert not is_working_day(date(2027, 3, 26)) and not is_working_day(date(2027, 3, 29))
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_the_first_tac_is_due_20_working_days_after_completion():
    # Completed Thursday 3 December 2026: 20 working days skip the weekends, Christmas,
    # the Boxing Day substitute and New Year's Day.
    # 4 Dec, 7-11, 14-18, 21-24 (15), 29-31 (18), 4-5 January (20).
    assert first_tac_due(date(2026, 12, 3)) == date(2027, 1, 5)
    # An ordinary month: four weeks.
    assert first_tac_due(date(2026, 10, 1)) == date(2026, 10, 29)
