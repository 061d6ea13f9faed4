import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cycles', '0005_remove_cyclereport_scoping_status'),
        ('scoping', '0005_in_scope_from_approved_reviews'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='ownerdecision',
            name='owner_decision_version_unique',
        ),
        migrations.RemoveConstraint(
            model_name='ownerdecision',
            name='changes_requested_needs_comments',
        ),
        migrations.RemoveConstraint(
            model_name='scopingsubmission',
            name='scoping_submission_version_unique',
        ),
        migrations.RemoveConstraint(
            model_name='scopingsubmission',
            name='one_current_scoping_submission',
        ),
        migrations.RemoveConstraint(
            model_name='scopingsubmission',
            name='scoping_version_positive',
        ),
        migrations.AlterField(
            model_name='ownerdecision',
            name='cycle_report',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cycles.cyclereport'),
        ),
        migrations.AlterField(
            model_name='scopingsubmission',
            name='cycle_report',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cycles.cyclereport'),
        ),
        migrations.AddConstraint(
            model_name='ownerdecision',
            constraint=models.UniqueConstraint(fields=('cycle_report', 'version'), name='scoping_ownerdecision_version_unique'),
        ),
        migrations.AddConstraint(
            model_name='ownerdecision',
            constraint=models.CheckConstraint(condition=models.Q(('outcome', 'approved'), models.Q(('comments', ''), _negated=True), _connector='OR'), name='scoping_ownerdecision_sent_back_with_comments'),
        ),
        migrations.AddConstraint(
            model_name='scopingsubmission',
            constraint=models.UniqueConstraint(fields=('cycle_report', 'version'), name='scoping_scopingsubmission_version_unique'),
        ),
        migrations.AddConstraint(
            model_name='scopingsubmission',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded_at__isnull', True)), fields=('cycle_report',), name='scoping_scopingsubmission_one_current'),
        ),
        migrations.AddConstraint(
            model_name='scopingsubmission',
            constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='scoping_scopingsubmission_version_positive'),
        ),
    ]
