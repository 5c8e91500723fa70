"""An import writing while others write (PostgreSQL, threads): it takes the locks in the order every writer keeps
(the import lock, the program, its required sessions, then the lawyers), so it deadlocks with no enrolment; and it
reads the lawyers it updates under their row locks and writes only what the list changes, so a change a lawyer or
the office saves meanwhile is neither reverted nor lost."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from participants import importing, services
from participants.models import Admission, AdmissionState, Enrolment, EnrolmentState, IdentityChange, Participant
from participants.services.profiles import participant_contact_update, participant_update
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory, SessionFactory
from tests.support import wait_for

from .support import HEADER_ZH, csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)


class Running:
    """A call in a thread of its own (its own database connection): its result, or the error it raised."""

    def __init__(self, name: str, call):
        self.result, self.done = None, threading.Event()

        def run():
            try:
                self.result = call()
            except Exception as error:  # noqa: BLE001 - handed to the test, which asserts on it
                self.result = error
            finally:
                connection.close()
                self.done.set()

        self.thread = threading.Thread(target=run, name=name, daemon=True)
        self.thread.start()

    def finish(self):
        self.thread.join(60)
        assert not self.thread.is_alive(), f"{self.thread.name} is still running"
        assert not isinstance(self.result, Exception), f"{self.thread.name}: {self.result!r}"
        return self.result


def _waiting_on_locks() -> int:
    """Backends of this test's database waiting for a lock another holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def _holding(name: str, hold, *, rollback: bool = False):
    """Another transaction doing `hold()` and keeping what it locked until `release` is set (then committed, or
    rolled back)."""
    held, release = threading.Event(), threading.Event()

    def work():
        with transaction.atomic():
            hold()
            held.set()
            release.wait(60)
            transaction.set_rollback(rollback)

    holder = Running(name, work)
    assert held.wait(30), f"{name} did not start"
    return holder, release


def _row(lawyer: Participant, *, firm: str, email: str = "") -> str:
    """The lawyer as a provincial list names them: the Latin name, mobile and city cells left empty."""
    return f"{lawyer.name_zh},,男,{lawyer.license_number},{firm},广东,,,{email or lawyer.user.email},,,"


# --- a change saved while the import writes ------------------------------------------------------------------
def _lawyer_changes_mobile(lawyer, administrator):
    participant_contact_update(participant=lawyer, values={"mobile": "13999999999"})
    return {"mobile": "13999999999"}


def _office_corrects_latin_name(lawyer, administrator):
    values = {"name_latin": "Wang Fangfang"}
    participant_update(participant=lawyer, values=values, by=administrator, reason="按律协执业信息更正")
    return values


@pytest.mark.parametrize("change", [_lawyer_changes_mobile, _office_corrects_latin_name], ids=["lawyer", "office"])
def test_a_change_saved_while_an_import_writes_the_lawyer_is_neither_reverted_nor_lost(change, administrator):
    program = ProgramFactory()
    lawyer = ParticipantFactory(mobile="13800000000", name_latin="Wang Fang")
    # A second row, a new lawyer, whose account the import creates: an application with the same address is being
    # sent right now, so the import waits on it, after it read the lawyer and before it writes them.
    lines = [HEADER_ZH, _row(lawyer, firm="新的律所"), "新律师,,女,14401201899999999,某所,广东,深圳,,new@example.cn,,,"]
    report = importing.parse(csv_bytes(lines), "gd.csv", program)
    assert report.all_valid, [row.errors for row in report.rows]
    applicant, give_up = _holding(
        "applicant", lambda: get_user_model().objects.create(email="new@example.cn"), rollback=True
    )
    writing = Running(
        "import", lambda: importing.apply(report=report, program=program, by=administrator, source="gd.csv")
    )
    wait_for(lambda: _waiting_on_locks() >= 1, timeout=30, message="the import to wait on the application")

    saving = Running("save", lambda: change(lawyer, administrator))
    wait_for(lambda: saving.done.is_set() or _waiting_on_locks() >= 2, timeout=30, message="the change to be saved")
    give_up.set()  # the application is abandoned: the import goes on
    applicant.finish()
    writing.finish()
    saved = saving.finish()

    lawyer.refresh_from_db()
    assert {name: getattr(lawyer, name) for name in saved} == saved  # the change stands
    assert lawyer.law_firm == "新的律所"  # and so does what the list changed
    fields = dict(IdentityChange.objects.filter(participant=lawyer).values_list("field", "source"))
    assert fields["law_firm"] == IdentityChange.Source.LIST
    if "name_latin" in saved:
        assert fields["name_latin"] == IdentityChange.Source.OFFICE


def test_an_unchanged_lawyer_is_not_written_at_all(administrator):
    """A list naming a lawyer as they are on record writes nothing to them: not even their "updated" time."""
    program = ProgramFactory()
    lawyer = ParticipantFactory(law_firm="某所", gender="male", mobile="13800000000")
    stamped = lawyer.updated_at
    report = importing.parse(csv_bytes([HEADER_ZH, _row(lawyer, firm="某所")]), "gd.csv", program)
    outcome = importing.apply(report=report, program=program, by=administrator, source="gd.csv")
    assert outcome.updated == 1 and Admission.objects.get(participant=lawyer).state == AdmissionState.ADMITTED
    assert Participant.objects.get(pk=lawyer.pk).updated_at == stamped
    changed = importing.parse(csv_bytes([HEADER_ZH, _row(lawyer, firm="新所")]), "gd.csv", program)
    importing.apply(report=changed, program=program, by=administrator, source="gd.csv")
    assert Participant.objects.get(pk=lawyer.pk).updated_at > stamped


# --- lock order ----------------------------------------------------------------------------------------------
def test_an_import_and_an_enrolment_in_a_required_session_wait_for_each_other_and_never_deadlock(administrator):
    """R1's scenario: the import has written a lawyer (their row is locked) when that lawyer enrols in a required
    session. The import holds the program's required sessions from its start, so the enrolment waits for the
    import instead of holding the session the import will need next."""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    start = timezone.now() + timedelta(days=10)
    required = SessionFactory(program=program, is_required=True, starts_at=start, ends_at=start + timedelta(hours=2))
    admitted = AdmissionFactory(program=program).participant
    applied = AdmissionFactory(program=program, state=AdmissionState.APPLIED)
    lines = [HEADER_ZH, _row(admitted, firm="新的律所"), _row(applied.participant, firm="某所")]
    report = importing.parse(csv_bytes(lines), "gd.csv", program)
    assert report.all_valid, [row.errors for row in report.rows]
    # The office is deciding on the applied lawyer's admission: the import waits on it once it has written the
    # lawyers and comes to admit them.
    deciding, decided = _holding(
        "office", lambda: Admission.objects.select_for_update().get(pk=applied.pk), rollback=False
    )
    writing = Running(
        "import", lambda: importing.apply(report=report, program=program, by=administrator, source="gd.csv")
    )
    wait_for(lambda: _waiting_on_locks() >= 1, timeout=30, message="the import to wait on the office")
    enrolling = Running("enrol", lambda: services.enrol(participant=admitted, session=required))
    wait_for(lambda: _waiting_on_locks() >= 2, timeout=30, message="the enrolment to wait on the import")
    decided.set()
    deciding.finish()
    writing.finish()
    enrolment = enrolling.finish()

    assert enrolment.state == EnrolmentState.CONFIRMED
    seats = Enrolment.objects.active().filter(session=required)
    assert sorted(seats.values_list("participant_id", flat=True)) == sorted([admitted.pk, applied.participant_id])
