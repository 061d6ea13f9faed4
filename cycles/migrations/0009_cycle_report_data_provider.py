import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cycles', '0008_drop_duration_seconds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='cyclereport',
            name='data_provider',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='provided_cycle_reports', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='cyclereport',
            constraint=models.CheckConstraint(condition=models.Q(('data_provider__isnull', True), models.Q(('data_provider', models.F('tester')), _negated=True), _connector='OR'), name='tester_is_not_data_provider'),
        ),
    ]
