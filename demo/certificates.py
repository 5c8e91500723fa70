"""Demo certificates for `seed_demo`: every lawyer who completed has one (up to SAMPLE); one is revoked."""

from certificates.models import Certificate
from certificates.services import BATCH, certificate_revoke, eligible, issue_batch
from sessions.models import Program

# Each certificate is a rendered PDF. The default demo's 277 lawyers who completed all get theirs; at the
# benchmark's 10,000 lawyers the others stay eligible, as if the office were issuing them now (PDFs for
# 8,500 would take minutes).
SAMPLE = 300
DEMO_LAWYER = "lawyer@demo.test"


def seed_certificates(program: Program, by) -> None:
    if Certificate.objects.filter(program=program).exists():
        return
    completed = eligible(program)
    ids = list(completed.order_by("province__code", "name_latin").values_list("pk", flat=True)[:SAMPLE])
    if len(ids) == SAMPLE:  # "My program" shows the demo lawyer's certificate
        ids += [pk for pk in completed.filter(user__email=DEMO_LAWYER).values_list("pk", flat=True) if pk not in ids]
    for start in range(0, len(ids), BATCH):
        issue_batch(
            program=program, participant_ids=ids[start : start + BATCH], by=by, notify_holders=False
        )  # old news
    last = Certificate.objects.filter(program=program).exclude(participant__user__email=DEMO_LAWYER).last()
    if last is not None:
        certificate_revoke(certificate=last, by=by, reason="执业证状态核查未通过，经项目办公室复核撤销。")
