"""`manage.py issue_certificates --program SLUG`: a certificate for every lawyer who meets the rule."""

from django.core.management.base import BaseCommand, CommandError

from certificates import services
from sessions.models import Program


class Command(BaseCommand):
    help = "Issue certificates to every admitted lawyer of the program who meets its completion rule."

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="the program's slug")

    def handle(self, *args, program, **options):
        found = Program.objects.filter(slug=program).first()
        if found is None:
            raise CommandError(f"No program with the slug “{program}”.")
        issued = 0
        for lawyer in services.eligible(found).select_related("user").iterator(chunk_size=200):
            certificate = services.issue_certificate(participant=lawyer, program=found, by=None, figures=lawyer)
            issued += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"{certificate.serial}  {lawyer.name_zh}")
        total = found.certificates.count()
        self.stdout.write(self.style.SUCCESS(f"{issued} certificates issued; the program has {total} in all."))
