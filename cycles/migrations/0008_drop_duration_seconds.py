from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0007: on PostgreSQL a table cannot be altered in the
    # transaction that updated its rows.

    dependencies = [("cycles", "0007_durations_with_units")]

    operations = [
        migrations.RemoveConstraint(model_name="testcycle", name="cycle_due_after_positive"),
        migrations.RemoveConstraint(model_name="testcycle", name="cycle_remind_every_positive"),
        migrations.RemoveField(model_name="testcycle", name="human_task_due_after"),
        migrations.RemoveField(model_name="testcycle", name="human_task_remind_every"),
        migrations.AddConstraint(
            model_name="testcycle",
            constraint=models.CheckConstraint(condition=models.Q(("task_due_amount__isnull", True), ("task_due_amount__gt", 0), _connector="OR"), name="cycle_due_after_positive"),
        ),
        migrations.AddConstraint(
            model_name="testcycle",
            constraint=models.CheckConstraint(condition=models.Q(("reminder_amount__isnull", True), ("reminder_amount__gt", 0), _connector="OR"), name="cycle_remind_every_positive"),
        ),
    ]
