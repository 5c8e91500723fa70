"""The 34 provincial-level divisions (GB/T 2260), shipped with the app."""

from django.db import migrations

from participants.provinces import sync_provinces


def add_provinces(apps, schema_editor):
    sync_provinces(apps.get_model("participants", "Province"))


def remove_provinces(apps, schema_editor):
    apps.get_model("participants", "Province").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("participants", "0001_initial")]

    operations = [migrations.RunPython(add_provinces, remove_provinces)]
