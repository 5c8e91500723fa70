"""rebuild_progress [--program SLUG ...]: every lawyer's stored figures computed again from attendance and seats."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from participants.services import progress
from sessions.models import Program


class Command(BaseCommand):
    help = (
        "Compute every lawyer's stored progress (required sessions attended, credit hours, when they fall short) "
        "again from their attendance and seats: after rows were written around the services (a restore, a "
        "hand-made correction in SQL). The services keep it exact otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", action="append", default=[], help="a program's slug (repeatable; all if none)")

    def handle(self, *args, program, **options):
        programs = Program.objects.order_by("pk")
        if program:
            programs = programs.filter(slug__in=program)
            missing = set(program) - set(programs.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No program with the slug {', '.join(sorted(missing))}.")
        for each in programs:
            started = time.monotonic()
            with transaction.atomic():
                rows = progress.rebuild(each)
            self.stdout.write(f"{each.slug}: {rows} lawyers in {time.monotonic() - started:.2f} s")
