from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0002: on PostgreSQL a table cannot be altered in the
    # transaction that updated its (deferred) foreign keys.

    dependencies = [("scoping", "0002_owner_decision_reviewer_of_record")]

    operations = [
        migrations.AddConstraint(
            model_name='ownerdecision',
            constraint=models.CheckConstraint(condition=models.Q(('submitter_of_record__isnull', True), models.Q(models.Q(('decided_by', models.F('submitter_of_record')), _negated=True), models.Q(('decided_by', models.F('submitted_for')), _negated=True), models.Q(('on_behalf_of', models.F('submitter_of_record')), _negated=True), models.Q(('on_behalf_of', models.F('submitted_for')), _negated=True)), _connector='OR'), name='scoping_ownerdecision_not_by_submitter'),
        ),
    ]
