"""Sound-alike name keys for the children already on the register."""

from django.db import migrations

from cases.matching import name_parts, sound_keys


def add_keys(apps, schema_editor):
    Child = apps.get_model("cases", "Child")
    ChildNameKey = apps.get_model("cases", "ChildNameKey")
    for child in Child.objects.iterator():
        parts = name_parts(
            child.given_name, child.middle_names, child.family_name, child.other_names
        )
        keys = set().union(*(sound_keys(part) for part in parts)) if parts else set()
        ChildNameKey.objects.bulk_create(
            [ChildNameKey(child_id=child.pk, key=key) for key in sorted(keys)],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_existing_caf_check")]

    operations = [migrations.RunPython(add_keys, migrations.RunPython.noop)]
