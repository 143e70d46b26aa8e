"""The audit trail in words (R-AUDIT-1): entries of both logs as a manager reads them.

``describe_entries`` turns change-log and access-log rows into ``TrailEntry`` values: who
(name, role, agency), when, from where, and what in a practitioner's terms, with a label,
the value before and the value after for each field changed. Pages, exports and the API show
these, never the raw rows.
"""

from dataclasses import dataclass, field
from datetime import datetime

from agencies.models import Agency, Membership, User
from audit.models import AccessLogEntry, ChangeLogEntry


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class TrailEntry:
    log: str  # "changes" or "access"
    pk: int
    at: datetime
    who: str  # the person's name, or "System" for a scheduled job
    role: str
    agency: str
    from_where: str
    summary: str  # one sentence in a practitioner's terms
    changes: list[FieldChange] = field(default_factory=list)
    case_id: int | None = None
    child_id: int | None = None
    # Bookkeeping rows (object permissions, sound keys) folded into this entry.
    folded: int = 0

    @property
    def case_reference(self) -> str:
        return f"CAF-{self.case_id:06d}" if self.case_id else ""

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}_{self.log}_{self.pk}"


def _people(user_ids: set[int], agency_ids: set[int]) -> tuple[dict, dict, dict]:
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=agency_ids)}
    roles = {
        (m.user_id, m.agency_id): m.get_role_display()
        for m in Membership.objects.filter(user_id__in=user_ids)
    }
    return users, agencies, roles


def _name(user: User | None, fallback: str) -> str:
    if user is None:
        return fallback
    return user.get_full_name() or user.username


def describe_entries(entries) -> list[TrailEntry]:
    """Entries of either log, in the order given, in words. Three queries whatever the
    number of entries (people, agencies, roles)."""
    entries = list(entries)
    user_ids, agency_ids = set(), set()
    for entry in entries:
        user_id = entry.actor_id if isinstance(entry, ChangeLogEntry) else entry.user_id
        if user_id:
            user_ids.add(user_id)
        if entry.agency_id:
            agency_ids.add(entry.agency_id)
    users, agencies, roles = _people(user_ids, agency_ids)
    described = []
    for entry in entries:
        if isinstance(entry, ChangeLogEntry):
            user = users.get(entry.actor_id)
            who = _name(user, "System")
            agency = agencies.get(entry.agency_id)
            changes = [
                FieldChange(label=str(label).capitalize(), before=str(old), after=str(new))
                for label, (old, new) in (entry.changes_display_dict or {}).items()
            ]
            described.append(
                TrailEntry(
                    log="changes",
                    pk=entry.pk,
                    at=entry.timestamp,
                    who=who,
                    role=roles.get((entry.actor_id, entry.agency_id), ""),
                    agency=agency.name if agency else "",
                    from_where=entry.remote_addr or "",
                    summary=(
                        f"{entry.get_action_display().capitalize()} "
                        f"{entry.content_type.name}: {entry.object_repr}"
                    ),
                    changes=changes,
                    case_id=entry.case_id,
                    child_id=entry.child_id,
                )
            )
        else:
            assert isinstance(entry, AccessLogEntry)
            user = users.get(entry.user_id)
            agency = agencies.get(entry.agency_id)
            summary = entry.get_action_display()
            if entry.detail:
                summary = f"{summary}: {entry.detail}"
            described.append(
                TrailEntry(
                    log="access",
                    pk=entry.pk,
                    at=entry.at,
                    who=_name(user, entry.username or "Unknown"),
                    role=roles.get((entry.user_id, entry.agency_id), ""),
                    agency=agency.name if agency else "",
                    from_where=entry.ip or "",
                    summary=summary,
                    case_id=entry.case_id,
                    child_id=entry.child_id,
                )
            )
    return described
