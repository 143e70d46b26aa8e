from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("meetings", "0002_invitation_agency_email")]

    operations = [
        migrations.AddField(
            model_name="forumsession",
            name="builder_attendee_minutes",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
