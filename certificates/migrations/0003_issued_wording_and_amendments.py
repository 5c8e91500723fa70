"""A certificate keeps what it says as issued (the holder's names and firm; the program's names, organisers
and dates), and the corrections of the holder's names made since. Existing certificates take the values
their holder and program have now, which is what their PDFs were drawn from unless a profile or a program
was changed after issuing."""

import datetime

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def copy_issued_wording(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    for certificate in Certificate.objects.select_related("participant", "program").iterator(chunk_size=500):
        lawyer, program = certificate.participant, certificate.program
        certificate.holder_name_zh = lawyer.name_zh
        certificate.holder_name_latin = lawyer.name_latin
        certificate.holder_law_firm = lawyer.law_firm
        certificate.program_name_zh = program.name_zh
        certificate.program_name_en = program.name_en
        certificate.organisers_zh = program.organisers_zh
        certificate.organisers_en = program.organisers_en
        certificate.starts_on = program.starts_on
        certificate.ends_on = program.ends_on
        certificate.save(
            update_fields=[
                "holder_name_zh",
                "holder_name_latin",
                "holder_law_firm",
                "program_name_zh",
                "program_name_en",
                "organisers_zh",
                "organisers_en",
                "starts_on",
                "ends_on",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0002_issue_jobs"),
        ("participants", "0003_checkin_and_attendance"),
        ("training_sessions", "0003_materials_and_photos"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The defaults below only fill the new columns of existing rows until copy_issued_wording runs.
    operations = [
        migrations.AddField(
            model_name="certificate",
            name="holder_name_zh",
            field=models.CharField(default="", max_length=60, verbose_name="holder's name"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificate",
            name="holder_name_latin",
            field=models.CharField(blank=True, max_length=100, verbose_name="holder's name in Latin letters"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="holder_law_firm",
            field=models.CharField(blank=True, max_length=200, verbose_name="holder's law firm"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="program_name_zh",
            field=models.CharField(default="", max_length=200, verbose_name="program name (Chinese)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificate",
            name="program_name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="program name (English)"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="organisers_zh",
            field=models.CharField(default="", max_length=300, verbose_name="organisers (Chinese)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificate",
            name="organisers_en",
            field=models.CharField(blank=True, max_length=300, verbose_name="organisers (English)"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="starts_on",
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name="first day"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificate",
            name="ends_on",
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name="last day"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="CertificateAmendment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("before", models.JSONField(verbose_name="before")),
                ("after", models.JSONField(verbose_name="after")),
                ("reason", models.CharField(max_length=300, verbose_name="reason")),
                ("amended_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="corrected")),
                (
                    "amended_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "certificate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="amendments",
                        to="certificates.certificate",
                    ),
                ),
            ],
            options={
                "verbose_name": "certificate correction",
                "verbose_name_plural": "certificate corrections",
                "ordering": ["-amended_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True), name="amendment_has_reason"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_issued_wording, migrations.RunPython.noop),
    ]
