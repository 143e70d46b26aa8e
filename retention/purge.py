"""Purge of an archived CAF at the end of its retention (R-RET-1, ASVS 8.3.8).

``case_purge`` destroys every row of the case in every app, found by walking the reverse
relations of ``cases.Case`` (and of ``cases.Child`` when no other case needs the child) rather
than from a hand-kept list, so a model added later is purged with the rest; the uploaded files
of those rows; and, through the one narrow exception to the append-only audit tables
(``audit.services.audit_entries_scrub``), the personal data in the audit entries of the case and
child. What is left is a ``PurgeRecord``: reference, dates, counts and anonymous figures.

Each case is purged in one transaction, its files deleted first: a worker killed half-way leaves
the case's rows whole (the transaction rolls back), at worst with some files already gone, and
the next run finds the case still due and completes it. A purged case has no row left to find, so
a second run does nothing.
"""

import logging
from collections import defaultdict
from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q

from agencies.models import Tenant
from audit.services import audit_entries_scrub, purge_audit_record
from cafsite.errors import CafError
from cases.models import CafCheck, Case, CaseState, Child
from deadlines.models import ReminderSent
from deadlines.rules import latest_start, purge_due
from retention.models import JobRun, LegalHold, PurgeRecord, RetentionPolicy
from retention.services.holds import holds_settled

logger = logging.getLogger(__name__)

# A later episode keeps its own rows; only its link back to the purged one goes (_purge_rows).
_NOT_OWNED = {(Case, "later_episodes")}


class PurgeRefused(CafError):
    """The case may not be purged (yet): not archived, not due, or under a legal hold."""


def _policy_of(tenant_id: int) -> RetentionPolicy:
    # A tenant without a row of its own keeps the national default.
    return RetentionPolicy.objects.filter(tenant_id=tenant_id).first() or RetentionPolicy(
        tenant_id=tenant_id
    )


def _periods(policy: RetentionPolicy) -> dict:
    return {
        "accessible_for": relativedelta(months=policy.accessible_for_months),
        "archived_for": relativedelta(years=policy.archived_for_years),
    }


def case_purge_due(case: Case, policy: RetentionPolicy | None = None) -> date:
    """The first day ``case`` may be purged under its tenant's policy (deadlines.rules)."""
    policy = policy or _policy_of(case.tenant_id)
    return purge_due(
        case.closed_on,
        **_periods(policy),
        born_on=case.child.date_of_birth,
        keep_until_age=policy.keep_until_age,
    )


def _live_holds() -> models.QuerySet:
    return LegalHold.objects.filter(lifted_at__isnull=True)


def _not_held() -> Q:
    return ~Q(
        Exists(_live_holds().filter(case=OuterRef("pk")))
        | Exists(_live_holds().filter(tenant=OuterRef("tenant_id"), case__isnull=True))
    )


def due_for_purge(*, today: date) -> models.QuerySet:
    """Archived CAFs whose purge is due on ``today`` by their tenant's policy, holds aside.

    Each tenant's rule becomes "closed on or before day S" (and "born on or before day B" when
    the tenant keeps records to a birthday) via ``latest_start``, so the index on
    (state, closed_on) finds them and the filter agrees with ``purge_due`` on every day."""
    due = Q(pk__in=[])
    for tenant in Tenant.objects.all().only("pk"):
        policy = _policy_of(tenant.pk)
        periods = _periods(policy)
        closed_by = latest_start(lambda closed, p=periods: purge_due(closed, **p), today)
        rule = Q(tenant_id=tenant.pk, closed_on__lte=closed_by)
        if policy.keep_until_age is not None:
            age = relativedelta(years=policy.keep_until_age)
            born_by = latest_start(lambda born, age=age: born + age, today)
            rule &= Q(child__date_of_birth__isnull=True) | Q(child__date_of_birth__lte=born_by)
        due |= rule
    return Case.objects.filter(due, state=CaseState.ARCHIVED, closed_on__isnull=False)


def purge_due_batch(*, today: date, batch: int, run: JobRun | None) -> dict[str, int]:
    """Purge every archived CAF due on ``today`` and under no live legal hold (case or tenant).

    Reads ``batch`` ids at a time (never all of them); each case is then taken with
    ``select_for_update(skip_locked=True)``, checked again under the lock (a hold placed
    meanwhile wins) and purged in a transaction of its own, so two workers never take the same
    case and a failure costs one case, not the batch. Returns
    ``{"purged": n, "purge_held": n, "purge_failed": n}``."""
    due = due_for_purge(today=today)
    counts = {"purged": 0, "purge_held": 0, "purge_failed": 0}
    held = due.exclude(_not_held()).values("tenant_id").annotate(n=Count("pk")).order_by()
    for row in held:
        counts["purge_held"] += row["n"]
        _count(run, row["tenant_id"], purge_held=row["n"])
    due = due.filter(_not_held())
    after = 0
    while True:
        ids = list(due.filter(pk__gt=after).order_by("pk").values_list("pk", "tenant_id")[:batch])
        if not ids:
            return counts
        after = ids[-1][0]
        for case_id, tenant_id in ids:
            try:
                with transaction.atomic():
                    case = (
                        due.filter(pk=case_id)
                        .select_for_update(skip_locked=True, of=("self",))
                        .first()
                    )
                    if case is None:  # another worker has it, or it is no longer due
                        continue
                    case_purge(case=case, today=today, run=run)
                counts["purged"] += 1
                _count(run, tenant_id, purged=1)
            except Exception:
                # The case stays whole (its transaction rolled back) and due: the next run
                # tries again. The run goes on with the others.
                logger.exception("purge of case %s failed", case_id)
                counts["purge_failed"] += 1
                _count(run, tenant_id, purge_failed=1)


def _count(run: JobRun | None, tenant_id: int, **counts: int) -> None:
    if run is not None:
        run.add_tenant_counts(tenant_id, **counts)


def _collect(roots: list[tuple[type[models.Model], list]]) -> dict[type[models.Model], set]:
    """Every row reachable from ``roots`` through reverse foreign keys and one-to-one keys
    (auto-created many-to-many tables included): the rows that belong to them."""
    found: dict[type[models.Model], set] = defaultdict(set)
    todo = list(roots)
    while todo:
        model, pks = todo.pop()
        new = set(pks) - found[model]
        if not new:
            continue
        found[model] |= new
        for relation in model._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete):
                continue
            if not (relation.one_to_many or relation.one_to_one):
                continue
            if (model, relation.get_accessor_name()) in _NOT_OWNED:
                continue
            related = relation.related_model
            rows = related._base_manager.filter(**{f"{relation.field.name}__in": new}).order_by()
            todo.append((related, list(rows.values_list("pk", flat=True))))
    return {model: pks for model, pks in found.items() if pks}


def _child_is_needed(case: Case) -> bool:
    """Another case (live or archived, not purged) of the child, or of a duplicate record
    merged into it, still needs the child's record."""
    # Two index look-ups; one query with OR would scan every case.
    others = Case.objects.exclude(pk=case.pk)
    return (
        others.filter(child=case.child_id).exists()
        or others.filter(child__merged_into=case.child_id).exists()
    )


def _checks_for(child: Child) -> list[int]:
    """Register checks that searched for ``child`` and name no child (undecided, or decided
    without one): what was typed into them is the child's name, birthday, NHS number."""
    same = Q(pk__in=[])
    if child.nhs_number:
        same |= Q(nhs_number=child.nhs_number)
    if child.upn:
        same |= Q(upn=child.upn)
    given = Q(given_name__iexact=child.given_name) if child.given_name else Q(pk__in=[])
    family = Q(family_name__iexact=child.family_name) if child.family_name else Q(pk__in=[])
    same |= given & family
    born = child.date_of_birth or child.expected_date_of_birth
    if born is not None:
        same |= Q(date_of_birth=born) & (given | family)
    return list(
        CafCheck.objects.filter(same, tenant_id=child.tenant_id, child__isnull=True).values_list(
            "pk", flat=True
        )
    )


def _statistics(case: Case) -> dict:
    """Figures reports may keep for ever: nothing that could identify the child."""
    closure = case.closures.order_by("-closed_on", "-id").first()
    try:
        version = case.assessment.versions.order_by("-number").first()
    except ObjectDoesNotExist:
        version = None
    age = case.child.age_on(case.closed_on)
    if age is None:
        band = "unborn"
    else:
        band = next(
            label
            for top, label in ((4, "0-4"), (10, "5-10"), (15, "11-15"), (200, "16+"))
            if age <= top
        )
    return {
        "closure_reason": closure.reason if closure else "",
        "level_of_need": version.level_of_need if version else None,
        "assessor_agency_kind": case.assessor_agency.kind,
        "age_band_at_closure": band,
    }


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def case_purge(*, case: Case, today: date, run: JobRun | None = None) -> PurgeRecord:
    """Destroy the personal data of an archived CAF whose purge is due (R-RET-1).

    In one transaction: deletes the uploaded files, then every row of the case in every app
    (and the child's record and name keys when no other case needs the child), scrubs the
    audit entries of the case, the child and those rows, and leaves a ``PurgeRecord`` with
    counts per kind of row. Idempotent: a case already purged returns its record. Raises
    ``PurgeRefused`` for a case not archived, not yet due, or under a live legal hold."""
    reference = case.reference
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("child", "assessor_agency")
            .filter(pk=case.pk)
            .first()
        )
        if case is None:
            done = PurgeRecord.objects.filter(reference=reference).first()
            if done is None:
                raise PurgeRefused(f"{reference} does not exist.")
            return done
        if case.state != CaseState.ARCHIVED:
            raise PurgeRefused(f"{reference} is not archived.")
        if today < case_purge_due(case):
            raise PurgeRefused(f"{reference} is not due for purge until {case_purge_due(case)}.")
        holds_settled(case.tenant_id)
        if not Case.objects.filter(pk=case.pk).filter(_not_held()).exists():
            raise PurgeRefused(f"{reference} is under a legal hold.")

        statistics = _statistics(case)
        child = case.child
        roots: list[tuple[type[models.Model], list]] = [(Case, [case.pk])]
        child_goes = not _child_is_needed(case)
        if child_goes:
            roots.append((Child, [child.pk]))
            roots.append((CafCheck, _checks_for(child)))
        rows = _collect(roots)
        counts = _purge_rows(case, rows)
        counts.update(
            audit_entries_scrub(
                case_id=case.pk,
                child_id=child.pk if child_goes else None,
                objects=_objects_for_scrub(rows),
                by_run=run,
            )
        )
        record = PurgeRecord.objects.create(
            tenant_id=case.tenant_id,
            reference=reference,
            opened_on=case.intention_logged_at.date(),
            closed_on=case.closed_on,
            archived_on=case.archived_on,
            purged_on=today,
            counts=counts,
            statistics=statistics,
            run=run,
        )
        purge_audit_record(record=record, by_run=run)
    return record


def _objects_for_scrub(rows: dict) -> list[tuple[ContentType, list[str]]]:
    # Audit entries name their object by content type and primary key as text; the tables
    # Django makes for many-to-many fields and composite keys have no entries of their own.
    return [
        (ContentType.objects.get_for_model(model), [str(pk) for pk in pks])
        for model, pks in rows.items()
        if not model._meta.auto_created and not isinstance(next(iter(pks)), tuple)
    ]


def _purge_rows(case: Case, rows: dict[type[models.Model], set]) -> dict[str, int]:
    """Delete the files of ``rows``, then the rows themselves, with raw deletes (no signals:
    auditlog would otherwise write the deleted values into new entries). Foreign keys are
    checked at commit, so the order of the deletes does not matter."""
    using = case._state.db
    for model, pks in rows.items():
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for field in file_fields:
            names = model._base_manager.filter(pk__in=pks).values_list(field.attname, flat=True)
            for name in names:
                if name:
                    field.storage.delete(name)
    # A later episode of the child keeps everything but its link to this one.
    Case.objects.filter(previous_episode=case).update(previous_episode=None)
    counts: dict[str, int] = {}
    for model, pks in rows.items():
        if isinstance(next(iter(pks)), tuple):  # composite keys (a child's name keys)
            fields = [f.attname for f in model._meta.pk.fields]
            query = Q()
            for values in pks:
                query |= Q(**dict(zip(fields, values, strict=True)))
            deleted = model._base_manager.filter(query)._raw_delete(using)
        else:
            deleted = model._base_manager.filter(pk__in=pks)._raw_delete(using)
        counts[_label(model)] = deleted
    # Reminders name the case by a plain id, not a foreign key.
    counts[_label(ReminderSent)] = ReminderSent.objects.filter(case_id=case.pk)._raw_delete(using)
    return counts
