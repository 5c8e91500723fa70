"""Saving, rescheduling and cancelling sessions: clashes, warnings, history and notices."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from notifications.models import Notification
from sessions import services
from sessions.models import AssignmentRole, ProgramStatus, SessionChange, SessionStatus, TrainingSession
from tests.factories import (
    AssignmentFactory,
    FacultyFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    at,
)
from tests.support import words


def _new(program, venue, start, end, **fields):
    return TrainingSession(
        program=program, title_zh="新课程", format="lecture", starts_at=start, ends_at=end, venue=venue,
        capacity=fields.pop("capacity", 30), credit_hours=2, **fields,
    )  # fmt: skip


@pytest.fixture
def program():
    return ProgramFactory()


@pytest.mark.django_db
def test_saving_a_session_with_two_faculty_records_its_creation(program, administrator):
    venue = VenueFactory()
    first, second = FacultyFactory(), FacultyFactory()
    session = services.session_save(
        session=_new(program, venue, at(12, 9), at(12, 11)),
        faculty=[(first, AssignmentRole.LECTURER), (second, AssignmentRole.MODERATOR)],
        by=administrator,
    )
    assert [(a.faculty, a.role) for a in session.assignments.all()] == [
        (first, AssignmentRole.LECTURER),
        (second, AssignmentRole.MODERATOR),
    ]
    assert session.changes.get().kind == SessionChange.Kind.CREATED


@pytest.mark.django_db
def test_a_venue_booked_twice_blocks_the_save_and_changes_nothing(program, administrator):
    existing = SessionFactory(program=program, starts_at=at(12, 9), ends_at=at(12, 11))
    with pytest.raises(services.ScheduleConflict) as conflict:
        services.session_save(
            session=_new(program, existing.venue, at(12, 10), at(12, 12)), faculty=[], by=administrator
        )
    assert conflict.value.blocking
    assert conflict.value.conflicts[0].kind == "venue"
    assert conflict.value.conflicts[0].other == existing
    assert TrainingSession.objects.count() == 1


@pytest.mark.django_db
def test_back_to_back_sessions_in_one_room_do_not_clash(program, administrator):
    existing = SessionFactory(program=program, starts_at=at(12, 9), ends_at=at(12, 11))
    services.session_save(session=_new(program, existing.venue, at(12, 11), at(12, 12)), faculty=[], by=administrator)
    assert TrainingSession.objects.count() == 2


@pytest.mark.django_db
def test_a_person_teaching_twice_at_once_blocks_the_save(program, administrator):
    busy = AssignmentFactory(session=SessionFactory(program=program, starts_at=at(12, 9), ends_at=at(12, 11)))
    other_program_session = _new(ProgramFactory(), VenueFactory(), at(12, 10), at(12, 11))
    with pytest.raises(services.ScheduleConflict) as conflict:
        services.session_save(
            session=other_program_session, faculty=[(busy.faculty, AssignmentRole.LECTURER)], by=administrator
        )
    assert [c.kind for c in conflict.value.conflicts] == ["faculty"]
    assert busy.faculty.name in conflict.value.conflicts[0].message


@pytest.mark.django_db
def test_a_cancelled_session_frees_its_room(program, administrator):
    existing = SessionFactory(program=program, status=SessionStatus.CANCELLED)
    services.session_save(
        session=_new(program, existing.venue, existing.starts_at, existing.ends_at), faculty=[], by=administrator
    )


@pytest.mark.django_db
def test_a_cancelled_session_can_be_edited_though_its_old_room_is_taken(program, administrator):
    cancelled = SessionFactory(program=program, status=SessionStatus.CANCELLED)
    SessionFactory(program=program, venue=cancelled.venue, starts_at=cancelled.starts_at, ends_at=cancelled.ends_at)
    cancelled.description_zh = "补充说明"
    services.session_save(session=cancelled, faculty=[], by=administrator)
    assert cancelled.changes.get().kind == SessionChange.Kind.EDITED


@pytest.mark.django_db
def test_soft_problems_warn_until_acknowledged(program, administrator):
    small_room = VenueFactory(capacity=20)
    outside = _new(program, small_room, at(1, 9, month=11), at(1, 11, month=11), capacity=50)
    with pytest.raises(services.ScheduleConflict) as conflict:
        services.session_save(session=outside, faculty=[], by=administrator)
    assert not conflict.value.blocking
    assert {c.kind for c in conflict.value.conflicts} == {"dates", "capacity"}
    assert not TrainingSession.objects.exists()
    services.session_save(session=outside, faculty=[], by=administrator, acknowledge_warnings=True)
    assert TrainingSession.objects.count() == 1


@pytest.mark.django_db
def test_a_closed_program_cannot_change(administrator):
    closed = ProgramFactory(status=ProgramStatus.CLOSED)
    with pytest.raises(services.ScheduleConflict) as conflict:
        services.session_save(
            session=_new(closed, VenueFactory(), at(12, 9), at(12, 11)),
            faculty=[],
            by=administrator,
            acknowledge_warnings=True,
        )
    assert conflict.value.conflicts[0].kind == "program"


@pytest.mark.django_db
def test_rescheduling_tells_the_faculty_the_old_and_new_time(
    program, administrator, django_capture_on_commit_callbacks
):
    teacher = UserFactory(email="teacher@example.test", language="en")
    person = FacultyFactory(user=teacher)
    session = SessionFactory(program=program, starts_at=at(12, 9), ends_at=at(12, 11), title_en="Mock court A")
    AssignmentFactory(session=session, faculty=person)
    session.starts_at, session.ends_at = at(13, 14), at(13, 16)
    with django_capture_on_commit_callbacks(execute=False):
        services.session_save(session=session, faculty=[(person, AssignmentRole.LECTURER)], by=administrator)

    notice = words(Notification.objects.get(recipient=teacher, kind="session_changed"))
    assert "Mock court A" in notice.subject
    assert "2025-06-12 09:00" in notice.body_text  # before
    assert "2025-06-13 14:00" in notice.body_text  # now
    change = session.changes.get(kind=SessionChange.Kind.RESCHEDULED)
    assert change.changed_by == administrator
    session.refresh_from_db()
    assert session.sequence == 1
    program.refresh_from_db()
    assert program.schedule_version > 1  # cached timetables of this program are stale now


@pytest.mark.django_db
def test_editing_only_the_description_tells_nobody(program, administrator):
    teacher = UserFactory()
    assignment = AssignmentFactory(session=SessionFactory(program=program), faculty=FacultyFactory(user=teacher))
    session = assignment.session
    session.description_zh = "新的简介"
    services.session_save(session=session, faculty=[(assignment.faculty, assignment.role)], by=administrator)
    assert not Notification.objects.filter(kind="session_changed").exists()
    assert session.changes.get().kind == SessionChange.Kind.EDITED


@pytest.mark.django_db
def test_cancelling_needs_a_reason_tells_the_faculty_and_can_be_undone(program, administrator):
    teacher = UserFactory()
    assignment = AssignmentFactory(session=SessionFactory(program=program), faculty=FacultyFactory(user=teacher))
    session = assignment.session
    with pytest.raises(services.ValidationError):
        services.session_cancel(session=session, reason="  ", by=administrator)
    services.session_cancel(session=session, reason="台风预警", by=administrator)
    session.refresh_from_db()
    assert session.is_cancelled
    assert "台风预警" in words(Notification.objects.get(recipient=teacher)).body_text
    with pytest.raises(services.ValidationError):
        services.session_cancel(session=session, reason="again", by=administrator)

    services.session_restore(session=session, by=administrator)
    session.refresh_from_db()
    assert not session.is_cancelled
    kinds = list(session.changes.values_list("kind", flat=True))
    assert kinds == [SessionChange.Kind.RESTORED, SessionChange.Kind.CANCELLED]


@pytest.mark.django_db
def test_restoring_into_a_room_taken_meanwhile_is_refused(program, administrator):
    cancelled = SessionFactory(program=program, status=SessionStatus.CANCELLED)
    SessionFactory(program=program, venue=cancelled.venue, starts_at=cancelled.starts_at, ends_at=cancelled.ends_at)
    with pytest.raises(services.ScheduleConflict):
        services.session_restore(session=cancelled, by=administrator)
    cancelled.refresh_from_db()
    assert cancelled.is_cancelled


@pytest.mark.django_db
def test_the_same_person_twice_in_one_session_is_refused(program, administrator):
    person = FacultyFactory()
    with pytest.raises(services.ValidationError):
        services.session_save(
            session=_new(program, VenueFactory(), at(12, 9), at(12, 11)),
            faculty=[(person, AssignmentRole.LECTURER), (person, AssignmentRole.JUDGE)],
            by=administrator,
        )


@pytest.mark.django_db(transaction=True)
def test_two_administrators_booking_one_room_at_once_get_one_booking(administrator):
    program = ProgramFactory()
    venue = VenueFactory()

    def book(title):
        try:
            services.session_save(
                session=_new(program, venue, at(12, 9), at(12, 11), title_en=title), faculty=[], by=administrator
            )
            return "booked"
        except services.ScheduleConflict:
            return "clash"
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        results = sorted(pool.map(book, ["A", "B", "C", "D"]))
    assert results == ["booked", "clash", "clash", "clash"]
    assert TrainingSession.objects.filter(venue=venue).count() == 1


@pytest.mark.django_db
def test_faculty_invitation_links_the_profile_to_an_account(administrator):
    person = FacultyFactory(email="prof.gao@example.test")
    services.faculty_invite(faculty=person, by=administrator)
    person.refresh_from_db()
    assert person.user.email == "prof.gao@example.test"
    assert Notification.objects.filter(recipient=person.user, kind="invitation").exists()
    with pytest.raises(services.ValidationError):
        services.faculty_invite(faculty=FacultyFactory(email=""), by=administrator)


@pytest.mark.django_db(transaction=True)
def test_two_programs_booking_one_room_at_once_get_one_booking(administrator):
    venue = VenueFactory()
    programs = [ProgramFactory(), ProgramFactory()]

    def book(program):
        try:
            services.session_save(session=_new(program, venue, at(12, 9), at(12, 11)), faculty=[], by=administrator)
            return "booked"
        except services.ScheduleConflict:
            return "clash"
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(book, programs)) == ["booked", "clash"]


@pytest.mark.django_db
def test_an_edit_made_from_a_stale_form_does_not_undo_a_cancellation(program, administrator):
    session = SessionFactory(program=program)
    stale = TrainingSession.objects.get(pk=session.pk)  # the edit form loaded before the cancel
    services.session_cancel(session=session, reason="台风", by=administrator)
    stale.description_zh = "补充说明"
    services.session_save(session=stale, faculty=[], by=administrator)
    session.refresh_from_db()
    assert session.is_cancelled and session.description_zh == "补充说明"


@pytest.mark.django_db
def test_changes_to_a_draft_program_notify_nobody(administrator):
    draft = ProgramFactory(status=ProgramStatus.DRAFT)
    assignment = AssignmentFactory(session=SessionFactory(program=draft), faculty=FacultyFactory(user=UserFactory()))
    session = assignment.session
    session.starts_at, session.ends_at = at(20, 9), at(20, 11)
    services.session_save(session=session, faculty=[(assignment.faculty, assignment.role)], by=administrator)
    services.session_cancel(session=session, reason="调整", by=administrator)
    assert not Notification.objects.exists()
