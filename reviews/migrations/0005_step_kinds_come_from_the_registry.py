from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0004_workflow_message_outbox'),
    ]

    operations = [
        migrations.AlterField(
            model_name='humantask',
            name='kind',
            field=models.CharField(max_length=30),
        ),
        migrations.AlterField(
            model_name='inboundsubmission',
            name='kind',
            field=models.CharField(max_length=30),
        ),
    ]
