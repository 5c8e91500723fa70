from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from assessment.models import Assignment
from tests.factories import FacultyFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded work goes to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def coursework(program, *, session=None, opened=timedelta(days=1), due_in=timedelta(days=6), late_for=None, **fields):
    """An assignment of the program (or of one of its sessions), open since `opened` ago, due `due_in` from now,
    taking late work for `late_for` after that."""
    now = timezone.now()
    due = now + due_in
    return Assignment.objects.create(
        program=program,
        session=session,
        title_zh=fields.pop("title_zh", "案例分析报告"),
        title_en=fields.pop("title_en", "Case analysis"),
        opens_at=now - opened,
        due_at=due,
        late_until=due + late_for if late_for else None,
        max_score=fields.pop("max_score", Decimal(100)),
        pass_mark=fields.pop("pass_mark", Decimal(60)),
        **fields,
    )


def faculty_with_account():
    return FacultyFactory(user=UserFactory(role=Role.FACULTY))
