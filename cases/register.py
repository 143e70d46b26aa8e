"""Searching the child register for an existing CAF (R-CHECK-1), within one tenant.

The database narrows the register to candidates through indexes: identifiers, and the sound-key
table, which finds the children of the tenant born on the date searched or a date it may have
been mistyped as (any date when none is given) who share a name sound with the search, and ranks
them by how many they share, never by alphabet. ``cases.matching`` scores the most alike few
hundred. What a result may show depends on the searcher's access: a case
they cannot see shows only that it exists, its state and whom to contact (ContactPoint's rule).
"""

from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Count, Max, Prefetch, Q, Sum, Value
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from cases.matching import (
    ChildQuery,
    ChildRecord,
    Match,
    birth_date_variants,
    metaphone,
    name_family,
    name_parts,
    pair_key,
    rank,
)
from cases.models import Case, CaseState, Child, ChildNameKey
from cases.permissions import cases_for_user

# The database ranks candidates by how many name sounds they share with the search, and only
# this many of the most alike are scored in Python; more means the search was broad. (At a
# million children the child searched for, with one mistake and a date of birth, ranked in the
# database's first 7 in 500 searches; 300 keeps the notice to about 3% of searches there.)
CANDIDATE_LIMIT = 300
RESULT_LIMIT = 10
# The furthest ahead a child can be due (the check refuses later dates of birth).
LONGEST_PREGNANCY = relativedelta(months=10)
# A child registered unborn may be born and searched by date of birth for a while after.
UNBORN_SEARCHED_FOR = relativedelta(years=1)


class RegisterMatches(list):
    """Matches best first; ``broad`` when more children were alike than could be scored, so
    the list is the most alike of them and the searcher should add detail."""

    broad = False


def query_keys(name: str) -> set[str]:
    """The name sounds a search looks for: each part's, and its nicknames' and long forms'."""
    return {metaphone(related) for part in name_parts(name) for related in name_family(part)}


def _flag(**condition) -> Max:
    """1 for a child with a key row matching ``condition``, else 0."""
    return Max(
        models.Case(
            models.When(**condition, then=Value(1)),
            default=Value(0),
            output_field=models.IntegerField(),
        )
    )


def _candidate_ids(*, tenant_id: int, query: ChildQuery, today: date) -> tuple[list[int], bool]:
    """Ids of the children most alike ``query`` by shared name sounds (within the dates of
    birth it allows), most alike first, and whether more were alike than the limit. One scan of
    the (tenant, key, date) index, grouped by child."""
    given_keys, family_keys = query_keys(query.given_name), query_keys(query.family_name)
    # A name's own sound counts twice a nickname's: Jack Smith before John Smith.
    own_keys = {metaphone(part) for part in name_parts(query.given_name, query.family_name)}
    shared = Sum(
        models.Case(
            models.When(key__in=own_keys, then=Value(2)),
            default=Value(1),
            output_field=models.IntegerField(),
        )
    )
    if query.date_of_birth:
        born = query.date_of_birth
        ranked = (
            ChildNameKey.objects.filter(
                tenant_id=tenant_id,
                key__in=given_keys | family_keys,
                born_on__in=birth_date_variants(born, latest=today + LONGEST_PREGNANCY),
            )
            .values("child_id")
            .annotate(shared=shared, exact_date=_flag(born_on=born))
        )
    elif given_keys and family_keys:
        # Without a date both names must sound like the child's first and last, in either
        # order: one lookup of their pair keys.
        pairs = {pair_key(g, f) for g in given_keys for f in family_keys}
        pairs |= {pair_key(f, g) for g in given_keys for f in family_keys}
        own_pairs = {
            pair_key(metaphone(g), metaphone(f))
            for g in name_parts(query.given_name)
            for f in name_parts(query.family_name)
        }
        ranked = (
            ChildNameKey.objects.filter(tenant_id=tenant_id, key__in=pairs)
            .values("child_id")
            .annotate(shared=_flag(key__in=own_pairs), exact_date=Value(0))
        )
    else:
        return [], False
    ids = list(
        ranked.order_by("-shared", "-exact_date", "child_id").values_list("child_id", flat=True)[
            : CANDIDATE_LIMIT + 1
        ]
    )
    return ids[:CANDIDATE_LIMIT], len(ids) > CANDIDATE_LIMIT


def _could_be_unborn(query: ChildQuery, today: date) -> bool:
    return query.date_of_birth is not None and query.date_of_birth > today - UNBORN_SEARCHED_FOR


def register_matches(*, tenant_id: int, query: ChildQuery) -> RegisterMatches:
    """Children on the tenant's register that match ``query``, best first."""
    today = timezone.localdate()
    ids, broad = _candidate_ids(tenant_id=tenant_id, query=query, today=today)
    condition = Q(pk__in=ids)
    if query.nhs_number:
        condition |= Q(nhs_number=query.nhs_number)
    if query.upn:
        condition |= Q(upn=query.upn)
    candidates = (
        Child.objects.filter(condition, tenant_id=tenant_id, merged_into__isnull=True)
        .only(*RECORD_FIELDS)
        .order_by()
    )
    if not _could_be_unborn(query, today):
        candidates = candidates.filter(date_of_birth__isnull=False)
    records = [_record(child) for child in candidates]
    matches = RegisterMatches(rank(query, records, limit=RESULT_LIMIT))
    matches.broad = broad
    return matches


RECORD_FIELDS = (
    "given_name",
    "family_name",
    "middle_names",
    "other_names",
    "date_of_birth",
    "expected_date_of_birth",
    "postcode",
    "nhs_number",
    "upn",
)


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


@dataclass
class RegisterResult:
    """One matched child as the searcher may see it."""

    match: Match
    child: Child
    latest_case: Case | None
    can_open_case: bool
    involvements: list = field(default_factory=list)
    # Whom to ask about an archived CAF: the tenant's CAF team, its only keeper (R-RET-1).
    caf_team: Agency | None = None

    @property
    def archived(self) -> bool:
        """The latest CAF is archived: the searcher learns only that one existed."""
        return self.latest_case is not None and self.latest_case.state == CaseState.ARCHIVED

    @property
    def risk_flagged(self) -> bool:
        """The latest CAF closed because the family did not engage, and is still closed."""
        return bool(
            self.latest_case and not self.archived and getattr(self.latest_case, "risk_flags", 0)
        )

    @property
    def contact(self):
        """The person to call; none for an archived CAF, whose contact is the CAF team."""
        if self.latest_case is None or self.archived:
            return None
        return self.latest_case.contact

    @property
    def contact_agency(self):
        case = self.latest_case
        if case is None:
            return None
        if self.archived:
            return self.caf_team
        # The agency the lead acts for in this case (R-LP-1), not merely one they belong to.
        if case.lead_professional_id and case.lead_agency_id:
            return case.lead_agency
        return case.assessor_agency


def register_results(*, user, matches: list[Match]) -> list[RegisterResult]:
    """The matched children with their latest CAF, its contact, and any Tier 3/4 involvement,
    in a constant number of queries."""
    if not matches:
        return []
    ids = [m.record.pk for m in matches]
    latest_first = (
        Case.objects.select_related(
            "assessor", "assessor_agency", "lead_professional", "lead_agency"
        )
        # A standing closure for non-engagement flags risk (R-CLOSE-1): by the reverse
        # relation, so cases does not import the delivery app that closes cases.
        .annotate(
            risk_flags=Count(
                "closures",
                filter=Q(closures__risk_flag=True, closures__reopened_on__isnull=True),
            )
        )
        .order_by("-intention_logged_at", "-id")
    )
    children = {
        child.pk: child
        for child in Child.objects.filter(pk__in=ids).prefetch_related(
            Prefetch("cases", queryset=latest_first),
            "tier34_involvements__keyworker_agency",
        )
    }
    latest_cases = [c for child in children.values() for c in child.cases.all()[:1]]
    visible = set(
        cases_for_user(user)
        .filter(pk__in=[c.pk for c in latest_cases])
        .values_list("pk", flat=True)
    )
    # Looked up only when an archived CAF is shown: the CAF team is its contact (R-RET-1).
    archived_in = next((c.tenant_id for c in latest_cases if c.state == CaseState.ARCHIVED), None)
    caf_team = (
        Agency.objects.filter(tenant_id=archived_in, kind=AgencyKind.CAF_TEAM).first()
        if archived_in
        else None
    )
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
                caf_team=caf_team,
            )
        )
    return results
