from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0005_step_kinds_come_from_the_registry'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='event',
            field=models.CharField(choices=[('workflow_started', 'Workflow started'), ('phase_started', 'Phase started'), ('recommendations_generated', 'Recommendations generated'), ('task_opened', 'Task opened'), ('reminder_sent', 'Reminder sent'), ('escalated', 'Escalated'), ('reassigned', 'Reassigned'), ('submission_accepted', 'Submission accepted'), ('submission_refused', 'Submission refused'), ('submission_pending', 'Submission stored for delivery'), ('approved', 'Approved'), ('changes_requested', 'Changes requested'), ('phase_completed', 'Phase completed'), ('notice_sent', 'Notice sent'), ('file_uploaded', 'File uploaded')], max_length=40),
        ),
    ]
