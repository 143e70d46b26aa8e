"""Every time standard at its boundaries (R-RET-2): the day before, on the day and after;
weekends and bank holidays for the rules in working days; 29 February for the years. And
``latest_start``, which turns "due by X" into "started by S" for queries, agrees with each rule
on every date."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from deadlines import rules
from deadlines.rules import add_working_days, first_tac_due, is_working_day, latest_start


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


def test_a_start_on_a_weekend_counts_from_the_next_working_day():
    saturday, sunday = date(2026, 11, 7), date(2026, 11, 8)
    assert add_working_days(saturday, 1) == add_working_days(sunday, 1) == date(2026, 11, 9)


def test_the_first_tac_is_due_20_working_days_after_completion():
    # Completed Thursday 3 December 2026: 20 working days skip the weekends, Christmas,
    # the Boxing Day substitute and New Year's Day.
    # 4 Dec, 7-11, 14-18, 21-24 (15), 29-31 (18), 4-5 January (20).
    assert first_tac_due(date(2026, 12, 3)) == date(2027, 1, 5)
    # An ordinary month: four weeks; a day later, a day later.
    assert first_tac_due(date(2026, 9, 30)) == date(2026, 10, 28)
    assert first_tac_due(date(2026, 10, 1)) == date(2026, 10, 29)
    assert first_tac_due(date(2026, 10, 2)) == date(2026, 10, 30)


def test_a_task_is_due_in_five_working_days_across_the_may_bank_holiday():
    # Monday 4 May 2026 is the early May bank holiday.
    assert rules.task_due(date(2026, 4, 29)) == date(2026, 5, 7)
    assert rules.task_due(date(2026, 4, 30)) == date(2026, 5, 8)
    assert rules.task_due(date(2026, 5, 1)) == date(2026, 5, 11)


def test_submission_is_due_28_days_after_completion():
    assert rules.submission_due(date(2026, 2, 1)) == date(2026, 3, 1)
    assert rules.submission_due(date(2028, 2, 1)) == date(2028, 2, 29)  # a leap year
    assert rules.submission_due(date(2026, 12, 10)) == date(2027, 1, 7)


def test_the_first_review_is_due_3_months_after_the_first_tac_then_after_each_review():
    assert rules.review_due(first_tac_held_on=None, last_review_on=None) is None
    assert rules.review_due(first_tac_held_on=date(2026, 1, 15), last_review_on=None) == date(
        2026, 4, 15
    )
    assert rules.review_due(
        first_tac_held_on=date(2026, 1, 15), last_review_on=date(2026, 4, 20)
    ) == date(2026, 7, 20)


def test_a_review_3_months_after_a_month_end_falls_on_the_shorter_months_last_day():
    assert rules.review_due(first_tac_held_on=date(2026, 11, 30), last_review_on=None) == (
        date(2027, 2, 28)
    )
    assert rules.review_due(first_tac_held_on=date(2027, 11, 30), last_review_on=None) == (
        date(2028, 2, 29)
    )


def test_consent_signed_on_29_february_is_revisited_on_28_february_two_years_on():
    signed = date(2024, 2, 29)
    due = rules.consent_renewal_due(signed)
    assert due == date(2026, 2, 28)
    # The query's bound agrees: on 27 February it is not due, on the 28th it is.
    assert latest_start(rules.consent_renewal_due, date(2026, 2, 27)) < signed
    assert latest_start(rules.consent_renewal_due, date(2026, 2, 28)) >= signed
    # "today - 2 years", the old bound, was a day late for it.
    assert date(2026, 2, 28) - rules.CONSENT_RENEW_AFTER < signed


def test_consent_is_revisited_on_the_same_day_two_years_on():
    assert rules.consent_renewal_due(date(2024, 6, 10)) == date(2026, 6, 10)
    assert rules.consent_renewal_due(date(2024, 3, 1)) == date(2026, 3, 1)


def test_a_closed_caf_can_be_reopened_until_6_months_after_closure():
    assert rules.reopen_until(date(2026, 1, 10)) == date(2026, 7, 10)
    assert rules.reopen_until(date(2026, 8, 31)) == date(2027, 2, 28)
    assert rules.reopen_until(date(2027, 8, 31)) == date(2028, 2, 29)


def test_specialists_are_invited_two_weeks_before_the_forum():
    assert rules.specialist_invitations_due(date(2026, 3, 12)) == date(2026, 2, 26)
    assert rules.specialist_invitations_due(date(2028, 3, 14)) == date(2028, 2, 29)


def test_archive_after_one_year_and_purge_six_years_later_from_29_february():
    closed = date(2024, 2, 29)
    assert rules.archive_due(closed) == date(2025, 2, 28)
    assert rules.purge_due(closed) == date(2031, 2, 28)
    assert rules.purge_due(date(2025, 2, 28)) == date(2032, 2, 28)


def test_a_tenant_keeping_records_to_the_25th_birthday_purges_no_earlier():
    closed, born = date(2020, 5, 1), date(2010, 2, 28)
    assert rules.purge_due(closed) == date(2027, 5, 1)
    assert rules.purge_due(closed, born_on=born, keep_until_age=25) == date(2035, 2, 28)


RULES = {
    "submission": rules.submission_due,
    "first_tac": rules.first_tac_due,
    "review": lambda day: rules.review_due(first_tac_held_on=day, last_review_on=None),
    "consent_renewal": rules.consent_renewal_due,
    "reopen": rules.reopen_until,
    "specialist_invitations": rules.specialist_invitations_due,
    "task": rules.task_due,
    "archive": rules.archive_due,
    "purge": rules.purge_due,
}
DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(rule=st.sampled_from(sorted(RULES)), start=DATES, due_by=DATES)
def test_latest_start_keeps_exactly_the_starts_due_by_the_day(rule, start, due_by):
    """A row is kept by ``start_on <= latest_start(rule, X)`` exactly when it is due by X."""
    due = RULES[rule]
    assert (start <= latest_start(due, due_by)) == (due(start) <= due_by)


@given(rule=st.sampled_from(sorted(RULES)), due_by=DATES)
def test_latest_start_is_due_by_the_day_and_the_day_after_it_is_not(rule, due_by):
    due = RULES[rule]
    start = latest_start(due, due_by)
    assert due(start) <= due_by < due(start + timedelta(days=1))
