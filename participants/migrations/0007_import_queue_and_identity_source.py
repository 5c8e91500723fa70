"""Imports: a job can wait for the worker (queued) and says since when it is queued or running, so a lost one
is given back; a lawyer's identity history says whether a change came from a provincial list, whose reason is
then its file name only (the words around it are said in the reader's language)."""

import re

from django.db import migrations, models

# How reasons from lists were stored before: the words in the language of the process that imported.
_STORED = re.compile(r"^(?:省级名单|Provincial list )“(?P<file>.*)”$", re.DOTALL)


def file_names_only(apps, schema_editor):
    IdentityChange = apps.get_model("participants", "IdentityChange")
    for change in IdentityChange.objects.filter(reason__endswith="”").only("reason").iterator():
        found = _STORED.match(change.reason)
        if found and found["file"]:
            IdentityChange.objects.filter(pk=change.pk).update(source="list", reason=found["file"])


def words_again(apps, schema_editor):
    IdentityChange = apps.get_model("participants", "IdentityChange")
    for change in IdentityChange.objects.filter(source="list").only("reason").iterator():
        IdentityChange.objects.filter(pk=change.pk).update(reason=f"省级名单“{change.reason}”"[:300])


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0006_quota_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="identitychange",
            name="source",
            field=models.CharField(
                choices=[("office", "Program office"), ("list", "Provincial list")],
                default="office",
                max_length=10,
                verbose_name="changed in",
            ),
        ),
        migrations.AddField(
            model_name="importjob",
            name="state_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="state",
            field=models.CharField(
                choices=[
                    ("checked", "Checked"),
                    ("queued", "Waiting to start"),
                    ("running", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Failed"),
                ],
                default="checked",
                max_length=10,
            ),
        ),
        migrations.RunPython(file_names_only, words_again),
    ]
