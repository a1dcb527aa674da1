"""Facilities and the three role groups are reference data every database needs."""

from django.db import migrations

FACILITIES = [
    "daylight", "water", "heavy_power", "ground_floor", "loading_access", "soundproofing",
    "dust_extraction", "kiln", "darkroom", "shop_window",
]
GROUPS = ["creative", "programmer", "city bureau"]


def add_reference_data(apps, schema_editor):
    Facility = apps.get_model("broedplaats", "Facility")
    Group = apps.get_model("auth", "Group")
    for code in FACILITIES:
        Facility.objects.get_or_create(code=code)
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("broedplaats", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(add_reference_data, migrations.RunPython.noop)]
