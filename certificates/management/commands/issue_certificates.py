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
        ids = list(services.eligible(found).values_list("pk", flat=True))
        issued = 0
        for start in range(0, len(ids), services.BATCH):
            made, _refused = services.issue_batch(
                program=found, participant_ids=ids[start : start + services.BATCH], by=None
            )
            issued += len(made)
            if options["verbosity"] > 1:
                self.stdout.writelines(f"{c.serial}  {c.participant.name_zh}\n" for c in made)
        total = found.certificates.count()
        self.stdout.write(self.style.SUCCESS(f"{issued} certificates issued; the program has {total} in all."))
