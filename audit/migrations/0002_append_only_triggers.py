"""Make both audit tables append-only in PostgreSQL itself (R-AUDIT-1, ASVS 7.3.3).

Code already refuses to update or delete entries (``AppendOnlyModel``); the trigger also stops
raw SQL, ``auditlogflush`` and cascades. On SQLite (the embedded development default) only the
code guard applies: Django empties SQLite tables between tests with DELETE, which a trigger
would refuse.
"""

from django.db import migrations

TABLES = ["audit_changelogentry", "audit_accesslogentry"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_reject_rewrite() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
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
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_reject_rewrite();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_reject_rewrite();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
