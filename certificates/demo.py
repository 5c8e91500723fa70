"""Demo certificates for `seed_demo`: every lawyer who completed has one; one is revoked."""

from sessions.models import Program

from .models import Certificate
from .services import certificate_revoke, eligible, issue_certificate


def seed_certificates(program: Program, by) -> None:
    if Certificate.objects.filter(program=program).exists():
        return
    for lawyer in eligible(program).select_related("user").order_by("province__code", "name_latin"):
        issue_certificate(participant=lawyer, program=program, by=by, notify_holder=False, figures=lawyer)  # old news
    last = Certificate.objects.filter(program=program).exclude(participant__user__email="lawyer@demo.test").last()
    if last is not None:
        certificate_revoke(certificate=last, by=by, reason="执业证状态核查未通过，经项目办公室复核撤销。")
