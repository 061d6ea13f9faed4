from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cycles', '0005_remove_cyclereport_scoping_status'),
    ]

    operations = [
        migrations.AddField(
            model_name='testcycle',
            name='sample_size_default',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
