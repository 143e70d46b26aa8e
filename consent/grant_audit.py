"""Do the two records of who may see a case agree?

Consent rows say why an agency sees a case (R-CONSENT-4); guardian's permission rows are what
the access model reads. Each case should have exactly: view and change for the assessor's
agency and the CAF team, and view for each agency with a live consent grant; an archived case,
the CAF team's rows alone (R-RET-1). Anything else
(a permission row with no reason, or a reason with no row) is a disagreement: the tests run
this after random sequences of consent events, and ``manage.py check_access_grants`` runs it
in production.
"""

from collections import defaultdict
from dataclasses import dataclass

from agencies.models import Agency, AgencyKind
from cases.models import Case, CaseGroupObjectPermission, CaseState
from cases.permissions import AGENCY_PERMS, VIEW
from consent.models import ConsentGrant

BATCH = 5000
NO_REASON = "no reason for this permission"
MISSING = "permission missing"


@dataclass(frozen=True)
class Disagreement:
    case_id: int
    agency_id: int
    permission: str
    problem: str  # NO_REASON or MISSING

    def __str__(self) -> str:
        return f"case {self.case_id}, agency {self.agency_id}, {self.permission}: {self.problem}"


def _expected(cases: list[dict], caf_teams: dict[int, int]) -> dict[int, set[tuple[int, str]]]:
    wanted: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for case in cases:
        keepers = {caf_teams.get(case["tenant_id"])}
        if case["state"] != CaseState.ARCHIVED:
            keepers.add(case["assessor_agency_id"])
        for agency_id in keepers - {None}:
            wanted[case["id"]] |= {(agency_id, perm) for perm in AGENCY_PERMS}
    live = ConsentGrant.objects.filter(
        consent__case_id__in=[c["id"] for c in cases],
        revoked_at__isnull=True,
        consent__withdrawn_on__isnull=True,
    ).values_list("consent__case_id", "agency_id")
    for case_id, agency_id in live:
        wanted[case_id].add((agency_id, VIEW))
    return wanted


def _actual(case_ids: list[int]) -> dict[int, set[tuple[int, str]]]:
    held: dict[int, set[tuple[int, str]]] = defaultdict(set)
    rows = CaseGroupObjectPermission.objects.filter(content_object_id__in=case_ids).values_list(
        "content_object_id", "group__agency", "permission__codename"
    )
    for case_id, agency_id, codename in rows:
        held[case_id].add((agency_id, codename))
    return held


def access_grant_disagreements(*, tenant_id: int | None = None) -> list[Disagreement]:
    """Every disagreement between consent and permission rows, case by case, in batches."""
    caf_teams = dict(Agency.objects.filter(kind=AgencyKind.CAF_TEAM).values_list("tenant_id", "pk"))
    cases = Case.objects.order_by("pk")
    if tenant_id is not None:
        cases = cases.filter(tenant_id=tenant_id)
    found: list[Disagreement] = []
    last = 0
    while True:
        batch = list(
            cases.filter(pk__gt=last).values("id", "tenant_id", "assessor_agency_id", "state")[
                :BATCH
            ]
        )
        if not batch:
            return found
        last = batch[-1]["id"]
        wanted = _expected(batch, caf_teams)
        held = _actual([c["id"] for c in batch])
        for case in batch:
            case_id = case["id"]
            for agency_id, perm in sorted(held[case_id] - wanted[case_id]):
                found.append(
                    Disagreement(case_id, agency_id, perm, "no reason for this permission")
                )
            for agency_id, perm in sorted(wanted[case_id] - held[case_id]):
                found.append(Disagreement(case_id, agency_id, perm, MISSING))
