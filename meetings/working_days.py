"""Working days in England: weekdays that are not bank holidays, from the maintained
``holidays`` package (substitute days included), never a hand-typed list. The first TAC is
due within 20 working days of the assessment's completion (R-TAC-1, seed 002)."""

from datetime import date, timedelta
from functools import cache

import holidays

FIRST_TAC_WITHIN = 20  # working days


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The working day ``count`` working days after ``start`` (``start`` itself not counted,
    whatever day it is)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def first_tac_due(completed_on: date) -> date:
    return add_working_days(completed_on, FIRST_TAC_WITHIN)
