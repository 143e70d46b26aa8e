"""Each case takes the level of need of its latest assessment version that states one (the
column reports count by; kept from now on by the conclusions section's save)."""

from django.db import migrations

BACKFILL = """
UPDATE cases_case SET level_of_need = (
    SELECT version.level_of_need
    FROM assessments_assessmentversion AS version
    JOIN assessments_assessment AS assessment ON assessment.id = version.assessment_id
    WHERE assessment.case_id = cases_case.id AND version.level_of_need IS NOT NULL
    ORDER BY version.number DESC
    LIMIT 1
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_queue_asks_returned_by_index"),
        ("cases", "0010_case_level_of_need"),
    ]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
