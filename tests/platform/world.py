"""One small but complete world for walking every URL: a program with its people and everything they
make, the values each URL pattern needs, and `grow` to add many more of every kind of row.

Rows are made through the services wherever one exists (admission, enrolment, attendance, materials,
certificates, invitations, imports, notices), so the world is what the application itself would hold.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from itertools import cycle

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image
from reportlab.pdfgen import canvas

from accounts import services as account_services
from accounts.roles import Role
from assessment import services as assessment_services
from assessment.models import Assignment
from certificates import services as certificate_services
from certificates.models import Certificate, IssueJob
from evaluations.models import Answer, QuestionnaireKind, Response
from faculty import services as faculty_services
from faculty.models import Material, MaterialVersion, Visibility
from nominations import services as nomination_services
from nominations.models import Coordinator, NominationRound
from notifications.models import Channel, Notification
from notifications.services import notify
from participants import importing, services
from participants import services as participant_services
from participants.models import (
    Admission,
    AdmissionState,
    AttendanceMethod,
    AttendanceStatus,
    Enrolment,
    EnrolmentState,
    ImportJob,
    Participant,
    Province,
    QuotaChange,
)
from participants.services import profiles, quotas
from practice import questions as question_services
from practice import services as practice_services
from practice.models import Case, Member
from sessions import services as session_services
from sessions.models import Faculty, Program, ProgramStatus, SessionFormat, TrainingSession, Venue
from tests.evaluations import questionnaire_for
from tests.factories import (
    PASSWORD,
    AdmissionFactory,
    AssignmentFactory,
    FacultyFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
    VenueFactory,
)
from tests.support import client_for

# The people every URL is asked as; "faculty" teaches the world's sessions, "other_faculty" only another one;
# "coordinator" answers for Guangdong, the world lawyers' province, "other_coordinator" for Beijing.
ROLES = (
    "anonymous", "lawyer", "other_lawyer", "faculty", "other_faculty", "administrator",
    "coordinator", "other_coordinator",
)  # fmt: skip


def pdf_bytes(text: str = "Mock court: the facts") -> bytes:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(72, 720, text)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (23, 61, 110)).save(buffer, format="PNG")
    return buffer.getvalue()


def import_csv(program_rows: list[tuple[str, str, str]]) -> bytes:
    """A provincial list: (name, licence, e-mail) rows; a licence that is not 17 digits is a row with a problem."""
    lines = ["姓名,执业证号,律师事务所,省份,邮箱"]
    lines += [f"{name},{licence},广东某某律师事务所,广东,{email}" for name, licence, email in program_rows]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class World:
    users: dict  # role → User (no "anonymous")
    program: Program
    draft_program: Program
    draft_session: TrainingSession  # in the draft program: only administrators know it exists
    venue: Venue
    session: TrainingSession  # running now, an elective, taught by "faculty"; the lawyer holds a seat
    past_required: TrainingSession  # three days ago, required, taught by "faculty"; the lawyer attended
    other_session: TrainingSession  # in two days, taught by "other_faculty" only
    participant: Participant
    other_participant: Participant
    faculty_profile: Faculty
    other_faculty_profile: Faculty
    admission: Admission
    enrolment: Enrolment
    material: Material
    version: MaterialVersion
    certificate: Certificate
    issue_job: IssueJob
    import_job: ImportJob
    invited_user: object
    invitation_token: str
    email_notification: Notification
    feed_token: str
    extra: dict = field(default_factory=dict)

    @property
    def administrator(self):
        return self.users["administrator"]

    @property
    def lawyer(self):
        return self.users["lawyer"]

    @property
    def faculty(self):
        return self.users["faculty"]

    def client(self, role: str, **options) -> Client:
        return client_for(None if role == "anonymous" else self.users[role], **options)


def _session(program, *, by, faculty, starts_at, minutes=120, **fields) -> TrainingSession:
    """A session saved as the scheduling screen saves it (with its history and faculty)."""
    session = TrainingSession(
        program=program,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        format=fields.pop("format", SessionFormat.LECTURE),
        capacity=fields.pop("capacity", 40),
        credit_hours=fields.pop("credit_hours", Decimal("2.0")),
        **fields,
    )
    return session_services.session_save(
        session=session, faculty=[(f, "lecturer") for f in faculty], by=by, acknowledge_warnings=True
    )


def build_world() -> World:
    now = timezone.now()
    today = timezone.localdate()
    users = {
        "administrator": UserFactory(
            email="admin@world.test", full_name="王管理", role=Role.ADMINISTRATOR, is_staff=True
        ),
        "lawyer": UserFactory(email="li.ming@world.test", full_name="李律师", role=Role.PARTICIPANT),
        "other_lawyer": UserFactory(email="zhao.lei@world.test", full_name="赵律师", role=Role.PARTICIPANT),
        "faculty": UserFactory(email="chen.jiao@world.test", full_name="陈教授", role=Role.FACULTY),
        "other_faculty": UserFactory(email="zhou.jiao@world.test", full_name="周教授", role=Role.FACULTY),
        # Guangdong's coordinator (the world's lawyers are from there), and Beijing's.
        "coordinator": UserFactory(email="gd.coord@world.test", full_name="粤联络", role=Role.COORDINATOR),
        "other_coordinator": UserFactory(email="bj.coord@world.test", full_name="京联络", role=Role.COORDINATOR),
    }
    admin = users["administrator"]
    program = ProgramFactory(
        slug="world",
        code="WLD",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
        min_credit_hours=Decimal("0"),
    )
    draft_program = ProgramFactory(slug="world-draft", status=ProgramStatus.DRAFT)
    topic = TopicFactory(program=program)
    venue = VenueFactory(capacity=200)
    faculty_profile = FacultyFactory(user=users["faculty"], slug="chen", email="chen.jiao@world.test")
    faculty_profile.photo.save("photo.png", ContentFile(png_bytes()))
    other_faculty_profile = FacultyFactory(user=users["other_faculty"], slug="zhou")

    past_required = _session(
        program, by=admin, faculty=[faculty_profile], starts_at=now - timedelta(days=3), topic=topic, venue=venue,
        is_required=True, title_zh="国际争端解决概论",
    )  # fmt: skip
    session = _session(
        program, by=admin, faculty=[faculty_profile], starts_at=now - timedelta(minutes=5), topic=topic, venue=venue,
        format=SessionFormat.MOCK_COURT, title_zh="模拟法庭：跨境专利侵权",
    )  # fmt: skip
    other_session = _session(
        program, by=admin, faculty=[other_faculty_profile], starts_at=now + timedelta(days=2), venue=venue,
        title_zh="海外专利申请策略",
    )  # fmt: skip
    draft_session = SessionFactory(program=draft_program, venue=VenueFactory(), starts_at=now + timedelta(days=5))

    participant = ParticipantFactory(user=users["lawyer"], name_zh="李明", name_latin="Li Ming", mobile="13912345678")
    other_participant = ParticipantFactory(
        user=users["other_lawyer"], name_zh="赵雷", name_latin="Zhao Lei", mobile="13787654321"
    )
    # Guangdong's quota (the world's lawyers are from there), set on the quota page: a quota and its history.
    quotas.quotas_set(
        program=program, seats={Province.objects.get(code="44"): 10}, by=admin, source=QuotaChange.Source.TABLE
    )
    admission = participant_services.admit(participant=participant, program=program, by=admin)
    # The office corrected the lawyer's firm, with its reason: their page in the office has a history to show.
    profiles.participant_update(
        participant=participant, values={"law_firm": "广东知识产权律师事务所"}, by=admin, reason="按律协执业信息更正"
    )
    participant.refresh_from_db()
    participant_services.admit(participant=other_participant, program=program, by=admin)
    enrolment = participant_services.enrol(participant=participant, session=session)
    participant_services.enrol(participant=other_participant, session=other_session)
    services.attendance_record(
        participant=participant, session=past_required, status=AttendanceStatus.PRESENT, by=users["faculty"],
        method=AttendanceMethod.ROSTER,
    )  # fmt: skip
    services.attendance_record(
        participant=other_participant, session=past_required, status=AttendanceStatus.ABSENT, by=users["faculty"],
        method=AttendanceMethod.ROSTER,
    )  # fmt: skip

    # The provinces' nominations: the program's round open now, each coordinator bound to their province, and
    # Guangdong's list with a nominee waiting.
    NominationRound.objects.create(
        program=program, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7),
        freezes_at=now + timedelta(days=14),
    )  # fmt: skip
    guangdong = Province.objects.get(code="44")
    Coordinator.objects.create(user=users["coordinator"], province=guangdong, invited_by=admin)
    Coordinator.objects.create(user=users["other_coordinator"], province=Province.objects.get(code="11"))
    nomination = nomination_services.nominate(
        program=program, province=guangdong, participant=ParticipantFactory(name_zh="钱多"), by=users["coordinator"]
    )

    # Questionnaires: one after every session (the required one of three days ago is open to both lawyers), one
    # at the program's end.
    questionnaire = questionnaire_for(program, title_zh="课后评估")
    program_questionnaire = questionnaire_for(program, kind=QuestionnaireKind.PROGRAM, title_zh="项目总评")

    (material,) = faculty_services.material_upload(
        session=session, files=[SimpleUploadedFile("案例材料.pdf", pdf_bytes())], by=users["faculty"],
        title="案例材料", visibility=Visibility.ENROLLED,
    )  # fmt: skip
    # Materials each reader sees differently: for staff only, for the whole program, not released yet.
    extra_materials = {
        name: faculty_services.material_upload(
            session=session, files=[SimpleUploadedFile(f"{name}.pdf", pdf_bytes(name))], by=users["faculty"],
            title=name, **fields,
        )[0]
        for name, fields in {
            "staff": {"visibility": Visibility.STAFF},
            "program": {"visibility": Visibility.PROGRAM},
            "unreleased": {"visibility": Visibility.PROGRAM, "release_at": now + timedelta(days=1)},
        }.items()
    }  # fmt: skip
    # Coursework of the running session: the lawyer (seated) has handed in a file; "faculty" grades it.
    minute = now.replace(second=0, microsecond=0)  # as a form's date-time field gives times
    assignment = Assignment.objects.create(
        program=program, session=session, title_zh="案例分析报告", opens_at=minute - timedelta(days=1),
        due_at=minute + timedelta(days=6),
    )  # fmt: skip
    submission = assessment_services.submit(
        assignment=assignment, participant=participant, text="报告正文", by=users["lawyer"],
        upload=SimpleUploadedFile("报告.pdf", pdf_bytes("report")),
    )  # fmt: skip
    # The mock court's case, its teams built: the lawyer (seated) holds a place.
    case = practice_services.case_save(
        Case(session=session, title_zh="跨境专利侵权案", dispute="patent", forum="us_district", teams=1)
    )
    practice_services.build_teams(session, by=users["faculty"], seed=1)
    case_material = practice_services.material_add(
        case=case, upload=SimpleUploadedFile("案情.pdf", pdf_bytes("case")), title="案情简介", side="",
        by=users["faculty"],
    )  # fmt: skip
    member = Member.objects.get(participant=participant, session=session)
    practice_services.set_locked(member, True, by=users["faculty"])  # kept through every rebuild
    # A forum online, taught by "faculty" too, that ended as the mock court began: its questions are taken for half
    # an hour more. The lawyer holds a seat, as does another lawyer, who asked a question the lawyer voted for.
    forum = SessionFactory(
        program=program, topic=topic, format=SessionFormat.FORUM, title_zh="论坛：海外知识产权纠纷应对",
        starts_at=now - timedelta(minutes=185), ends_at=now - timedelta(minutes=5), venue=None,
        online_url="https://meeting.example.org/forum",
    )  # fmt: skip
    AssignmentFactory(session=forum, faculty=faculty_profile)
    asker = ParticipantFactory(name_zh="孙提问", name_latin="Sun Tiwen")
    for seated in (participant, asker):
        Enrolment.objects.create(participant=seated, session=forum, state=EnrolmentState.CONFIRMED, created_by=admin)
    participant_services.seats_recount(sessions=TrainingSession.objects.filter(pk=forum.pk))
    question = question_services.ask(
        participant=asker, session=forum, text="美国337调查中如何应对普遍排除令？", anonymous=False
    )
    question_services.vote(participant=participant, question=question)
    question_services.ask(participant=participant, session=forum, text="跨境证据开示的边界在哪里？", anonymous=True)
    certificate = certificate_services.issue_certificate(participant=participant, program=program, by=admin)
    issue_job = certificate_services.issue_all(program=program, by=admin)
    upload = SimpleUploadedFile(
        "广东.csv", import_csv([("王芳", "14401201110000001", "wang.fang@world.test"), ("错行", "123", "bad")])
    )
    import_job = importing.job_create(program=program, uploaded=upload, by=admin)

    invitation = account_services.user_invite(
        email="invited@world.test", full_name="孙受邀", role=Role.PARTICIPANT, invited_by=admin
    )
    link = Notification.objects.get(dedup_key=f"invitation:{invitation.pk}").link
    invitation_token = link.rstrip("/").rsplit("/", 1)[-1]
    for user in users.values():  # a notice in the app for everyone
        notify(user, "welcome", channel=Channel.IN_APP, link=reverse("home"))
    email_notification = Notification.objects.filter(recipient=users["lawyer"]).exclude(channel=Channel.IN_APP).first()
    feed = session_services.calendar_feed_for(users["lawyer"])
    account_services.password_reset_request(email=users["lawyer"].email)
    reset_notice = Notification.objects.get(recipient=users["lawyer"], kind="password_reset")

    # A sign-in and then a failed one (a success clears the failures): django-axes's records hold both kinds.
    Client().post(reverse("accounts:login"), {"username": users["lawyer"].email, "password": PASSWORD})
    Client().post(reverse("accounts:login"), {"username": users["lawyer"].email, "password": "wrong"})

    return World(
        users=users, program=program, draft_program=draft_program, draft_session=draft_session, venue=venue,
        session=session, past_required=past_required, other_session=other_session, participant=participant,
        other_participant=other_participant, faculty_profile=faculty_profile,
        other_faculty_profile=other_faculty_profile, admission=admission, enrolment=enrolment, material=material,
        version=material.versions.get(), certificate=certificate, issue_job=issue_job, import_job=import_job,
        invited_user=invitation.user, invitation_token=invitation_token, email_notification=email_notification,
        feed_token=feed.token,
        extra={
            "materials": extra_materials,
            "nomination": nomination,
            "assignment": assignment,
            "submission": submission,
            "questionnaire": questionnaire,
            "program_questionnaire": program_questionnaire,
            "case": case,
            "member": member,
            "case_material": case_material,
            "forum": forum,
            "question": question,
            # E-mails holding a personal sign-in link, and the link's secret part.
            "secret_links": {
                Notification.objects.get(dedup_key=f"invitation:{invitation.pk}"): invitation_token,
                reset_notice: reset_notice.link.rstrip("/").rsplit("/", 1)[-1],
            },
        },
    )  # fmt: skip


# --- the values of every URL pattern -----------------------------------------------------------------
def _reset(world: World) -> dict:
    user = world.lawyer
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


KWARGS = {
    "accounts:activate_link": lambda w: {"token": w.invitation_token},
    "accounts:password_reset_confirm": _reset,
    "accounts:reinvite": lambda w: {"pk": w.invited_user.pk},
    "notifications:outbox_detail": lambda w: {"pk": w.email_notification.pk},
    "notifications:resend": lambda w: {"pk": w.email_notification.pk},
    "sessions_manage:session_edit": lambda w: {"pk": w.session.pk},
    "sessions_manage:session_cancel": lambda w: {"pk": w.session.pk},
    "sessions_manage:session_restore": lambda w: {"pk": w.session.pk},
    "sessions_manage:session_history": lambda w: {"pk": w.session.pk},
    "sessions_manage:venue_edit": lambda w: {"pk": w.venue.pk},
    "sessions_manage:venue_delete": lambda w: {"pk": w.venue.pk},
    "sessions_manage:faculty_edit": lambda w: {"pk": w.faculty_profile.pk},
    "sessions_manage:faculty_invite": lambda w: {"pk": w.faculty_profile.pk},
    "participants:enrolment_action": lambda w: {"session_pk": w.session.pk},
    "participants:admission_action": lambda w: {"pk": w.admission.pk},
    "participants:import_job": lambda w: {"pk": w.import_job.pk},
    "participants:import_start": lambda w: {"pk": w.import_job.pk},
    "participants:roster": lambda w: {"pk": w.session.pk},
    "participants:lawyer_edit": lambda w: {"pk": w.participant.pk},
    "participants:roster_action": lambda w: {"pk": w.session.pk},
    "participants:enrolment_move": lambda w: {"pk": w.enrolment.pk},
    "participants:attendance_roster": lambda w: {"pk": w.session.pk},
    "participants:attendance_mark": lambda w: {"pk": w.session.pk},
    "participants:attendance_mark_all": lambda w: {"pk": w.session.pk},
    "participants:checkin_screen": lambda w: {"pk": w.session.pk},
    "participants:signin_sheet": lambda w: {"pk": w.session.pk},
    "participants:attendance_history": lambda w: {"pk": w.past_required.pk},
    # The token of the QR code on the screen now: made when the URL is asked for, as it lives 30 seconds.
    "participants:checkin": lambda w: {"pk": w.session.pk, "token": services.checkin_token(w.session)},
    "participants:lawyer_transcript": lambda w: {"slug": w.program.slug, "pk": w.participant.pk, "fmt": "pdf"},
    "participants:my_transcript": lambda w: {"slug": w.program.slug, "fmt": "pdf"},
    "faculty:session_materials": lambda w: {"pk": w.session.pk},
    "faculty:roster": lambda w: {"pk": w.session.pk, "fmt": "csv"},
    "faculty:download": lambda w: {"pk": w.material.pk},
    "faculty:material_version": lambda w: {"pk": w.material.pk},
    "faculty:material_delete": lambda w: {"pk": w.material.pk},
    "faculty:version_download": lambda w: {"pk": w.version.pk},
    "certificates:verify": lambda w: {"code": w.certificate.code},
    "certificates:download": lambda w: {"pk": w.certificate.pk},
    "certificates:job_status": lambda w: {"pk": w.issue_job.pk},
    "certificates:job_requeue": lambda w: {"pk": w.issue_job.pk},
    "certificates:revoke": lambda w: {"pk": w.certificate.pk},
    "certificates:rerender": lambda w: {"pk": w.certificate.pk},
    "certificates:amend": lambda w: {"pk": w.certificate.pk},
    "sessions:session_detail": lambda w: {"slug": w.program.slug, "pk": w.session.pk},
    "sessions:faculty_profile": lambda w: {"slug": w.faculty_profile.slug},
    "sessions:faculty_photo": lambda w: {"slug": w.faculty_profile.slug},
    "sessions:personal_ics": lambda w: {"token": w.feed_token},
    "nominations:office_province": lambda w: {"slug": w.program.slug, "code": "44"},
    "nominations:return_list": lambda w: {"slug": w.program.slug, "code": "44"},
    "nominations:decide": lambda w: {"pk": w.extra["nomination"].pk},
    "practice:teams": lambda w: {"pk": w.session.pk},
    "practice:case_create": lambda w: {"pk": w.session.pk},
    "practice:case_edit": lambda w: {"pk": w.session.pk, "case_pk": w.extra["case"].pk},
    "practice:member": lambda w: {"pk": w.extra["member"].pk},
    "practice:material_upload": lambda w: {"pk": w.session.pk, "case_pk": w.extra["case"].pk},
    "practice:material_file": lambda w: {"pk": w.extra["case_material"].pk},
    "practice:member_change": lambda w: {"pk": w.extra["member"].pk},
    "practice:score": lambda w: {"pk": w.extra["member"].team_id},
    "practice:questions": lambda w: {"pk": w.extra["forum"].pk},
    "practice:question_vote": lambda w: {"pk": w.extra["forum"].pk, "question_pk": w.extra["question"].pk},
    "practice:questions_moderate": lambda w: {"pk": w.extra["forum"].pk},
    "practice:question_moderate": lambda w: {"pk": w.extra["forum"].pk, "question_pk": w.extra["question"].pk},
    "practice:questions_screen": lambda w: {"pk": w.extra["forum"].pk},
    "practice:questions_export": lambda w: {"pk": w.extra["forum"].pk},
    "assessment:assignment": lambda w: {"pk": w.extra["assignment"].pk},
    "assessment:queue": lambda w: {"pk": w.extra["assignment"].pk},
    "assessment:submission_file": lambda w: {"pk": w.extra["submission"].pk},
    "assessment:grade": lambda w: {"pk": w.extra["submission"].pk},
    "assessment:assignment_edit": lambda w: {"slug": w.program.slug, "pk": w.extra["assignment"].pk},
    "nominations:substitute": lambda w: {"pk": w.extra["nomination"].pk},
    "evaluations:answer_session": lambda w: {"pk": w.extra["questionnaire"].pk, "session_pk": w.past_required.pk},
    "evaluations:answer_session@seat": lambda w: {"pk": w.extra["questionnaire"].pk, "session_pk": w.session.pk},
    "evaluations:answer_program": lambda w: {"pk": w.extra["program_questionnaire"].pk},
    "evaluations:manage_edit": lambda w: {"slug": w.program.slug, "pk": w.extra["questionnaire"].pk},
    "evaluations:results": lambda w: {"slug": w.program.slug, "pk": w.extra["questionnaire"].pk},
    # Variants (tests/platform/access.py): the draft program, which only administrators may know of.
    "sessions:schedule@draft": lambda w: {"slug": w.draft_program.slug},
    "sessions:program_ics@draft": lambda w: {"slug": w.draft_program.slug},
    "sessions:session_detail@draft": lambda w: {"slug": w.draft_program.slug, "pk": w.draft_session.pk},
    "participants:apply@draft": lambda w: {"slug": w.draft_program.slug},
    "participants:timetable_slots@draft": lambda w: {"slug": w.draft_program.slug},
    "participants:my_transcript@draft": lambda w: {"slug": w.draft_program.slug, "fmt": "pdf"},
    "participants:enrolment_action@draft": lambda w: {"session_pk": w.draft_session.pk},
    "sessions_manage:program@draft": lambda w: {"slug": w.draft_program.slug},
    # Variants: materials for staff only, for everyone admitted, and not yet released.
    "faculty:download@staff": lambda w: {"pk": w.extra["materials"]["staff"].pk},
    "faculty:download@program": lambda w: {"pk": w.extra["materials"]["program"].pk},
    "faculty:download@unreleased": lambda w: {"pk": w.extra["materials"]["unreleased"].pk},
}
# Every other pattern takes at most the program's slug.
SLUG_ONLY = {"slug"}


def kwargs_for(world: World, name: str, arguments: set[str]) -> dict:
    """The values of a pattern's arguments in this world; KeyError names a pattern nobody filled in."""
    if name in KWARGS:
        return KWARGS[name](world)
    if not arguments:
        return {}
    if arguments <= SLUG_ONLY:
        return {"slug": world.program.slug}
    raise KeyError(f"{name} takes {sorted(arguments)}: give its values in tests/platform/world.py KWARGS")


def admin_kwargs(pattern, arguments: set[str]) -> dict:
    """Values for a Django admin pattern: an object of the admin's model, its app, a missing page."""
    from django.contrib.contenttypes.models import ContentType

    model_admin = getattr(pattern.callback, "model_admin", None)
    values = {}
    if "object_id" in arguments:
        model = model_admin.model if model_admin else Program
        obj = model._default_manager.order_by("pk").first()
        values["object_id"] = str(obj.pk) if obj else "0"  # e.g. the sign-in failure log, when it is off
        if "content_type_id" in arguments:
            values["content_type_id"] = str(ContentType.objects.get_for_model(model).pk)
    if "id" in arguments:  # the user admin's password page
        values["id"] = str(get_user_model().objects.order_by("pk").first().pk)
    if "app_label" in arguments:
        values["app_label"] = "training_sessions"
    if "url" in arguments:
        values["url"] = "no-such-page/"
    return values


# --- many more of every kind ---------------------------------------------------------------------------
def grow(world: World, n: int = 30) -> None:
    """Add about `n` more of every kind of row: lawyers admitted, seats and waitlists, sessions, attendance
    and its history, materials and versions, certificates and jobs, notices, invitations, imports, venues,
    faculty, programs; the world's own people get more of their own rows too."""
    admin, lawyer, teacher = world.administrator, world.lawyer, world.faculty
    now = timezone.now()
    provinces = cycle(Province.objects.order_by("code")[:12])
    faculty = [FacultyFactory() for _ in range(n)]
    for venue_number in range(n):
        VenueFactory(name_zh=f"增加的会议室{venue_number}")

    # Sessions: past ones (a few required) and future electives with one seat each, online, taught by the
    # world's faculty with another; the other faculty member joins half the electives.
    past, future = [], []
    for i, person in zip(range(n), cycle(faculty), strict=False):
        online = {"venue": None, "online_url": "https://meeting.example.org/room"}
        start = now - timedelta(days=4, hours=i)
        past.append(
            SessionFactory(
                program=world.program, starts_at=start, ends_at=start + timedelta(minutes=50), is_required=i < 3,
                title_zh=f"往期课{i}", **online,
            )
        )  # fmt: skip
        start = now + timedelta(days=3, hours=i)
        future.append(
            SessionFactory(
                program=world.program, starts_at=start, ends_at=start + timedelta(minutes=50), capacity=1,
                title_zh=f"选修课{i}", **online,
            )
        )  # fmt: skip
        for session in (past[-1], future[-1]):
            AssignmentFactory(session=session, faculty=world.faculty_profile)
            AssignmentFactory(session=session, faculty=person, role="panellist", position=1)
        if i < n // 2:
            AssignmentFactory(session=future[-1], faculty=world.other_faculty_profile, role="judge", position=2)

    # Lawyers: admitted from many provinces (seated in every required session), in the running session
    # (its seats run out: a waitlist) and each in a future elective, where the world's lawyer then waits.
    world.session.capacity = n // 2
    session_services.session_save(
        session=world.session, faculty=[(world.faculty_profile, "lecturer")], by=admin, acknowledge_warnings=True
    )
    lawyers = []
    for i in range(n):
        participant = ParticipantFactory(province=next(provinces), name_latin=f"Lawyer grown {i}")
        lawyers.append(participant)
        participant_services.admit(participant=participant, program=world.program, by=admin)
        participant_services.enrol(participant=participant, session=world.session)
        participant_services.enrol(participant=participant, session=future[i])
        session_services.calendar_feed_for(participant.user)
    # Coursework: more assignments of the program (on every lawyer's My program), and work handed in to the
    # running session's by the lawyers seated in it, half of it graded.
    for i in range(n):
        Assignment.objects.create(
            program=world.program, title_zh=f"增加的作业{i}", opens_at=now - timedelta(days=1),
            due_at=now + timedelta(days=6, hours=i),
        )  # fmt: skip
    seated = Enrolment.objects.filter(session=world.session, state=EnrolmentState.CONFIRMED, participant__in=lawyers)
    for i, participant in enumerate(Participant.objects.filter(pk__in=seated.values("participant"))):
        work = assessment_services.submit(
            assignment=world.extra["assignment"], participant=participant, text="作业", by=participant.user
        )
        if i % 2:
            assessment_services.grade(submission=work, score=70 + i % 30, comment="评语", by=admin)
    # Teams: more cases, the mock court's teams rebuilt with everyone seated in it (the lawyer's place locked).
    for i in range(n // 2):
        practice_services.case_save(
            Case(session=world.session, title_zh=f"增加的案件{i}", dispute="trademark", forum="upc", teams=2)
        )
    practice_services.build_teams(world.session, by=admin, seed=2)
    # Guangdong's list and lawyers grow: nominees within its quota then reserves, and lawyers admitted over it.
    guangdong = Province.objects.get(code="44")
    for i in range(n):
        nominee = ParticipantFactory(province=guangdong, name_latin=f"Lawyer nominated {i}")
        nomination_services.nominate(program=world.program, province=guangdong, participant=nominee, by=admin)
        if i % 3 == 0:
            admitted = ParticipantFactory(province=guangdong, name_latin=f"Lawyer of Guangdong {i}")
            participant_services.admit(participant=admitted, program=world.program, by=admin, override_reason="增补")
    for session in future:
        participant_services.enrol(participant=world.participant, session=session)  # waitlisted
    # The world's lawyers held seats in the past sessions too (enrolling in a past session is closed).
    for participant in (world.participant, world.other_participant):
        for session in past:
            Enrolment.objects.create(
                participant=participant, session=session, state=EnrolmentState.CONFIRMED, created_by=admin
            )
    participant_services.seats_recount(sessions=TrainingSession.objects.filter(pk__in=[s.pk for s in past]))

    # Attendance: the world's lawyer at every past session; everyone at the first one, marked absent and
    # then present (its history).
    for session in past:
        services.attendance_record(
            participant=world.participant, session=session, status=AttendanceStatus.PRESENT, by=teacher,
            method=AttendanceMethod.ROSTER,
        )  # fmt: skip
    for participant in lawyers:
        for status in (AttendanceStatus.ABSENT, AttendanceStatus.PRESENT):
            services.attendance_record(
                participant=participant, session=world.past_required, status=status, by=teacher,
                method=AttendanceMethod.ROSTER,
            )  # fmt: skip

    # Materials: many files on the world's session and on the new sessions, some in several versions.
    files = [SimpleUploadedFile(f"讲义{i}.pdf", pdf_bytes(f"Handout {i}")) for i in range(n)]
    posted = faculty_services.material_upload(
        session=world.session, files=files, by=teacher, visibility=Visibility.ENROLLED
    )
    for material in posted[: n // 3]:
        faculty_services.version_add(
            material=material, upload=SimpleUploadedFile("讲义.pdf", pdf_bytes("v2")), by=teacher
        )
    for session in past[: n // 2] + future[: n // 2]:
        faculty_services.material_upload(
            session=session, files=[SimpleUploadedFile("课件.pdf", pdf_bytes())], by=teacher,
            visibility=Visibility.PROGRAM,
        )  # fmt: skip
    for material in posted[-3:]:
        faculty_services.material_delete(material=material, by=teacher)

    # Certificates for everyone who completed, a few issue jobs, and one revoked.
    for participant in lawyers[: n // 3]:
        with contextlib.suppress(certificate_services.CertificateRefused):
            certificate_services.issue_certificate(
                participant=participant, program=world.program, by=admin, override_reason="补课已完成"
            )
    for _ in range(3):
        certificate_services.issue_all(program=world.program, by=admin)
    certificate_services.certificate_revoke(
        certificate=Certificate.objects.filter(program=world.program).last(), by=admin, reason="信息有误"
    )

    # Notices in the app for the world's people, invitations, imports, more history of the session.
    for i in range(n):
        for user in (lawyer, teacher, admin) if i < n // 3 else (lawyer,):  # the lawyer's inbox: two pages
            notify(user, "welcome", channel=Channel.BOTH if i % 2 else Channel.IN_APP, link=reverse("home"))
    for i in range(n // 3):
        account_services.user_invite(
            email=f"grown{i}@world.test", full_name=f"受邀{i}", role=Role.FACULTY, invited_by=admin
        )
    for i in range(n // 3):
        rows = [(f"导入{i}-{j}", f"1440120{i:05d}{j:05d}", f"import{i}.{j}@world.test") for j in range(5)]
        importing.job_create(
            program=world.program, uploaded=SimpleUploadedFile("list.csv", import_csv([*rows, ("错", "1", "x")])),
            by=admin,
        )  # fmt: skip
    for i in range(n // 3):
        world.session.title_en = f"Mock court, edition {i}"
        session_services.session_save(
            session=world.session, faculty=[(world.faculty_profile, "lecturer"), (faculty[i], "judge")], by=admin,
            acknowledge_warnings=True,
        )  # fmt: skip

    # Quotas for the grown lawyers' provinces, changed many times over: a long history.
    for i, province in zip(range(n), cycle(Province.objects.order_by("code")[:12]), strict=False):
        quotas.quotas_set(program=world.program, seats={province: n + i}, by=admin, source=QuotaChange.Source.BULK)

    # Other programs the lists show, each with a session, admitted lawyers and an application.
    for i in range(max(n // 6, 1)):
        program = ProgramFactory(slug=f"grown-{i}")
        SessionFactory(program=program, venue=None, online_url="https://meeting.example.org/other")
        for participant in lawyers[:3]:
            participant_services.admit(participant=participant, program=program, by=admin)
        AdmissionFactory(participant=lawyers[-1 - i], program=program, state=AdmissionState.APPLIED)
    world.session.refresh_from_db()
    # Answers to the questionnaires: sheets for the required session of three days ago and for the past ones,
    # each rating its faculty (stored as the answer service stores them, without the lawyer).
    questionnaire, rated = world.extra["questionnaire"], ("rating", "faculty")
    questions = list(questionnaire.questions.all())
    for session in [world.past_required, *past]:
        people = [a.faculty for a in session.assignments.all()]
        for i in range(n // 3):
            sheet = Response.objects.create(questionnaire=questionnaire, session=session, answered_on=now.date())
            Answer.objects.bulk_create(
                Answer(response=sheet, question=q, faculty=person, rating=1 + i % 5 if q.kind in rated else None,
                       choices=[0] if q.has_choices else [], text="讲得很好" if q.kind == "text" else "")
                for q in questions for person in (people if q.kind == "faculty" else [None])
            )  # fmt: skip


@contextlib.contextmanager
def world_for_module(django_db_blocker, media_root, build=None):
    """The world for a whole test module (`build`, world.py's unless another is given): built once in a
    transaction that is rolled back at the end, so each test (in its own savepoint) starts from it and other
    modules never see it. It lives on the suite's clock (tests/clock.py: --clock), as the module's tests do."""
    from django.db import transaction
    from django.test import override_settings

    from tests import clock

    with clock.suite(), django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root), transaction.atomic():
        try:
            yield (build or build_world)()
        finally:
            transaction.set_rollback(True)
