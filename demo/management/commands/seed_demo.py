"""The demo programs of DESIGN.md. It lives in the top app because it seeds every app below it;
each app keeps its own part in `demo.py`. Running it twice on a day changes nothing; on a later day
(`make run` weeks on) fipr-live is built anew around that day, and the rest is kept as it is."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone

from assessment.models import Submission
from certificates.models import Certificate, CertificateDesign
from demo.accounts import DEMO_PASSWORD, DEMO_USERS, seed_users
from demo.assessment import seed_coursework
from demo.certificates import seed_certificates
from demo.evaluations import seed_evaluations
from demo.faculty import seed_materials
from demo.nominations import seed_nominations
from demo.participants import DEMO_DOMAIN, seed_lawyers, seed_live_lawyers
from demo.practice import seed_practice, seed_questions
from demo.sessions import LIVE_SLUG, built_today, seed_history, seed_live
from faculty.models import Material, MaterialVersion
from participants.models import Admission, Attendance, AttendanceChange, Enrolment, ImportJob, Participant
from participants.services import checkin_window
from sessions.models import Program, TrainingSession


class Command(BaseCommand):
    help = (
        "Create the demo programs and their people (password demo-pass-2025): fipr-2025, finished, and "
        "fipr-live, built around the day it runs (built anew on a later day). Idempotent within a day; DEBUG only."
    )

    def add_arguments(self, parser):
        # The benchmark scales the finished program (its history is what the pages read); fipr-live keeps its size.
        parser.add_argument("--sessions", type=int, default=40, help="sessions in fipr-2025 (default 40)")
        parser.add_argument("--faculty", type=int, default=30, help="faculty in the directory (default 30)")
        parser.add_argument("--participants", type=int, default=320, help="lawyers in fipr-2025 (default 320)")
        parser.add_argument(
            "--rebuild-live",
            action="store_true",
            help="build fipr-live anew around this moment, even if it was built today (demo data only)",
        )

    def handle(self, *args, sessions, faculty, participants, rebuild_live, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo writes well-known passwords and refuses to run with DEBUG off.")
        if sessions < 1 or faculty < 2 or participants < 1:
            raise CommandError("--sessions and --participants must be at least 1, --faculty at least 2.")
        with transaction.atomic():
            users = seed_users()
            teacher, lawyer, admin = (users[f"{role}@demo.test"] for role in ("faculty", "lawyer", "admin"))
            history = seed_history(sessions=sessions, faculty=faculty, faculty_user=teacher)
            seed_lawyers(history, count=participants, demo_user=lawyer)
            self._remove_stale_live(rebuild=rebuild_live)
            live = seed_live(faculty_user=teacher)
            seed_live_lawyers(live, demo_user=lawyer)
            seed_nominations(live, coordinator_user=users["province@demo.test"], admin=admin, returning_from=history)
            seed_coursework(live, teacher=teacher, demo_lawyer=lawyer.participant)
            seed_evaluations(live, demo_lawyer_user=lawyer)
            seed_practice(live, teacher=teacher, demo_lawyer=lawyer.participant, admin=admin)
            seed_questions(live, teacher=teacher, demo_lawyer=lawyer.participant, admin=admin)
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

    def _remove_stale_live(self, *, rebuild: bool) -> None:
        """fipr-live removed, to be built again around now, when it was built on another day (or `rebuild`).
        Only the demo's: a program of that name holding anyone but the demo's people is kept as it is."""
        live = Program.objects.filter(slug=LIVE_SLUG).first()
        if live is None or (built_today(live) and not rebuild):
            return
        built = formats.date_format(timezone.localtime(live.created_at), "Y-m-d H:i")
        if not _demo_only(live):
            self.stdout.write(
                self.style.WARNING(
                    f"  {LIVE_SLUG} (built around {built}) holds people who are not the demo's "
                    f"(not {DEMO_DOMAIN}): kept as it is."
                )
            )
            return
        _remove_program(live)
        self.stdout.write(f"  {LIVE_SLUG} was built around {built}: built anew around now.")

    def _say_when_checkin_opens(self, live: Program) -> None:
        """Where to try check-in now, or, when its check-in has closed today, how to build it anew."""
        now = timezone.now()
        for session in live.sessions.filter(is_required=True, ends_at__gt=now).order_by("starts_at")[:1]:
            opens, _late, closes = checkin_window(session)
            if opens <= now <= closes:
                self.stdout.write(
                    f"  Check-in is open for “{session.title}” until "
                    f"{formats.time_format(timezone.localtime(closes), 'H:i')}: "
                    f"{settings.SITE_URL}{reverse('participants:checkin_screen', args=[session.pk])} "
                    "(faculty@demo.test)."
                )
                return
        built = formats.date_format(timezone.localtime(live.created_at), "Y-m-d H:i")
        self.stdout.write(
            f"  No check-in is open now: {LIVE_SLUG} was built around {built}. To build it around this moment: "
            "python manage.py seed_demo --rebuild-live"
        )


def _demo_only(program: Program) -> bool:
    """No one but the demo's people applied to the program, posted its materials or uploaded its lists."""
    people = (
        Q(participant__admissions__program=program)
        | Q(pk__in=Material.objects.filter(session__program=program).values("created_by"))
        | Q(pk__in=ImportJob.objects.filter(program=program).values("uploaded_by"))
    )
    return not get_user_model().objects.filter(people).exclude(email__endswith=DEMO_DOMAIN).exists()


def _remove_program(program: Program) -> None:
    """The program with everything in it (its certificates first: they are kept otherwise) and, once that
    is committed, its files. Its people, the faculty directory and the venues stay: the rebuild uses them."""
    certificates = Certificate.objects.filter(program=program)
    files = [
        *certificates.values_list("pdf", flat=True),
        *MaterialVersion.objects.filter(material__session__program=program).values_list("file", flat=True),
        *ImportJob.objects.filter(program=program).values_list("file", flat=True),
        *Submission.objects.filter(assignment__program=program).exclude(file="").values_list("file", flat=True),
        *CertificateDesign.objects.filter(program=program).exclude(seal="").values_list("seal", flat=True),
    ]
    certificates.delete()
    program.delete()
    if connection.vendor == "postgresql":
        # The foreign-key checks PostgreSQL deferred for the deleted rows, run now: a table with checks
        # pending cannot be indexed, and loading the new cohort rebuilds its tables' indexes.
        connection.check_constraints()
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _analyze() -> None:
    """Right after a bulk load PostgreSQL's statistics still describe empty tables (autovacuum may be off,
    or not have run yet), and it would plan the next queries (and the first requests) for them."""
    if connection.vendor != "postgresql":
        return
    loaded = [Participant, Admission, Enrolment, Attendance, AttendanceChange, TrainingSession]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in loaded)}")
