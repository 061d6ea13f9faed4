from django.db import migrations


class Migration(migrations.Migration):
    # Apart from 0004: on PostgreSQL a table cannot be altered in the
    # transaction that wrote rows pointing at it with deferred foreign keys.

    dependencies = [("cycles", "0004_copy_scoping_status_and_freeze_attributes")]

    operations = [migrations.RemoveField(model_name="cyclereport", name="scoping_status")]
