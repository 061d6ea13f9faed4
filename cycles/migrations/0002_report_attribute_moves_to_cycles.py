"""ReportAttribute, a report's catalogue, moves from the Scoping app to the
core: every phase tests attributes. Only Django's idea of which app owns the
model changes; the table keeps its name and its rows (scoping 0004 takes it
out of Scoping's state)."""
import django.db.models.deletion
from django.db import migrations, models


def content_type_moves_too(apps, schema_editor):
    # Permissions granted on the model (to groups, to people) follow it.
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="cycles", model="reportattribute").exists():
        ContentType.objects.filter(app_label="scoping", model="reportattribute").update(app_label="cycles")


def content_type_moves_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="scoping", model="reportattribute").exists():
        ContentType.objects.filter(app_label="cycles", model="reportattribute").update(app_label="scoping")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("cycles", "0001_initial"),
        ("scoping", "0003_approver_is_not_the_reviewer_of_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReportAttribute",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("line_number", models.PositiveIntegerField(default=0)),
                        ("name", models.CharField(max_length=200)),
                        ("description", models.TextField(blank=True)),
                        ("data_type", models.CharField(choices=[("string", "String"), ("integer", "Integer"), ("decimal", "Decimal"), ("date", "Date"), ("boolean", "Boolean"), ("code", "Code (enumerated)")], max_length=20)),
                        ("is_primary_key", models.BooleanField(default=False)),
                        ("is_cde", models.BooleanField(default=False, verbose_name="critical data element")),
                        ("has_historical_issues", models.BooleanField(default=False)),
                        ("is_mandatory", models.BooleanField(default=False)),
                        ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attributes", to="cycles.report")),
                    ],
                    options={
                        "db_table": "scoping_reportattribute",
                        "ordering": ["report", "line_number", "id"],
                        "constraints": [models.UniqueConstraint(fields=("report", "name"), name="attribute_name_unique_in_report")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_moves_too, content_type_moves_back),
    ]
