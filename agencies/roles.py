"""Questions about a user's roles, answered from their memberships."""

from agencies.models import CASEWORK_ROLES, Agency, Role


def has_role(user, role: Role, *, tenant_id: int | None = None) -> bool:
    if not user.is_authenticated or user.tenant_id is None:
        return False
    if tenant_id is not None and tenant_id != user.tenant_id:
        return False
    return user.memberships.filter(role=role, agency__is_active=True).exists()


def is_tenant_admin(user) -> bool:
    return has_role(user, Role.TENANT_ADMIN)


def managed_agency_ids(user) -> list[int]:
    """The active agencies in which ``user`` holds the manager role."""
    if not user.is_authenticated or user.tenant_id is None:
        return []
    return list(
        user.memberships.filter(role=Role.MANAGER, agency__is_active=True).values_list(
            "agency_id", flat=True
        )
    )


def caf_team_of(tenant_id: int) -> Agency | None:
    return Agency.objects.filter(tenant_id=tenant_id, kind="caf_team").first()


def _caf_team_roles(user, roles) -> bool:
    if not user.is_authenticated or user.tenant_id is None or not user.has_dbs_check:
        return False
    return user.memberships.filter(
        agency__tenant_id=user.tenant_id,
        agency__kind="caf_team",
        agency__is_active=True,
        role__in=roles,
    ).exists()


def in_caf_team(user) -> bool:
    """A casework member of their tenant's CAF team, with the DBS check that case work needs.
    Administering the team's staff is not casework: a tenant administrator is not in it."""
    return _caf_team_roles(user, CASEWORK_ROLES)


def in_caf_team_as(user, *roles: Role) -> bool:
    """A member of their tenant's CAF team in one of ``roles`` (casework roles), with a DBS
    check."""
    return _caf_team_roles(user, set(roles) & CASEWORK_ROLES)
