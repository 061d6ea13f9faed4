"""The contract (issue 11) names the rule-based recommender's source `rules`;
rows written before said `rules-v1`. Migrated rather than mapped at read
time, so that the API, the agreement report and the ledger all group by one
name; the version moves to prompt_version, where it is kept for every
rule-based recommendation from now on."""
from django.db import migrations


def forwards(apps, schema_editor):
    Recommendation = apps.get_model("scoping", "Recommendation")
    Recommendation.objects.filter(source="rules-v1").update(source="rules", prompt_version="rules-v1")


def backwards(apps, schema_editor):
    Recommendation = apps.get_model("scoping", "Recommendation")
    Recommendation.objects.filter(source="rules", prompt_version="rules-v1").update(source="rules-v1", prompt_version="")


class Migration(migrations.Migration):
    dependencies = [("scoping", "0007_recommendation_traceability_and_model_call_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]
