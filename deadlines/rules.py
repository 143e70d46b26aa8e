"""Every time standard of the CAF process, as pure functions of dates (R-RET-2).

This module imports nothing from the project, so every app may use it: the lifecycle apps
for their own pages, ``deadlines.selectors`` for worklists and reminders, ``retention`` for
archive and purge. Each rule maps a start date to the day something is due; ``latest_start``
turns "due on or before day X" into "started on or before day S", so a query can filter on the
stored start date with an index and agree with the rule at every boundary (month ends,
29 February, weekends and bank holidays).
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

import holidays
from dateutil.relativedelta import relativedelta

SUBMIT_WITHIN = timedelta(days=28)  # R-ASSESS-5: to the CAF team within 28 days of completion
FIRST_TAC_WITHIN = 20  # R-TAC-1: working days after the assessment's completion
REVIEW_WITHIN = relativedelta(months=3)  # R-REV-1
CONSENT_RENEW_AFTER = relativedelta(years=2)  # R-CONSENT-6
REOPEN_WITHIN = relativedelta(months=6)  # R-CHECK-4
SPECIALIST_NOTICE = timedelta(days=14)  # R-MAF-4: specialists invited 2 weeks before a forum
TASK_ANSWER_WITHIN = 5  # working days to answer a task

# R-RET-1, the national default; a tenant's policy may lengthen them (retention.models).
ACCESSIBLE_FOR = relativedelta(months=12)
ARCHIVED_FOR = relativedelta(years=6)


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    # England's bank holidays, substitute days included, from the maintained package.
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


def submission_due(completed_on: date) -> date:
    return completed_on + SUBMIT_WITHIN


def first_tac_due(completed_on: date) -> date:
    return add_working_days(completed_on, FIRST_TAC_WITHIN)


def review_due(*, first_tac_held_on: date | None, last_review_on: date | None) -> date | None:
    """3 months after the latest review, or after the first TAC held when there has been no
    review; None before any TAC is held."""
    since = last_review_on or first_tac_held_on
    return since + REVIEW_WITHIN if since else None


def consent_renewal_due(signed_on: date) -> date:
    return signed_on + CONSENT_RENEW_AFTER


def reopen_until(closed_on: date) -> date:
    """The last day a closed CAF can be reopened without a new assessment."""
    return closed_on + REOPEN_WITHIN


def specialist_invitations_due(forum_held_on: date) -> date:
    return forum_held_on - SPECIALIST_NOTICE


def task_due(asked_on: date) -> date:
    return add_working_days(asked_on, TASK_ANSWER_WITHIN)


def archive_due(closed_on: date, *, accessible_for: relativedelta = ACCESSIBLE_FOR) -> date:
    """The first day a closed CAF is archived: it stays accessible for the whole period."""
    return closed_on + accessible_for


def purge_due(
    closed_on: date,
    *,
    accessible_for: relativedelta = ACCESSIBLE_FOR,
    archived_for: relativedelta = ARCHIVED_FOR,
    born_on: date | None = None,
    keep_until_age: int | None = None,
) -> date:
    """The first day an archived CAF is purged: after both periods, and not before the
    child's birthday the tenant keeps records to, when its policy says so."""
    due = closed_on + accessible_for + archived_for
    if keep_until_age is not None and born_on is not None:
        due = max(due, born_on + relativedelta(years=keep_until_age))
    return due


def latest_start(rule: Callable[[date], date], due_by: date) -> date:
    """The latest start date whose due date (by ``rule``, non-decreasing) is on or before
    ``due_by``: a query keeps the rows started on or before it. Found from an estimate and
    corrected a day at a time, so it agrees with the rule exactly, whatever the calendar."""
    start = due_by - (rule(due_by) - due_by)
    while rule(start) > due_by:
        start -= timedelta(days=1)
    while rule(start + timedelta(days=1)) <= due_by:
        start += timedelta(days=1)
    return start
