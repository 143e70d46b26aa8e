"""The forum agenda builder (R-MAF-3): which nominated cases a session hears, and in what order.

A pure module: no database, no clock. The pages and services turn nominations into
``Nomination`` values and store what ``build_agenda`` returns.

**Step 1, what fits.** A session has so many minutes; a new case takes 20 minutes and a review
10 (R-MAF-3). Cases are taken in priority order (level of need, highest first; then how many
days its review is overdue; then how long it has waited; then nomination order) and each is
accepted if it fits in the time still free, otherwise deferred to the next forum with the
reason. So nothing is deferred unless the session is over capacity, a case is deferred only
when the cases of higher priority left too little time for it, and a shorter case of lower
priority may still use minutes a longer one could not.

**Step 2, the order.** Each attendee (a practitioner or an agency's representative) arrives
for the first case they hear and leaves after their last. The builder orders the accepted
cases to minimise the total attendee time at the forum,

    sum over attendees a of (end of a's last case - start of a's first case),

which is the talent scheduling (rehearsal) problem, CSPLib 039, NP-hard in general. Among
orders of equal total it prefers those in which attendees with a single case are heard earlier,
so they can leave early. Up to ``EXACT_LIMIT`` cases the builder finds the optimum with the
dynamic programme of Garcia de la Banda, Stuckey and Chu ("Solving Talent Scheduling with
Dynamic Programming", INFORMS J. Computing 23(1), 2011) over subsets of cases still to be
heard; every attendee whose cases can all be consecutive then has them consecutive, as that
costs nobody any waiting. Above the limit it starts from a greedy order (or the nomination
order, if better) and moves single cases until no move helps, so it is never worse than the
nomination order, and says so in the result (``method == "heuristic"``).

``retime`` times a hand-made order (the coordinator reordering the agenda) the same way, so the
page can show what the change costs.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

NEW_CASE_MINUTES = 20
REVIEW_MINUTES = 10
# 2^15 subsets x 15 cases: well under a second in Python. A forum rarely hears more.
EXACT_LIMIT = 15


@dataclass(frozen=True)
class Nomination:
    """A case nominated for a session. ``attendees`` name everyone who must hear it (the
    presenter included), by any stable label."""

    key: Hashable
    is_review: bool
    attendees: frozenset[str]
    level_of_need: int = 2
    review_overdue_days: int = 0
    waiting_days: int = 0

    @property
    def minutes(self) -> int:
        return REVIEW_MINUTES if self.is_review else NEW_CASE_MINUTES


@dataclass(frozen=True)
class Slot:
    nomination: Nomination
    starts_after: int  # minutes from the start of the session
    ends_after: int


@dataclass(frozen=True)
class Deferral:
    nomination: Nomination
    reason: str


@dataclass(frozen=True)
class Attendance:
    attendee: str
    arrives_after: int
    leaves_after: int
    cases: int

    @property
    def minutes(self) -> int:
        return self.leaves_after - self.arrives_after


@dataclass
class Agenda:
    slots: list[Slot]
    deferred: list[Deferral]
    attendee_minutes: int
    # The same accepted cases heard in the order they were nominated, for comparison.
    nomination_order_minutes: int
    method: str  # "exact", "heuristic", or "by hand"
    attendance: list[Attendance] = field(default_factory=list)

    @property
    def minutes_used(self) -> int:
        return self.slots[-1].ends_after if self.slots else 0


def priority(nomination: Nomination) -> tuple[int, int, int]:
    """Higher first: level of need, days the review is overdue, days waited."""
    return (nomination.level_of_need, nomination.review_overdue_days, nomination.waiting_days)


def choose(
    nominations: Sequence[Nomination], session_minutes: int
) -> tuple[list[Nomination], list[Deferral]]:
    """Step 1: the cases the session can hear, in nomination order, and those deferred."""
    ranked = sorted(
        range(len(nominations)), key=lambda i: (tuple(-p for p in priority(nominations[i])), i)
    )
    free = session_minutes
    accepted: set[int] = set()
    deferred: list[Deferral] = []
    for index in ranked:
        nomination = nominations[index]
        if nomination.minutes <= free:
            accepted.add(index)
            free -= nomination.minutes
        else:
            deferred.append(
                Deferral(
                    nomination,
                    f"The session is full: this {'review' if nomination.is_review else 'new case'}"
                    f" needs {nomination.minutes} minutes and cases of higher priority left "
                    f"{free}. Deferred to the next forum.",
                )
            )
    return [n for i, n in enumerate(nominations) if i in accepted], deferred


def attendee_minutes(order: Sequence[Nomination]) -> int:
    """The objective: total minutes attendees spend at the forum for this order."""
    return sum(a.minutes for a in _attendance(order))


def _attendance(order: Sequence[Nomination]) -> list[Attendance]:
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    count: dict[str, int] = {}
    clock = 0
    for nomination in order:
        for attendee in nomination.attendees:
            first.setdefault(attendee, clock)
            last[attendee] = clock + nomination.minutes
            count[attendee] = count.get(attendee, 0) + 1
        clock += nomination.minutes
    return [
        Attendance(attendee, first[attendee], last[attendee], count[attendee])
        for attendee in sorted(first)
    ]


def _timed(order: Sequence[Nomination]) -> list[Slot]:
    slots, clock = [], 0
    for nomination in order:
        slots.append(Slot(nomination, clock, clock + nomination.minutes))
        clock += nomination.minutes
    return slots


def _single_case_attendees(cases: Sequence[Nomination]) -> list[int]:
    """For each case, how many of its attendees hear no other case."""
    seen: dict[str, int] = {}
    for case in cases:
        for attendee in case.attendees:
            seen[attendee] = seen.get(attendee, 0) + 1
    return [sum(1 for a in case.attendees if seen[a] == 1) for case in cases]


def _exact_order(cases: Sequence[Nomination]) -> list[Nomination]:
    """Dynamic programme over the set of cases still to be heard (a bitmask).

    Placing case ``s`` next, with ``remaining`` the cases not yet heard (``s`` among them),
    keeps at the forum for its minutes: its own attendees, and everyone who has heard a case
    already and still has one to come. That cost depends only on ``remaining`` and ``s``, so
    best(remaining) = min over s of cost(s, remaining) + best(remaining - s).
    """
    n = len(cases)
    attendees = sorted({a for case in cases for a in case.attendees})
    bit = {a: 1 << i for i, a in enumerate(attendees)}
    hears = [sum(bit[a] for a in case.attendees) for case in cases]
    minutes = [case.minutes for case in cases]
    singles = _single_case_attendees(cases)
    full = (1 << n) - 1
    # present[subset]: attendees with at least one case in the subset; elapsed: its minutes.
    present = [0] * (1 << n)
    elapsed = [0] * (1 << n)
    for subset in range(1, 1 << n):
        low = subset & -subset
        index = low.bit_length() - 1
        present[subset] = present[subset ^ low] | hears[index]
        elapsed[subset] = elapsed[subset ^ low] + minutes[index]
    best: list[tuple[int, int]] = [(0, 0)] * (1 << n)
    choice = [0] * (1 << n)
    for remaining in range(1, 1 << n):
        heard = present[full ^ remaining]
        start = elapsed[full ^ remaining]
        top: tuple[int, int] | None = None
        rest = remaining
        while rest:
            low = rest & -rest
            index = low.bit_length() - 1
            rest ^= low
            after = remaining ^ low
            on_site = hears[index] | (heard & present[after])
            cost = minutes[index] * on_site.bit_count()
            # Tie-break: single-case attendees heard early.
            total = (cost + best[after][0], start * singles[index] + best[after][1])
            if top is None or total < top:
                top, choice[remaining] = total, index
        best[remaining] = top
    order, remaining = [], full
    while remaining:
        index = choice[remaining]
        order.append(cases[index])
        remaining ^= 1 << index
    return order


def _heuristic_order(cases: Sequence[Nomination]) -> list[Nomination]:
    """Greedy (the next case keeping the fewest people waiting), or the nomination order when
    that is better, then move single cases to other positions while that lowers the total: so
    never worse than the nomination order."""
    greedy = _greedy_order(cases)
    cost = _cost_of(cases)
    start = greedy if cost(greedy) <= cost(cases) else list(cases)
    return _improved(start, cost)


def _greedy_order(cases: Sequence[Nomination]) -> list[Nomination]:
    remaining = list(cases)
    order: list[Nomination] = []
    while remaining:
        heard = {a for case in order for a in case.attendees}

        def waiting(case: Nomination, heard=heard) -> tuple[int, int]:
            others = {a for c in remaining if c is not case for a in c.attendees}
            on_site = case.attendees | (heard & others)
            return (case.minutes * len(on_site), -len(case.attendees & heard))

        chosen = min(remaining, key=waiting)
        order.append(chosen)
        remaining.remove(chosen)
    return order


def _improved(order: list[Nomination], cost) -> list[Nomination]:
    """Sweeps: each case in turn moves to its best place, if that helps; until a sweep changes
    nothing. Only ever lowers the total."""
    best = cost(order)
    improved = True
    while improved:
        improved = False
        for case in list(order):
            i = order.index(case)
            rest = order[:i] + order[i + 1 :]
            place, place_cost = i, best
            for j in range(len(order)):
                if j == i:
                    continue
                trial_cost = cost(rest[:j] + [case] + rest[j:])
                if trial_cost < place_cost:
                    place, place_cost = j, trial_cost
            if place != i:
                order, best, improved = rest[:place] + [case] + rest[place:], place_cost, True
    return order


def _cost_of(cases: Sequence[Nomination]):
    """``attendee_minutes`` for orders of ``cases``, on integer indices: the local search
    costs thousands of orders."""
    people = {a: i for i, a in enumerate(sorted({a for case in cases for a in case.attendees}))}
    heard_by = {id(case): [people[a] for a in case.attendees] for case in cases}
    count = len(people)

    def cost(order: Sequence[Nomination]) -> int:
        first = [-1] * count
        last = [0] * count
        clock = 0
        for case in order:
            ends = clock + case.minutes
            for person in heard_by[id(case)]:
                if first[person] < 0:
                    first[person] = clock
                last[person] = ends
            clock = ends
        return sum(last) - sum(first)

    return cost


def build_agenda(nominations: Sequence[Nomination], session_minutes: int) -> Agenda:
    """Choose the cases the session can hear and order them (see the module docstring)."""
    accepted, deferred = choose(nominations, session_minutes)
    if len(accepted) <= EXACT_LIMIT:
        order, method = _exact_order(accepted), "exact"
    else:
        order, method = _heuristic_order(accepted), "heuristic"
    return Agenda(
        slots=_timed(order),
        deferred=deferred,
        attendee_minutes=attendee_minutes(order),
        nomination_order_minutes=attendee_minutes(accepted),
        method=method,
        attendance=_attendance(order),
    )


def retime(order: Sequence[Nomination], agenda: Agenda) -> Agenda:
    """An order the coordinator set by hand, timed and costed like the builder's."""
    return Agenda(
        slots=_timed(order),
        deferred=agenda.deferred,
        attendee_minutes=attendee_minutes(order),
        nomination_order_minutes=agenda.nomination_order_minutes,
        method="by hand",
        attendance=_attendance(order),
    )
