"""The demo program of DESIGN.md. It lives in the top app because it seeds every app below it;
each app keeps its own part in `demo.py`. Running it twice changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_users
from certificates.demo import seed_certificates
from faculty.demo import seed_materials
from participants.demo import seed_lawyers
from participants.models import Admission, Attendance, AttendanceChange, Enrolment, Participant
from sessions.demo import seed_program
from sessions.models import TrainingSession


class Command(BaseCommand):
    help = "Create the demo program and its people (password demo-pass-2025). Idempotent; DEBUG only."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=40, help="sessions in the program (default 40)")
        parser.add_argument("--faculty", type=int, default=30, help="faculty in the directory (default 30)")
        parser.add_argument("--participants", type=int, default=320, help="lawyers admitted (default 320)")

    def handle(self, *args, sessions, faculty, participants, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo writes well-known passwords and refuses to run with DEBUG off.")
        if sessions < 1 or faculty < 2 or participants < 1:
            raise CommandError("--sessions and --participants must be at least 1, --faculty at least 2.")
        with transaction.atomic():
            users = seed_users()
            program = seed_program(sessions=sessions, faculty=faculty, faculty_user=users["faculty@demo.test"])
            seed_lawyers(program, count=participants, demo_user=users["lawyer@demo.test"])
            _analyze()
            seed_materials(program, by=users["faculty@demo.test"])
            seed_certificates(program, by=users["admin@demo.test"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {program} ({program.sessions.count()} sessions, "
                f"{program.admissions.count()} lawyers admitted)."
            )
        )
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role.value:<14} {email:<20} {DEMO_PASSWORD}")


def _analyze() -> None:
    """Right after a bulk load PostgreSQL's statistics still describe empty tables (autovacuum may be off,
    or not have run yet), and it would plan the next queries (and the first requests) for them."""
    if connection.vendor != "postgresql":
        return
    loaded = [Participant, Admission, Enrolment, Attendance, AttendanceChange, TrainingSession]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in loaded)}")
