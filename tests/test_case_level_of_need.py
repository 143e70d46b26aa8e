"""The case keeps the level of need of its latest assessment version that states one: the
reports count by it (reports.dashboard), the forum agenda ranks by it (meetings.services.agenda)."""

import importlib

from django.db import connection

from assessments.models import VersionReason
from assessments.services.sections import section_save
from assessments.services.versions import version_create
from cases.models import Case
from tests.assessment_states import logged

backfill = importlib.import_module("assessments.migrations.0004_case_level_of_need_backfill")


def _save_conclusions(version, by, **changes):
    conclusions = version.sections.get(key="conclusions")
    section_save(
        version=version,
        key="conclusions",
        data={**conclusions.data, **changes},
        base_revision=conclusions.revision,
        completed=False,
        by=by,
    )


def test_a_new_version_moves_the_case_to_its_level_and_an_unstated_level_keeps_the_last(world):
    assessor = world.a.users["assessor"]
    assessment = logged(world, "Levelson")
    assert Case.objects.get(pk=assessment.case_id).level_of_need == 2
    version = version_create(assessment=assessment, by=assessor, reason=VersionReason.UPDATE)

    _save_conclusions(version, assessor, level_of_need=3)
    assert Case.objects.get(pk=assessment.case_id).level_of_need == 3

    # Work in progress may clear the level: the case keeps the last one a version stated.
    _save_conclusions(version, assessor, level_of_need=None)
    assert Case.objects.get(pk=assessment.case_id).level_of_need == 2


def test_the_migration_gives_existing_cases_their_latest_level(world):
    assessor = world.a.users["assessor"]
    first, second = logged(world, "Firstson"), logged(world, "Secondson")
    version = version_create(assessment=second, by=assessor, reason=VersionReason.UPDATE)
    _save_conclusions(version, assessor, level_of_need=4)
    Case.objects.update(level_of_need=None)

    with connection.cursor() as cursor:
        cursor.execute(backfill.BACKFILL)

    levels = dict(Case.objects.values_list("pk", "level_of_need"))
    assert levels[first.case_id] == 2
    assert levels[second.case_id] == 4
    assert levels[world.a.case.pk] is None
