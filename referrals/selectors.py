"""Reads of referrals that respect who may see them."""

from django.db.models import Q, QuerySet

from agencies.models import Role
from referrals.models import Task


def open_tasks_for(user) -> QuerySet[Task]:
    """Open tasks addressed to ``user``, or to an agency they work in with nobody named."""
    if not user.is_authenticated or user.tenant_id is None or not user.has_dbs_check:
        return Task.objects.none()
    agencies = user.memberships.exclude(role=Role.TENANT_ADMIN).values("agency_id")
    return (
        Task.objects.filter(tenant_id=user.tenant_id, done_at__isnull=True)
        .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True, assigned_agency__in=agencies))
        .select_related("from_user", "from_agency", "case")
        .order_by("-created_at")
    )
