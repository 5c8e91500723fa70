"""import_participants FILE --program SLUG [--dry-run] [--only-valid]"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from participants import importing
from sessions.models import Program
from trainingprog.licences import redact_licences


class Command(BaseCommand):
    help = "Import a provincial list of lawyers (CSV in UTF-8 or GBK, or XLSX) and admit them to a program."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--program", required=True, help="the program's slug")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--only-valid", action="store_true", help="import the valid rows even if others fail")

    def handle(self, *args, file, program, dry_run, only_valid, **options):
        target = Program.objects.filter(slug=program).first()
        if target is None:
            raise CommandError(f"No program with the slug {program!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {file}.")
        try:
            report = importing.parse(path.read_bytes(), path.name, target)
        except importing.ImportFileError as error:
            raise CommandError(str(error)) from error
        for row in report.invalid_rows:
            for column, message in row.errors:  # cron keeps this output: no licence number in it
                self.stderr.write(redact_licences(f"row {row.number}, {column}: {message}"))
        if report.unknown_columns:
            self.stdout.write("ignored columns: " + ", ".join(report.unknown_columns))
        self.stdout.write(f"{len(report.valid_rows)} valid row(s), {len(report.invalid_rows)} with errors.")
        if dry_run:
            return
        try:
            outcome = importing.apply(report, target, by=None, only_valid=only_valid)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from error
        importing.queue_invitations(outcome.new_user_ids)
        self.stdout.write(
            self.style.SUCCESS(
                f"{outcome.created} lawyer(s) created, {outcome.updated} updated, {outcome.skipped} skipped; "
                f"{len(outcome.new_user_ids)} invitation(s) queued."
            )
        )
