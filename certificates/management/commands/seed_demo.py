"""The demo programs of DESIGN.md. It lives in the top app because it seeds every app below it;
each app keeps its own part in `demo.py`. Running it twice changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import formats, timezone

from accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_users
from certificates.demo import seed_certificates
from faculty.demo import seed_materials
from participants.attendance import checkin_window
from participants.demo import seed_lawyers, seed_live_lawyers
from participants.models import Admission, Attendance, AttendanceChange, Enrolment, Participant
from sessions.demo import seed_history, seed_live
from sessions.models import Program, TrainingSession


class Command(BaseCommand):
    help = (
        "Create the demo programs and their people (password demo-pass-2025): fipr-2025, finished, and "
        "fipr-live, built around now. Idempotent; DEBUG only."
    )

    def add_arguments(self, parser):
        # The benchmark scales the finished program (its history is what the pages read); fipr-live keeps its size.
        parser.add_argument("--sessions", type=int, default=40, help="sessions in fipr-2025 (default 40)")
        parser.add_argument("--faculty", type=int, default=30, help="faculty in the directory (default 30)")
        parser.add_argument("--participants", type=int, default=320, help="lawyers in fipr-2025 (default 320)")

    def handle(self, *args, sessions, faculty, participants, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo writes well-known passwords and refuses to run with DEBUG off.")
        if sessions < 1 or faculty < 2 or participants < 1:
            raise CommandError("--sessions and --participants must be at least 1, --faculty at least 2.")
        with transaction.atomic():
            users = seed_users()
            teacher, lawyer, admin = (users[f"{role}@demo.test"] for role in ("faculty", "lawyer", "admin"))
            history = seed_history(sessions=sessions, faculty=faculty, faculty_user=teacher)
            seed_lawyers(history, count=participants, demo_user=lawyer)
            live = seed_live(faculty_user=teacher)
            seed_live_lawyers(live, demo_user=lawyer)
            _analyze()
            for program in (history, live):
                seed_materials(program, by=teacher)
            seed_certificates(history, by=admin)
        for program in (history, live):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data ready: {program.slug} {program} ({program.sessions.count()} sessions, "
                    f"{program.admissions.filter(state='admitted').count()} lawyers admitted)."
                )
            )
        self._say_when_checkin_opens(live)
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role.value:<14} {email:<20} {DEMO_PASSWORD}")

    def _say_when_checkin_opens(self, live: Program) -> None:
        """Where to try check-in now, or, when fipr-live was built on an earlier day, how to build it anew."""
        now = timezone.now()
        for session in live.sessions.filter(is_required=True, ends_at__gt=now).order_by("starts_at")[:1]:
            opens, _late, closes = checkin_window(session)
            if opens <= now <= closes:
                self.stdout.write(
                    f"  Check-in is open for “{session.title}” until "
                    f"{formats.time_format(timezone.localtime(closes), 'H:i')}: "
                    f"/sessions/{session.pk}/attendance/screen/ (faculty@demo.test)."
                )
                return
        built = formats.date_format(timezone.localtime(live.created_at), "Y-m-d")
        self.stdout.write(
            f"  fipr-live was built around {built}. To build it around today, start from an empty "
            "database (make run: delete var/db.sqlite3)."
        )


def _analyze() -> None:
    """Right after a bulk load PostgreSQL's statistics still describe empty tables (autovacuum may be off,
    or not have run yet), and it would plan the next queries (and the first requests) for them."""
    if connection.vendor != "postgresql":
        return
    loaded = [Participant, Admission, Enrolment, Attendance, AttendanceChange, TrainingSession]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in loaded)}")
