"""Row triggers do not fire on TRUNCATE, so ``auditlogflush --truncate`` emptied the trail
(FIELD-NOTES). A statement-level trigger refuses it too, on PostgreSQL.

The one exception is a test database, whose connections set ``ecaf.allow_audit_truncate``
(cafsite/settings/test.py) because Django empties tables between transactional tests with
TRUNCATE. The application's connections never set it.
"""

from django.db import migrations

TABLES = ["audit_changelogentry", "audit_accesslogentry"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_reject_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('ecaf.allow_audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit trail is append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)  # None: the % signs are not placeholders
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_truncate();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_reject_truncate();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_acting_agency")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
