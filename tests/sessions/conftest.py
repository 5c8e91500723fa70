import pytest

from sessions.models import AssignmentRole, ProgramStatus
from tests.factories import AssignmentFactory, FacultyFactory, ProgramFactory, SessionFactory, TopicFactory, at


@pytest.fixture
def program():
    return ProgramFactory(slug="fipr-test")


def build_program(sessions: int, *, slug="fipr-test", status=ProgramStatus.PUBLISHED):
    """A program with `sessions` sessions on different days, two faculty each."""
    program = ProgramFactory(slug=slug, status=status)
    topic = TopicFactory(program=program)
    for n in range(sessions):
        session = SessionFactory(
            program=program, topic=topic, starts_at=at(1 + n % 28, 9, month=6 + n // 28), title_zh=f"课程{n}"
        )
        AssignmentFactory(session=session, faculty=FacultyFactory(), role=AssignmentRole.LECTURER)
        AssignmentFactory(session=session, faculty=FacultyFactory(), role=AssignmentRole.MODERATOR)
    return program
