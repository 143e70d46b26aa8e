"""The sound-key table rebuilt for a million children a tenant: one key a name part and one a first and last name pair, the tenant
and the date of birth in each row, a composite primary key instead of an id, and every key
recomputed with the current normalisation (Ł, ı, ø, ß, đ as a UK keyboard types them)."""

import django.db.models.deletion
from django.db import migrations, models

from cases.matching import child_keys

BATCH = 5000


def add_keys(apps, schema_editor):
    Child = apps.get_model("cases", "Child")
    ChildNameKey = apps.get_model("cases", "ChildNameKey")
    rows = []
    for child in Child.objects.filter(merged_into__isnull=True).iterator(chunk_size=BATCH):
        keys = child_keys(
            child.given_name, child.middle_names, child.family_name, child.other_names
        )
        born_on = child.date_of_birth or child.expected_date_of_birth
        rows += [
            ChildNameKey(tenant_id=child.tenant_id, child_id=child.pk, key=key, born_on=born_on)
            for key in sorted(keys)
        ]
        if len(rows) >= BATCH:
            ChildNameKey.objects.bulk_create(rows)
            rows = []
    ChildNameKey.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("cases", "0003_child_name_keys"),
    ]

    operations = [
        migrations.DeleteModel(name="ChildNameKey"),
        migrations.CreateModel(
            name="ChildNameKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "child_id",
                        "key",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("key", models.CharField(max_length=40)),
                ("born_on", models.DateField()),
                (
                    "child",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cases.child",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="agencies.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["tenant", "key", "born_on", "child"], name="child_name_key_search"
                    )
                ],
            },
        ),
        migrations.RunPython(add_keys, migrations.RunPython.noop),
    ]
