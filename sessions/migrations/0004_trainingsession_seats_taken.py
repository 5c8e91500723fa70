from django.db import migrations, models

# The stored counter starts from the source of truth: each session's confirmed enrolments (participants'
# table, read by name here: sessions may not import participants' models). Plain SQL that PostgreSQL and
# SQLite both run.
FILL = """
UPDATE training_sessions_trainingsession SET seats_taken = (
    SELECT count(*) FROM participants_enrolment AS e
    WHERE e.session_id = training_sessions_trainingsession.id AND e.state = 'confirmed'
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("training_sessions", "0003_materials_and_photos"),
        ("participants", "0001_initial"),  # the enrolments table the counter is filled from
    ]

    operations = [
        migrations.AddField(
            model_name="trainingsession",
            name="seats_taken",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="seats taken"),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
