"""ReportAttribute now belongs to the core (cycles 0002): Scoping's models
point at it there. The table and its foreign keys do not change."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cycles", "0002_report_attribute_moves_to_cycles"),
        ("scoping", "0003_approver_is_not_the_reviewer_of_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="recommendation",
                    name="attribute",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="recommendations", to="cycles.reportattribute"),
                ),
                migrations.AlterField(
                    model_name="scopingdecision",
                    name="attribute",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="cycles.reportattribute"),
                ),
                migrations.DeleteModel(name="ReportAttribute"),
            ],
            database_operations=[],
        ),
    ]
