import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cycles', '0008_drop_duration_seconds'),
        ('sampling', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SampleSet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField()),
                ('message_id', models.CharField(help_text='id of the workflow message that carried it', max_length=100, unique=True)),
                ('submitted_at', models.DateTimeField()),
                ('superseded_at', models.DateTimeField(blank=True, null=True)),
                ('method', models.CharField(max_length=20)),
                ('size', models.PositiveIntegerField(blank=True, help_text='as asked (random, stratified, top)', null=True)),
                ('seed', models.PositiveBigIntegerField(blank=True, null=True)),
                ('rationale', models.TextField(blank=True)),
                ('description', models.TextField(help_text='the draw in words (sampling.draws.describe)')),
                ('changes', models.JSONField(default=dict)),
                ('samples', models.PositiveIntegerField()),
                ('cycle_report', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cycles.cyclereport')),
                ('on_behalf_of', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('order_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cycles.reportattribute')),
                ('population', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sample_sets', to='sampling.population')),
                ('stratify_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cycles.reportattribute')),
                ('submitted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['cycle_report', 'version'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='SampleItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField()),
                ('reason', models.TextField()),
                ('record', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sampling.populationrecord')),
                ('sample_set', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='items', to='sampling.sampleset')),
            ],
            options={
                'ordering': ['sample_set', 'position'],
            },
        ),
        migrations.CreateModel(
            name='SampleApproval',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField()),
                ('message_id', models.CharField(help_text='id of the workflow message that carried it', max_length=100, unique=True)),
                ('outcome', models.CharField(choices=[('approved', 'Approved'), ('changes_requested', 'Changes requested')], max_length=20)),
                ('comments', models.TextField(blank=True)),
                ('decided_at', models.DateTimeField()),
                ('superseded_at', models.DateTimeField(blank=True, null=True)),
                ('cycle_report', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cycles.cyclereport')),
                ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('on_behalf_of', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('submitted_for', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('submitter_of_record', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('sample_set', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='approval', to='sampling.sampleset')),
            ],
            options={
                'ordering': ['cycle_report', 'version'],
                'abstract': False,
            },
        ),
        migrations.AddConstraint(
            model_name='sampleset',
            constraint=models.UniqueConstraint(fields=('cycle_report', 'version'), name='sampling_sampleset_version_unique'),
        ),
        migrations.AddConstraint(
            model_name='sampleset',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded_at__isnull', True)), fields=('cycle_report',), name='sampling_sampleset_one_current'),
        ),
        migrations.AddConstraint(
            model_name='sampleset',
            constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='sampling_sampleset_version_positive'),
        ),
        migrations.AddConstraint(
            model_name='sampleitem',
            constraint=models.UniqueConstraint(fields=('sample_set', 'record'), name='sample_item_once_per_set'),
        ),
        migrations.AddConstraint(
            model_name='sampleitem',
            constraint=models.UniqueConstraint(fields=('sample_set', 'position'), name='sample_item_position_unique'),
        ),
        migrations.AddConstraint(
            model_name='sampleapproval',
            constraint=models.UniqueConstraint(fields=('cycle_report', 'version'), name='sampling_sampleapproval_version_unique'),
        ),
        migrations.AddConstraint(
            model_name='sampleapproval',
            constraint=models.CheckConstraint(condition=models.Q(('submitter_of_record__isnull', True), models.Q(models.Q(('decided_by', models.F('submitter_of_record')), _negated=True), models.Q(('decided_by', models.F('submitted_for')), _negated=True), models.Q(('on_behalf_of', models.F('submitter_of_record')), _negated=True), models.Q(('on_behalf_of', models.F('submitted_for')), _negated=True)), _connector='OR'), name='sampling_sampleapproval_not_by_submitter'),
        ),
        migrations.AddConstraint(
            model_name='sampleapproval',
            constraint=models.CheckConstraint(condition=models.Q(('outcome', 'approved'), models.Q(('comments', ''), _negated=True), _connector='OR'), name='sampling_sampleapproval_sent_back_with_comments'),
        ),
    ]
