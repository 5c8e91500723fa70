"""import_participants FILE --program SLUG [--dry-run] [--only-valid]"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from common.licences import redact_licences
from participants import importing
from sessions.models import Program


class Command(BaseCommand):
    help = "Import a provincial list of lawyers (CSV in UTF-8 or GBK, or XLSX) and admit them to a program."
    # No system checks before each run (they load every URL and view: 0.4 s of a 10,000-row import's 4 s); they
    # run at each deployment, with `migrate` and `check --deploy`.
    requires_system_checks = []

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
            table = importing.read(path.read_bytes(), path.name)
            # Checked and written in one transaction, under the import lock: what is reported is what is written.
            with transaction.atomic():
                if not dry_run:
                    importing.lock_for_import(target)
                report = importing.check_table(table, target)
                self._report(report)
                if dry_run:
                    return
                outcome = importing.write_rows(
                    report=report, program=target, by=None, source=path.name, only_valid=only_valid
                )
                importing.queue_invitations(outcome.new_user_ids)
        except importing.ImportFileError as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError(error.messages[0]) from error
        except (IntegrityError, importing.ChangedMeanwhile) as error:
            raise CommandError(
                "Lawyers of the file were changed while it was imported; nothing was written. Run again."
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{outcome.created} lawyer(s) created, {outcome.updated} updated, {outcome.skipped} skipped; "
                f"{len(outcome.new_user_ids)} invitation(s) queued."
            )
        )

    def _report(self, report: importing.Report) -> None:
        for row in report.invalid_rows:
            for problem in row.errors:  # cron keeps this output: no licence number in it
                self.stderr.write(redact_licences(f"row {row.number}, {problem.column}: {problem.message}"))
        for value, rows in report.new_specialties.items():
            self.stdout.write(f"new specialty, kept as written: {value} ({rows} row(s))")
        if report.unknown_columns:
            self.stdout.write("ignored columns: " + ", ".join(report.unknown_columns))
        self.stdout.write(f"{len(report.valid_rows)} valid row(s), {len(report.invalid_rows)} with errors.")
