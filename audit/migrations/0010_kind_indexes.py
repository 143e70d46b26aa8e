"""Indexes for the trail's kind filter (audit.kinds). On PostgreSQL they are built
concurrently: the logs hold millions of rows and are written on every request."""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("agencies", "0004_staff_version_for_stale_edits"),
        ("audit", "0009_purge_scrub_exception"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="accesslogentry",
            index=models.Index(
                fields=["tenant", "action", "-at"], name="accesslog_tenant_kind_time"
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="changelogentry",
            index=models.Index(
                fields=["tenant", "content_type", "-timestamp"], name="changelog_tenant_kind_time"
            ),
        ),
    ]
