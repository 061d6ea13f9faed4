import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_reviewer_of_record(apps, schema_editor):
    """Fill the copy for decisions already recorded. One that broke the rule
    (approved by its own reviewer of record, before the rule covered the
    person a review was done for) keeps null: history is not rewritten, and
    the constraint guards every decision from now on."""
    OwnerDecision = apps.get_model("scoping", "OwnerDecision")
    for decision in OwnerDecision.objects.select_related("submission").iterator():
        reviewers = {decision.submission.submitted_by_id, decision.submission.on_behalf_of_id}
        if decision.decided_by_id in reviewers or decision.on_behalf_of_id in reviewers:
            continue
        OwnerDecision.objects.filter(pk=decision.pk).update(
            submitter_of_record_id=decision.submission.submitted_by_id,
            submitted_for_id=decision.submission.on_behalf_of_id,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cycles', '0001_initial'),
        ('scoping', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='ownerdecision',
            name='submitted_for',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='ownerdecision',
            name='submitter_of_record',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(copy_reviewer_of_record, migrations.RunPython.noop),
    ]
