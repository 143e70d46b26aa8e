"""The forum agenda builder on its own (R-MAF-3): what fits, and an order that keeps attendees
at the forum for the least total time, checked against brute force and known optima."""

import itertools
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.agenda import (
    EXACT_LIMIT,
    Nomination,
    attendee_minutes,
    build_agenda,
    choose,
    priority,
    retime,
)

PEOPLE = [f"p{i}" for i in range(8)]


def case(key, people, review=False, need=2, overdue=0, waited=0):
    return Nomination(
        key=key,
        is_review=review,
        attendees=frozenset(people),
        level_of_need=need,
        review_overdue_days=overdue,
        waiting_days=waited,
    )


nominations = st.lists(
    st.builds(
        case,
        key=st.uuids(),
        people=st.sets(st.sampled_from(PEOPLE), min_size=1, max_size=4),
        review=st.booleans(),
        need=st.integers(1, 4),
        overdue=st.integers(0, 90),
        waited=st.integers(0, 60),
    ),
    max_size=12,
    unique_by=lambda n: n.key,
)


@settings(max_examples=150, deadline=None)
@given(nominations, st.integers(0, 240))
def test_the_agenda_never_runs_over_and_places_every_accepted_case_once(cases, minutes):
    agenda = build_agenda(cases, minutes)
    placed = [slot.nomination.key for slot in agenda.slots]
    assert agenda.minutes_used <= minutes
    assert sorted(map(str, placed + [d.nomination.key for d in agenda.deferred])) == sorted(
        str(c.key) for c in cases
    )
    assert len(set(placed)) == len(placed)
    assert agenda.attendee_minutes <= agenda.nomination_order_minutes


@settings(max_examples=150, deadline=None)
@given(nominations, st.integers(0, 240))
def test_a_case_is_deferred_only_when_higher_priorities_left_too_little_time(cases, minutes):
    accepted, deferred = choose(cases, minutes)
    if sum(c.minutes for c in cases) <= minutes:
        assert deferred == []
    for deferral in deferred:
        case_ = deferral.nomination
        ahead = [
            c
            for c in accepted
            if priority(c) > priority(case_)
            or (priority(c) == priority(case_) and cases.index(c) < cases.index(case_))
        ]
        assert sum(c.minutes for c in ahead) + case_.minutes > minutes
        assert "full" in deferral.reason


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sets(st.sampled_from(PEOPLE[:6]), min_size=1, max_size=3), max_size=8))
def test_the_exact_order_agrees_with_brute_force(people_per_case):
    cases = [case(i, people, review=i % 3 == 0) for i, people in enumerate(people_per_case)]
    agenda = build_agenda(cases, 10_000)
    brute = min(
        (attendee_minutes(order) for order in itertools.permutations(cases)),
        default=0,
    )
    assert agenda.method == "exact"
    assert agenda.attendee_minutes == brute


def test_an_attendee_whose_cases_can_be_consecutive_hears_them_together():
    # The school's three cases interleaved with the police's in the nomination order.
    cases = [
        case("a", ["school", "health"]),
        case("b", ["police"]),
        case("c", ["school"]),
        case("d", ["police", "youth"]),
        case("e", ["school"], review=True),
    ]
    agenda = build_agenda(cases, 120)
    order = [slot.nomination.key for slot in agenda.slots]
    school = [i for i, key in enumerate(order) if key in "ace"]
    police = [i for i, key in enumerate(order) if key in "bd"]
    assert school == list(range(school[0], school[0] + 3))
    assert police == list(range(police[0], police[0] + 2))
    # Nobody waits: everyone's time is exactly the length of their own cases.
    assert agenda.attendee_minutes == sum(c.minutes * len(c.attendees) for c in cases)
    assert agenda.nomination_order_minutes > agenda.attendee_minutes


def test_an_attendee_with_a_single_case_is_heard_early_when_it_costs_nobody():
    cases = [
        case("chain1", ["school"]),
        case("chain2", ["school"]),
        case("once", ["voluntary"]),
    ]
    order = [slot.nomination.key for slot in build_agenda(cases, 60).slots]
    assert order[0] == "once"


def test_a_known_optimum():
    # Two attendees with two cases each who share one case: the shared case goes between.
    cases = [
        case("x", ["a"]),
        case("y", ["b"]),
        case("shared", ["a", "b"]),
    ]
    agenda = build_agenda(cases, 60)
    assert [s.nomination.key for s in agenda.slots][1] == "shared"
    assert agenda.attendee_minutes == 80  # a: 40, b: 40
    assert [(s.starts_after, s.ends_after) for s in agenda.slots] == [(0, 20), (20, 40), (40, 60)]


def test_higher_need_goes_first_and_the_deferral_says_why():
    cases = [
        case("low", ["a"], need=1),
        case("acute", ["b"], need=4),
        case("overdue review", ["c"], review=True, need=1, overdue=30),
    ]
    agenda = build_agenda(cases, 30)
    heard = {s.nomination.key for s in agenda.slots}
    assert heard == {"acute", "overdue review"}
    [deferral] = agenda.deferred
    assert deferral.nomination.key == "low"
    assert "needs 20 minutes" in deferral.reason and "left 0" in deferral.reason


def test_a_hand_made_order_is_retimed_and_costed():
    cases = [case("a", ["x"]), case("b", ["y"]), case("c", ["x"])]
    agenda = build_agenda(cases, 60)
    by_hand = retime(cases, agenda)
    assert by_hand.method == "by hand"
    assert [s.starts_after for s in by_hand.slots] == [0, 20, 40]
    assert by_hand.attendee_minutes == 60 + 20 > agenda.attendee_minutes == 40 + 20


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sets(st.sampled_from(PEOPLE), min_size=1, max_size=4),
        min_size=EXACT_LIMIT + 1,
        max_size=EXACT_LIMIT + 10,
    )
)
def test_above_the_exact_limit_the_order_is_never_worse_than_the_nomination_order(people):
    cases = [case(i, attendees, review=i % 2 == 0) for i, attendees in enumerate(people)]
    agenda = build_agenda(cases, 24 * 60)
    assert agenda.method == "heuristic"
    assert sorted(slot.nomination.key for slot in agenda.slots) == list(range(len(cases)))
    assert agenda.attendee_minutes <= agenda.nomination_order_minutes


def test_more_cases_than_the_exact_limit_use_the_heuristic_and_say_so():
    cases = [
        case(i, [PEOPLE[i % 8], PEOPLE[(i * 3) % 8]], review=i % 2 == 0)
        for i in range(EXACT_LIMIT + 5)
    ]
    started = time.perf_counter()
    agenda = build_agenda(cases, 24 * 60)
    assert agenda.method == "heuristic"
    assert len(agenda.slots) == len(cases)
    assert agenda.attendee_minutes <= agenda.nomination_order_minutes
    assert time.perf_counter() - started < 30
