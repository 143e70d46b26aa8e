from django.db import migrations


def load(apps, schema_editor):
    from assessments.national_form import load as load_national_form

    load_national_form(
        apps.get_model("assessments", "Domain"), apps.get_model("assessments", "Element")
    )


def unload(apps, schema_editor):
    apps.get_model("assessments", "Element").objects.all().delete()
    apps.get_model("assessments", "Domain").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
