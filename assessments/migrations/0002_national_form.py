from django.db import migrations


def load(apps, schema_editor):
    from assessments.national_form import DOMAINS

    Domain = apps.get_model("assessments", "Domain")
    Element = apps.get_model("assessments", "Element")
    for domain_position, (code, title, elements) in enumerate(DOMAINS, start=1):
        domain = Domain.objects.create(code=code, title=title, position=domain_position)
        for position, (element_code, element_title, prompt) in enumerate(elements, start=1):
            Element.objects.create(
                domain=domain,
                code=element_code,
                title=element_title,
                prompt=prompt,
                position=position,
            )


def unload(apps, schema_editor):
    apps.get_model("assessments", "Element").objects.all().delete()
    apps.get_model("assessments", "Domain").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
