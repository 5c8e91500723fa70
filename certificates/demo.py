"""Demo certificates for `seed_demo`: every lawyer who completed has one; one is revoked."""

from sessions.models import Program

from .models import Certificate
from .services import BATCH, certificate_revoke, eligible, issue_batch


def seed_certificates(program: Program, by) -> None:
    if Certificate.objects.filter(program=program).exists():
        return
    ids = list(eligible(program).order_by("province__code", "name_latin").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        issue_batch(
            program=program, participant_ids=ids[start : start + BATCH], by=by, notify_holders=False
        )  # old news
    last = Certificate.objects.filter(program=program).exclude(participant__user__email="lawyer@demo.test").last()
    if last is not None:
        certificate_revoke(certificate=last, by=by, reason="执业证状态核查未通过，经项目办公室复核撤销。")
