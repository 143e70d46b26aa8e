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
from cases.permissions import CHANGE, acting_agency_id, agency_access_grant, user_may


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


def _clean_child_fields(fields: dict) -> dict:
    """The register's rules for a child's details: names, dates, identifiers normalised."""
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
    return fields


def child_register(*, by: User, **fields) -> Child:
    """Add a child to the acting user's tenant register; identifiers are normalised first."""
    if by.tenant_id is None or not by.has_dbs_check:
        raise CaseError("Only staff with a recorded DBS check can add children to the register.")
    fields = _clean_child_fields(fields)
    with transaction.atomic(), acting_as(by):
        child = Child(tenant_id=by.tenant_id, **fields)
        child.full_clean()
        child.save()
        child_name_keys_refresh(child=child)
        return child


CORRECTABLE_CHILD_FIELDS = (
    "given_name",
    "middle_names",
    "family_name",
    "other_names",
    "date_of_birth",
    "expected_date_of_birth",
    "gender",
    "ethnicity",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "uprn",
    "nhs_number",
    "upn",
)


def child_details_correct(*, case: Case, by: User, **fields) -> Child:
    """Correct the register's details of the child of ``case``, by someone who works on the
    case (the assessor's agency or the CAF team): an assessment's identifying details come
    from the register, and the CAF team's first check is that they are complete
    (R-ASSESS-3, R-ASSESS-6). Only the fields given change; the change is audited and the
    search keys follow the new names."""
    if not user_may(by, case, CHANGE):
        raise CaseError("Case not found.")
    unknown = set(fields) - set(CORRECTABLE_CHILD_FIELDS)
    if unknown:
        raise CaseError(f"These are not register details: {', '.join(sorted(unknown))}.")
    child = case.child
    merged = {name: getattr(child, name) for name in CORRECTABLE_CHILD_FIELDS} | fields
    merged = {k: ("" if v is None and k not in DATE_FIELDS else v) for k, v in merged.items()}
    if not merged.get("date_of_birth") and not merged.get("expected_date_of_birth"):
        raise CaseError(
            "Enter a date of birth, or an expected date for an unborn child.",
            field="date_of_birth",
        )
    merged = _clean_child_fields(merged)
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, case)):
        child = Child.objects.select_for_update().get(pk=child.pk)
        for name, value in merged.items():
            setattr(child, name, value)
        child.full_clean()
        child.save()
        child_name_keys_refresh(child=child)
        return child


DATE_FIELDS = ("date_of_birth", "expected_date_of_birth")


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
