"""The three stages are reference data every database needs, not demo data."""

from django.db import migrations

STAGES = [("idea", 1), ("making", 2), ("distribution", 3)]


def add_stages(apps, schema_editor):
    Stage = apps.get_model("chains", "Stage")
    for code, order in STAGES:
        Stage.objects.update_or_create(code=code, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("chains", "0002_stagemove_building")]
    operations = [migrations.RunPython(add_stages, migrations.RunPython.noop)]
