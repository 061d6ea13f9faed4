from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0002: on PostgreSQL a table cannot be altered in the
    # transaction that updated its (deferred) foreign keys.

    dependencies = [("scoping", "0002_owner_decision_reviewer_of_record")]

    operations = [
        migrations.AddConstraint(
            model_name='ownerdecision',
            constraint=models.CheckConstraint(condition=models.Q(('review_submitted_by__isnull', True), models.Q(models.Q(('decided_by', models.F('review_submitted_by')), _negated=True), models.Q(('decided_by', models.F('review_on_behalf_of')), _negated=True), models.Q(('on_behalf_of', models.F('review_submitted_by')), _negated=True), models.Q(('on_behalf_of', models.F('review_on_behalf_of')), _negated=True)), _connector='OR'), name='approver_is_not_the_reviewer_of_record'),
        ),
    ]
