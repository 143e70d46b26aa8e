"""Searching the child register for an existing CAF (R-CHECK-1), within one tenant.

The database narrows the register to candidates through indexes (identifiers; the date of birth
and the dates it may have been mistyped as; sound-alike name keys when no date is given), and
``cases.matching`` ranks them. What a result may show depends on the searcher's access: a case
they cannot see shows only that it exists, its state and whom to contact (ContactPoint's rule).
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from cases.matching import (
    ChildQuery,
    ChildRecord,
    Match,
    birth_date_variants,
    name_parts,
    rank,
    sound_keys,
)
from cases.models import Case, Child, ChildNameKey
from cases.permissions import cases_for_user

# Beyond this many candidates the search is too vague to rank: ask for more detail instead.
CANDIDATE_LIMIT = 2000
RESULT_LIMIT = 10


def _record(child: Child) -> ChildRecord:
    return ChildRecord(
        pk=child.pk,
        given_name=child.given_name,
        family_name=child.family_name,
        middle_names=child.middle_names,
        other_names=child.other_names,
        date_of_birth=child.date_of_birth or child.expected_date_of_birth,
        postcode=child.postcode,
        nhs_number=child.nhs_number,
        upn=child.upn,
    )


def _keys_of(name: str) -> set[str]:
    parts = name_parts(name)
    return set().union(*(sound_keys(p) for p in parts)) if parts else set()


def candidate_filter(query: ChildQuery) -> Q | None:
    """Which register entries could be the child searched for; None if the search is too
    vague (no identifier, no date of birth, and not both names)."""
    condition = Q()
    if query.nhs_number:
        condition |= Q(nhs_number=query.nhs_number)
    if query.upn:
        condition |= Q(upn=query.upn)
    if query.date_of_birth:
        variants = birth_date_variants(query.date_of_birth)
        # Only the unborn (no date of birth) are searched by expected date: so both halves can
        # use the (tenant, date_of_birth) index, instead of reading every child of the tenant.
        condition |= Q(date_of_birth__in=variants) | Q(
            date_of_birth__isnull=True, expected_date_of_birth__in=variants
        )
    elif query.given_name and query.family_name:
        # Both names must sound like one of the child's names, in either order.
        given_ids = ChildNameKey.objects.filter(key__in=_keys_of(query.given_name)).values(
            "child_id"
        )
        family_ids = ChildNameKey.objects.filter(key__in=_keys_of(query.family_name)).values(
            "child_id"
        )
        condition |= Q(pk__in=given_ids) & Q(pk__in=family_ids)
    return condition or None


def register_matches(*, tenant_id: int, query: ChildQuery) -> list[Match]:
    """Children on the tenant's register that match ``query``, best first."""
    condition = candidate_filter(query)
    if condition is None:
        return []
    candidates = Child.objects.filter(condition, tenant_id=tenant_id, merged_into__isnull=True)
    records = [_record(child) for child in candidates[:CANDIDATE_LIMIT]]
    return rank(query, records, limit=RESULT_LIMIT)


@dataclass
class RegisterResult:
    """One matched child as the searcher may see it."""

    match: Match
    child: Child
    latest_case: Case | None
    can_open_case: bool
    involvements: list = field(default_factory=list)

    @property
    def contact(self):
        return self.latest_case.contact if self.latest_case else None

    @property
    def contact_agency(self):
        case = self.latest_case
        if case is None:
            return None
        if case.lead_professional_id:
            memberships = list(case.lead_professional.memberships.all())
            return memberships[0].agency if memberships else case.assessor_agency
        return case.assessor_agency


def register_results(*, user, matches: list[Match]) -> list[RegisterResult]:
    """The matched children with their latest CAF, its contact, and any Tier 3/4 involvement,
    in a constant number of queries."""
    if not matches:
        return []
    ids = [m.record.pk for m in matches]
    latest_first = (
        Case.objects.select_related("assessor", "assessor_agency", "lead_professional")
        .prefetch_related("lead_professional__memberships__agency")
        .order_by("-intention_logged_at", "-id")
    )
    children = {
        child.pk: child
        for child in Child.objects.filter(pk__in=ids).prefetch_related(
            Prefetch("cases", queryset=latest_first),
            "tier34_involvements__keyworker_agency",
        )
    }
    case_ids = [c.pk for child in children.values() for c in child.cases.all()[:1]]
    visible = set(cases_for_user(user).filter(pk__in=case_ids).values_list("pk", flat=True))
    results = []
    for match in matches:
        child = children[match.record.pk]
        cases = list(child.cases.all())
        latest = cases[0] if cases else None
        results.append(
            RegisterResult(
                match=match,
                child=child,
                latest_case=latest,
                can_open_case=latest is not None and latest.pk in visible,
                involvements=[i for i in child.tier34_involvements.all() if i.ended_on is None],
            )
        )
    return results
