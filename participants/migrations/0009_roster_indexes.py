"""The door roster pages through indexes: lawyers in its order (Latin name, Chinese name, id), each seat looked
up in the seats of a session (confirmed enrolments only), instead of sorting all of a session's seats."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0008_stored_progress"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="enrolment",
            index=models.Index(
                condition=models.Q(("state", "confirmed")), fields=["session", "participant"], name="enrolment_seat_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(fields=["name_latin", "name_zh", "id"], name="participant_roster_order_idx"),
        ),
    ]
