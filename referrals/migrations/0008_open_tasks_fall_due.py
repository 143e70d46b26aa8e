"""Every open task but a notice falls due: those asked before every kind had a due date take
the standing time to answer a task from the day they were asked (deadlines.rules.task_due).
A forum's action plan sent to those it names is a notice (referrals.services.NOTICES)."""

from django.db import migrations
from django.utils import timezone

from deadlines import rules


def open_tasks_fall_due(apps, schema_editor):
    Task = apps.get_model("referrals", "Task")
    undated = (
        Task.objects.filter(state="open", due_on__isnull=True)
        .exclude(kind="action_plan")
        .only("pk", "created_at")
    )
    for task in undated.iterator(chunk_size=2000):
        asked_on = timezone.localdate(task.created_at)
        Task.objects.filter(pk=task.pk).update(due_on=rules.task_due(asked_on))


class Migration(migrations.Migration):
    dependencies = [("referrals", "0007_task_states_service_requests_social_care")]

    operations = [migrations.RunPython(open_tasks_fall_due, migrations.RunPython.noop)]
