"""Phase status per phase (PhaseStatus) instead of a column per phase, and
the attributes a report in a cycle was started with (CycleReportAttribute).
The old column is copied (0004) before it goes (0005)."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cycles', '0002_report_attribute_moves_to_cycles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='cyclereport',
            name='started_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='cyclereport',
            name='current_phase',
            field=models.CharField(blank=True, default='', max_length=40),
        ),
        migrations.CreateModel(
            name='CycleReportAttribute',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('in_scope', models.BooleanField(blank=True, null=True)),
                ('attribute', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cycle_reports', to='cycles.reportattribute')),
                ('cycle_report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='frozen_attributes', to='cycles.cyclereport')),
            ],
            options={
                'ordering': ['cycle_report', 'attribute__line_number', 'attribute_id'],
            },
        ),
        migrations.AddField(
            model_name='cyclereport',
            name='attributes',
            field=models.ManyToManyField(related_name='+', through='cycles.CycleReportAttribute', to='cycles.reportattribute'),
        ),
        migrations.CreateModel(
            name='PhaseStatus',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phase', models.CharField(max_length=40)),
                ('status', models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('completed', 'Completed')], default='not_started', max_length=20)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('completed_at', models.DateTimeField(blank=True, null=True)),
                ('cycle_report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='phase_statuses', to='cycles.cyclereport')),
            ],
            options={
                'ordering': ['cycle_report', 'started_at', 'id'],
            },
        ),
        migrations.AddConstraint(
            model_name='cyclereportattribute',
            constraint=models.UniqueConstraint(fields=('cycle_report', 'attribute'), name='attribute_once_per_cycle_report'),
        ),
        migrations.AddConstraint(
            model_name='phasestatus',
            constraint=models.UniqueConstraint(fields=('cycle_report', 'phase'), name='one_status_per_phase'),
        ),
    ]
