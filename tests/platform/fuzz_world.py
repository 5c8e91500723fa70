"""A small program with one of everything, for the property tests and the licence-privacy tests:
the people of every role, a session with its faculty and lawyers, a material, an import, notices."""

import io
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reportlab.pdfgen import canvas

from accounts.models import Invitation
from accounts.roles import Role
from assessment import services as assessment_services
from assessment.models import Assignment
from faculty import services as faculty_services
from nominations import services as nomination_services
from nominations.models import Coordinator
from participants import importing
from participants import services as participant_services
from participants.models import Enrolment, EnrolmentState, Participant, Province
from sessions.models import TrainingSession
from tests.evaluations import questionnaire_for
from tests.factories import (
    AssignmentFactory,
    FacultyFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
    VenueFactory,
)
from tests.nominations import open_round

# The world's lawyers' practising-licence numbers: none may ever reach an address or a log line.
LICENCES = ("44030120151234567", "11010120189876543", "31010120167654321")
INVITATION_TOKEN = "fuzz-invitation-token-0123456789"


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(72, 720, "Cross-border IP disputes")
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


@dataclass
class World:
    administrator: object
    faculty_user: object
    lawyer_user: object
    applicant_user: object
    coordinator_user: object
    invitee: object
    program: object
    topic: object
    venue: object
    faculty: object
    session: object
    elective: object
    lawyer: Participant
    other_lawyer: Participant
    outsider: Participant
    enrolment: Enrolment
    material: object
    import_job: object
    nomination: object
    assignment: object
    submission: object
    questionnaire: object = None  # asked after every session; `ended` is open to the lawyer
    ended: object = None  # a required session that ended an hour ago, taught by the faculty, the lawyer seated

    @property
    def licences(self) -> list[str]:
        return [self.lawyer.license_number, self.other_lawyer.license_number, self.outsider.license_number]


def build_world() -> World:
    User = get_user_model()
    administrator = UserFactory(email="fuzz.admin@example.test", role=Role.ADMINISTRATOR, is_staff=True)
    faculty_user = UserFactory(email="fuzz.faculty@example.test", role=Role.FACULTY)
    lawyer_user = UserFactory(email="fuzz.lawyer@example.test", role=Role.PARTICIPANT)
    applicant_user = UserFactory(email="fuzz.applicant@example.test", role=Role.PARTICIPANT)
    coordinator_user = UserFactory(email="fuzz.coordinator@example.test", role=Role.COORDINATOR)
    invitee = User.objects.create(email="fuzz.invitee@example.test", full_name="新律师", is_active=False)
    now = timezone.now()
    Invitation.objects.create(
        user=invitee, token_hash=Invitation.hash_token(INVITATION_TOKEN), role=Role.PARTICIPANT,
        created_at=now, expires_at=now + timedelta(days=7),
    )  # fmt: skip

    program = ProgramFactory(slug="fuzz-2025", starts_on=now.date() - timedelta(days=30),
                             ends_on=now.date() + timedelta(days=60))  # fmt: skip
    topic = TopicFactory(program=program)
    venue = VenueFactory()
    faculty = FacultyFactory(user=faculty_user, slug="fuzz-faculty")
    start = (now + timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
    session = SessionFactory(program=program, topic=topic, venue=venue, is_required=True,
                             starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=2))  # fmt: skip
    elective = SessionFactory(program=program, topic=topic, venue=venue, capacity=1,
                              starts_at=start, ends_at=start + timedelta(hours=2))  # fmt: skip
    ended = SessionFactory(program=program, topic=topic, venue=venue, is_required=True,
                           starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))  # fmt: skip
    AssignmentFactory(session=session, faculty=faculty)
    AssignmentFactory(session=elective, faculty=faculty)
    AssignmentFactory(session=ended, faculty=faculty)

    guangdong, beijing = Province.objects.get(code="44"), Province.objects.get(code="11")
    lawyer = ParticipantFactory(user=lawyer_user, license_number=LICENCES[0], name_zh="李律师", province=guangdong)
    other_lawyer = ParticipantFactory(license_number=LICENCES[1], name_zh="赵律师", province=beijing)
    outsider = ParticipantFactory(license_number=LICENCES[2], name_zh="钱律师", province=guangdong)  # not admitted
    for participant in (lawyer, other_lawyer):
        participant_services.admit(participant=participant, program=program, by=administrator)
    enrolment = Enrolment.objects.get(participant=lawyer, session=session, state=EnrolmentState.CONFIRMED)
    Enrolment.objects.get_or_create(participant=lawyer, session=ended, defaults={"state": EnrolmentState.CONFIRMED})
    questionnaire = questionnaire_for(program)
    # Guangdong nominates for the program: its round open, its coordinator's list with the outsider waiting.
    open_round(program)
    Coordinator.objects.create(user=coordinator_user, province=guangdong, invited_by=administrator)
    nomination = nomination_services.nominate(program=program, province=guangdong, participant=outsider,
                                              by=coordinator_user)  # fmt: skip

    # Coursework of the running session: the lawyer (seated, as it is required) has handed in a text.
    assignment = Assignment.objects.create(program=program, session=session, title_zh="案例分析报告",
                                           opens_at=now - timedelta(days=1), due_at=now + timedelta(days=6),
                                           max_score=20, pass_mark=12)  # fmt: skip
    submission = assessment_services.submit(assignment=assignment, participant=lawyer, text="报告", by=lawyer_user)
    (material,) = faculty_services.material_upload(
        session=session, files=[SimpleUploadedFile("handout.pdf", pdf_bytes())], by=faculty_user, title="Handout"
    )
    header = "姓名,执业证号,律师事务所,省份,邮箱"
    rows = [f"孙律师,{LICENCES[1]},某律所,北京,zhao@example.cn", "周律师,123,某律所,广东,zhou@example.cn"]
    upload = SimpleUploadedFile("list.csv", "\n".join([header, *rows]).encode())
    import_job = importing.job_create(program=program, uploaded=upload, by=administrator)
    return World(
        administrator=administrator, faculty_user=faculty_user, lawyer_user=lawyer_user,
        applicant_user=applicant_user, coordinator_user=coordinator_user, invitee=invitee, program=program,
        topic=topic, venue=venue, faculty=faculty, session=TrainingSession.objects.get(pk=session.pk),
        elective=elective, lawyer=lawyer, other_lawyer=other_lawyer, outsider=outsider, enrolment=enrolment,
        material=material, import_job=import_job, nomination=nomination, assignment=assignment,
        submission=submission, questionnaire=questionnaire, ended=ended,
    )  # fmt: skip
