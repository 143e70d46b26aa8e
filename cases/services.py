"""Writes to the child register and to cases. Later issues add the lifecycle transitions."""

from django.db import transaction

from agencies.models import Agency, Role, User
from agencies.roles import caf_team_of
from audit.context import acting_as
from cafsite.errors import CafError
from cafsite.validation import (
    require,
    require_names,
    validate_date_of_birth,
    validate_expected_date_of_birth,
)
from cases.identifiers import normalise_identifier
from cases.matching import child_keys
from cases.models import Case, Child, ChildNameKey
from cases.permissions import agency_access_grant


class CaseError(CafError):
    pass


def _require_casework_member(by: User, agency: Agency) -> None:
    if (
        by.tenant_id != agency.tenant_id
        or not by.memberships.filter(agency=agency).exclude(role=Role.TENANT_ADMIN).exists()
    ):
        raise CaseError("You can only act for an agency you work in.", field="assessor_agency")
    if not by.has_dbs_check:
        raise CaseError("Your enhanced DBS check is not on record, so you cannot work on cases.")


def child_register(*, by: User, **fields) -> Child:
    """Add a child to the acting user's tenant register; identifiers are normalised first."""
    if by.tenant_id is None or not by.has_dbs_check:
        raise CaseError("Only staff with a recorded DBS check can add children to the register.")
    names = ("given_name", "middle_names", "family_name", "other_names")
    require_names(CaseError, **{name: fields.get(name, "") for name in names})
    require("date_of_birth", validate_date_of_birth, fields.get("date_of_birth"), CaseError)
    require(
        "expected_date_of_birth",
        validate_expected_date_of_birth,
        fields.get("expected_date_of_birth"),
        CaseError,
    )
    for key in ("nhs_number", "upn", "postcode"):
        if fields.get(key):
            fields[key] = normalise_identifier(fields[key])
    if fields.get("postcode"):
        postcode = fields["postcode"]
        fields["postcode"] = f"{postcode[:-3]} {postcode[-3:]}"
    with transaction.atomic(), acting_as(by):
        child = Child(tenant_id=by.tenant_id, **fields)
        child.full_clean()
        child.save()
        child_name_keys_refresh(child=child)
        return child


def child_name_key_rows(child: Child) -> list[ChildNameKey]:
    """The search keys a child should have: one a distinct name sound; none once merged."""
    if child.merged_into_id is not None:
        return []
    keys = child_keys(child.given_name, child.middle_names, child.family_name, child.other_names)
    born_on = child.date_of_birth or child.expected_date_of_birth
    return [
        ChildNameKey(tenant_id=child.tenant_id, child=child, key=key, born_on=born_on)
        for key in sorted(keys)
    ]


def child_name_keys_refresh(*, child: Child) -> None:
    """Store the sound-alike keys of every name the child is known by, for the search."""
    ChildNameKey.objects.filter(child=child).delete()
    ChildNameKey.objects.bulk_create(child_name_key_rows(child))


def case_open(
    *, child: Child, assessor_agency: Agency, by: User, previous_episode: Case | None = None
) -> Case:
    """Open a CAF episode with ``by`` as assessor, logging the intention (R-CHECK-2).

    The assessor's agency and the tenant's CAF team get access in the same transaction
    (R-AUDIT-2); nobody else does until consent grants it.
    """
    _require_casework_member(by, assessor_agency)
    if child.tenant_id != by.tenant_id:
        raise CaseError("This child is not on your register.", field="child")
    caf_team = caf_team_of(by.tenant_id)
    if caf_team is None:
        raise CaseError("This tenant has no CAF team to log the case with.")
    with transaction.atomic(), acting_as(by):
        case = Case(
            tenant_id=by.tenant_id,
            child=child,
            assessor=by,
            assessor_agency=assessor_agency,
            previous_episode=previous_episode,
        )
        case.full_clean()
        case.save()
        agency_access_grant(case=case, agency=assessor_agency)
        if caf_team.pk != assessor_agency.pk:
            agency_access_grant(case=case, agency=caf_team)
        return case
