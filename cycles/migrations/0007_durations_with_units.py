"""Per-cycle task durations get units: the bare seconds of the old fields
(3 meant 3 seconds, not 3 days) become an amount and a unit. Whole days
counted business days before (reviews.due_dates), and still do."""
import django.core.validators
from django.db import migrations, models

DAY = 86400


def with_units(seconds, business: bool):
    if not seconds:
        return None, None
    if seconds % DAY == 0:
        return seconds // DAY, "business_days" if business else "days"
    for unit, size in (("hours", 3600), ("minutes", 60)):
        if seconds % size == 0:
            return seconds // size, unit
    return seconds, "seconds"


def forward(apps, schema_editor):
    TestCycle = apps.get_model("cycles", "TestCycle")
    for cycle in TestCycle.objects.all():
        due, due_unit = with_units(cycle.human_task_due_after, business=True)
        remind, remind_unit = with_units(cycle.human_task_remind_every, business=False)
        TestCycle.objects.filter(pk=cycle.pk).update(
            task_due_amount=due, task_due_unit=due_unit or "business_days",
            reminder_amount=remind, reminder_unit=remind_unit or "days",
        )


class Migration(migrations.Migration):

    dependencies = [("cycles", "0006_cycle_sample_size_default")]

    operations = [
        migrations.AddField(
            model_name="testcycle",
            name="task_due_amount",
            field=models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name="tasks due after"),
        ),
        migrations.AddField(
            model_name="testcycle",
            name="task_due_unit",
            field=models.CharField(choices=[("business_days", "business days"), ("days", "days"), ("hours", "hours"), ("minutes", "minutes"), ("seconds", "seconds")], default="business_days", max_length=20),
        ),
        migrations.AddField(
            model_name="testcycle",
            name="reminder_amount",
            field=models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name="remind every"),
        ),
        migrations.AddField(
            model_name="testcycle",
            name="reminder_unit",
            field=models.CharField(choices=[("days", "days"), ("hours", "hours"), ("minutes", "minutes"), ("seconds", "seconds")], default="days", max_length=20),
        ),
        migrations.AddField(
            model_name="testcycle",
            name="max_reminders",
            field=models.PositiveSmallIntegerField(blank=True, help_text="Reminders before only the escalation continues (0: no limit; blank: the site's default).", null=True),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
