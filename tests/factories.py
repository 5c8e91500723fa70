import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import Role

PASSWORD = "Correct-horse-2025"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="zh_CN")
    language = "zh-hans"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=Role(extracted).value))
        if create:
            self.save()


# --- programs and sessions -----------------------------------------------------------------------
from datetime import date, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sessions.models import (  # noqa: E402
    AffiliationKind,
    Faculty,
    FacultyAssignment,
    Program,
    ProgramStatus,
    SessionFormat,
    Topic,
    TrainingSession,
    Venue,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    """A Beijing time in the test program (June 2025 by default)."""
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name_zh = factory.Sequence(lambda n: f"测试培训项目{n}")
    name_en = factory.Sequence(lambda n: f"Test program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    code = "TEST"
    organisers_zh = "司法部、国家知识产权局"
    city_zh = "深圳"
    starts_on = date(2025, 6, 1)
    ends_on = date(2025, 10, 31)
    status = ProgramStatus.PUBLISHED


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    program = factory.SubFactory(ProgramFactory)
    name_zh = factory.Sequence(lambda n: f"专题{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name_zh = factory.Sequence(lambda n: f"会议室{n}")
    name_en = factory.Sequence(lambda n: f"Room {n}")
    capacity = 100


class FacultyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Faculty

    name_zh = factory.Sequence(lambda n: f"专家{n}")
    name_en = factory.Sequence(lambda n: f"Expert {n}")
    slug = factory.Sequence(lambda n: f"expert-{n}")
    affiliation_zh = "清华大学法学院"
    affiliation_kind = AffiliationKind.UNIVERSITY


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    program = factory.SubFactory(ProgramFactory)
    title_zh = factory.Sequence(lambda n: f"课程{n}")
    title_en = factory.Sequence(lambda n: f"Session {n}")
    format = SessionFormat.LECTURE
    starts_at = factory.LazyFunction(lambda: at(12, 9))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=2))
    venue = factory.SubFactory(VenueFactory)
    capacity = 50
    credit_hours = Decimal("2.0")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacultyAssignment

    session = factory.SubFactory(SessionFactory)
    faculty = factory.SubFactory(FacultyFactory)


# --- lawyers ---------------------------------------------------------------------------------------
from participants.models import Admission, AdmissionState, Participant, Province  # noqa: E402


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    user = factory.SubFactory(UserFactory, role=Role.PARTICIPANT)
    name_zh = factory.Faker("name", locale="zh_CN")
    name_latin = factory.Sequence(lambda n: f"Lawyer {n}")
    license_number = factory.Sequence(lambda n: f"1440120{n:010d}")
    law_firm = "广东某某律师事务所"
    province = factory.LazyFunction(lambda: Province.objects.get(code="44"))
    city = "深圳"


class AdmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Admission

    participant = factory.SubFactory(ParticipantFactory)
    program = factory.SubFactory(ProgramFactory)
    state = AdmissionState.ADMITTED
