"""Demo CAFs in the states of retention (R-RET-1): one archived (the CAF team's alone, shown
in the register check only as "a CAF existed"), one past its year but kept by a legal hold,
and one closed 11 months ago that the dry run shows a month ahead."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from agencies.models import Agency, Tenant, User
from cases.models import Case, CaseState, Child, Ethnicity, Gender
from cases.services import case_open, child_register
from delivery.models import CaseClosure, ClosureReason
from retention.services.archive import case_archive
from retention.services.holds import legal_hold_place

ASSESSOR, AGENCY = "familysupport", "Family Action Northshire"

# (child, months since closure, what happens next)
EXAMPLES = [
    (
        dict(given_name="Archie", family_name="Oldfield", date_of_birth=date(2012, 4, 2)),
        14,
        "archive",
    ),
    (
        dict(given_name="Holly", family_name="Holden", date_of_birth=date(2013, 9, 30)),
        13,
        "hold",
    ),
    (
        dict(given_name="Sam", family_name="Soonworth", date_of_birth=date(2015, 1, 12)),
        11,
        None,
    ),
]


def load_retention_examples(tenant: Tenant) -> None:
    users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    agency = Agency.objects.get(tenant=tenant, name=AGENCY)
    today = timezone.localdate()
    for fields, months, then in EXAMPLES:
        if Child.objects.filter(tenant=tenant, **fields).exists():
            continue
        child = child_register(
            by=users["coordinator"],
            gender=Gender.NOT_KNOWN,
            ethnicity=Ethnicity.NOBT,
            postcode="NS4 1RT",
            **fields,
        )
        case = case_open(child=child, assessor_agency=agency, by=users[ASSESSOR])
        # Closed long ago: set on the rows, as the register examples are (closing through
        # case_close would need a team around the child first).
        closed_on = today - relativedelta(months=months)
        Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED, closed_on=closed_on)
        CaseClosure.objects.create(
            tenant=tenant,
            case=case,
            closed_on=closed_on,
            reason=ClosureReason.MOVED_AWAY,
            note="The family moved out of the area.",
            closed_by=users[ASSESSOR],
        )
        if then == "archive":
            case_archive(case=case, today=today)
        elif then == "hold":
            legal_hold_place(
                tenant=tenant,
                case=case,
                reason="Requested by the county's legal team for a serious case review.",
                by=users["coordinator"],
            )
