"""A tenant's retention periods (R-RET-1): the national default until the tenant changes them;
lengthening is the tenant's choice, shortening needs a recorded decision."""

from dateutil.relativedelta import relativedelta
from django.db import transaction

from agencies.models import Role, Tenant, User
from agencies.roles import in_caf_team_as, is_tenant_admin
from audit.context import acting_as
from cafsite.errors import CafError
from retention.models import RetentionPolicy, RetentionPolicyChange

# Bounds that keep a typing slip from becoming a policy: a century is longer than any record.
MAX_ACCESSIBLE_MONTHS = 240
MAX_ARCHIVED_YEARS = 100
MAX_KEEP_UNTIL_AGE = 100


class RetentionError(CafError):
    pass


def tenant_policy(tenant: Tenant | int) -> RetentionPolicy:
    """The tenant's policy, created with the national default the first time it is read."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    policy, _ = RetentionPolicy.objects.get_or_create(tenant_id=tenant_id)
    return policy


def accessible_for(policy: RetentionPolicy) -> relativedelta:
    return relativedelta(months=policy.accessible_for_months)


def archived_for(policy: RetentionPolicy) -> relativedelta:
    return relativedelta(years=policy.archived_for_years)


def may_change_policy(user: User, tenant_id: int) -> bool:
    """The tenant's administrator or a manager of its CAF team."""
    if not user.is_authenticated or user.tenant_id != tenant_id:
        return False
    return is_tenant_admin(user) or in_caf_team_as(user, Role.MANAGER)


def _periods(policy: RetentionPolicy) -> dict:
    return {
        "accessible_for_months": policy.accessible_for_months,
        "archived_for_years": policy.archived_for_years,
        "keep_until_age": policy.keep_until_age,
    }


def _shortens(before: dict, after: dict) -> bool:
    if after["accessible_for_months"] < before["accessible_for_months"]:
        return True
    if after["archived_for_years"] < before["archived_for_years"]:
        return True
    kept, keep = before["keep_until_age"], after["keep_until_age"]
    return kept is not None and (keep is None or keep < kept)


def _bounded(value, *, field: str, label: str, low: int, high: int, optional=False) -> int | None:
    if value in (None, "") and optional:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RetentionError(f"Enter {label} as a whole number.", field=field) from None
    if not low <= number <= high:
        raise RetentionError(f"Enter {label} between {low} and {high}.", field=field)
    return number


def retention_policy_change(
    *,
    tenant: Tenant,
    by: User,
    accessible_for_months,
    archived_for_years,
    keep_until_age,
    reason: str,
    decision_reference: str = "",
) -> RetentionPolicy:
    """Set the tenant's periods (R-RET-1). Allowed to its administrator and its CAF team's
    managers. Shortening (any period shorter, or the age kept to lowered or removed) is
    refused without the reference of the decision that allowed it. Every change is recorded
    with its before and after, and audited. Raises ``RetentionError``."""
    if not may_change_policy(by, tenant.pk):
        raise RetentionError("Only the tenant administrator or a CAF team manager sets this.")
    after = {
        "accessible_for_months": _bounded(
            accessible_for_months,
            field="accessible_for_months",
            label="the months a closed CAF stays accessible",
            low=1,
            high=MAX_ACCESSIBLE_MONTHS,
        ),
        "archived_for_years": _bounded(
            archived_for_years,
            field="archived_for_years",
            label="the years an archived CAF is kept",
            low=0,
            high=MAX_ARCHIVED_YEARS,
        ),
        "keep_until_age": _bounded(
            keep_until_age,
            field="keep_until_age",
            label="the age records are kept to",
            low=1,
            high=MAX_KEEP_UNTIL_AGE,
            optional=True,
        ),
    }
    reason = (reason or "").strip()
    decision_reference = (decision_reference or "").strip()
    if not reason:
        raise RetentionError("Say why the periods change.", field="reason")
    with transaction.atomic(), acting_as(by, agency_id=None):
        policy = RetentionPolicy.objects.select_for_update().get(pk=tenant_policy(tenant).pk)
        before = _periods(policy)
        if after == before:
            raise RetentionError("These are the periods already set.")
        shortens = _shortens(before, after)
        if shortens and not decision_reference:
            raise RetentionError(
                "Shortening a period needs the reference of the decision that allows it.",
                field="decision_reference",
            )
        for name, value in after.items():
            setattr(policy, name, value)
        policy.version += 1
        policy.save()
        RetentionPolicyChange.objects.create(
            policy=policy,
            by=by,
            before=before,
            after=after,
            reason=reason,
            shortens=shortens,
            decision_reference=decision_reference,
        )
    return policy
