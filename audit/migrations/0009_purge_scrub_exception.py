"""The one exception to the append-only audit tables (R-RET-1, R-AUDIT-1): the scrub of a purged
case's personal data (``audit.services.audit_entries_scrub``).

An UPDATE passes the trigger only when the transaction has said ``SET LOCAL ecaf.audit_scrub =
'on'`` and it changes nothing but the columns named in the trigger's arguments (the free text and
JSON that can hold personal data; never who acted, when, or on what). DELETE is refused always,
TRUNCATE as before (migration 0005). SQLite has only the code guard (migration 0002).
"""

from django.db import migrations

SCRUBBED = {
    "audit_changelogentry": [
        "object_repr",
        "changes_text",
        "changes",
        "serialized_data",
        "additional_data",
    ],
    "audit_accesslogentry": ["detail", "path"],
}

SCRUB_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_reject_rewrite() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND coalesce(current_setting('ecaf.audit_scrub', true), '') = 'on'
        AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

ORIGINAL_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_reject_rewrite() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _recreate(schema_editor, function: str, with_columns: bool) -> None:
    schema_editor.execute(function, params=None)  # None: the % signs are not placeholders
    for table, columns in SCRUBBED.items():
        arguments = ", ".join(f"'{column}'" for column in columns) if with_columns else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_reject_rewrite({arguments});"
        )


def allow_scrub(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _recreate(schema_editor, SCRUB_FUNCTION, with_columns=True)


def refuse_scrub(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _recreate(schema_editor, ORIGINAL_FUNCTION, with_columns=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_access_actions_for_sign_in_and_role_grants")]

    operations = [migrations.RunPython(allow_scrub, refuse_scrub)]
