"""Property tests: no input, however odd, makes a form raise or a view answer with a server error.

Every form class in the apps is found by walking their modules (a new form fails
`test_every_form_is_fuzzed` until it is listed here), fed arbitrary data, and then posted through
the test client, as the role allowed to use it, to the views behind it; a refusal changes nothing.
"""

import importlib
import io
import os
import pkgutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms.formsets import BaseFormSet
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from accounts.models import Invitation
from accounts.views.auth import INVITATION_SESSION_KEY
from assessment.models import Assignment, GradeChange, Submission
from certificates.models import Certificate, CertificateDesign
from evaluations.models import Answer, Answered, Question, Questionnaire, Response
from faculty.models import Material, MaterialVersion
from nominations.models import Coordinator, Nomination, NominationChange, ProvinceList
from participants.models import (
    Admission,
    Attendance,
    Enrolment,
    ImportJob,
    Participant,
    ProvinceQuota,
    QuotaChange,
    SpecialtyMerge,
)
from participants.services import specialties
from participants.services.quotas import quota_table
from sessions.models import Faculty, FacultyAssignment, Program, Topic, TrainingSession, Venue
from tests.support import client_for

from .fuzz_world import INVITATION_TOKEN, World, build_world, pdf_bytes
from .world import world_for_module

APPS = (
    "accounts", "sessions", "participants", "faculty", "certificates", "notifications", "nominations", "assessment",
    "evaluations",
)  # fmt: skip
# A few examples a target in each run keep the suite quick; PROPERTY_EXAMPLES=200 explores deeper.
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "0")) or None
# No deadline and no "too slow" check: the suite shares small CI machines, and a slow example is not a failure.
FUZZ = settings(
    max_examples=EXAMPLES or 8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- the world, built once for the module and rolled back at its end ---------------------------
@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_for_module(django_db_blocker, tmp_path_factory.mktemp("media"), build=build_world) as world:
        yield world


@contextmanager
def rolled_back():
    """One example's requests, undone afterwards: every example starts from the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- arbitrary input ---------------------------------------------------------------------------
CHARS = st.characters(blacklist_categories=("Cs",))  # anything UTF-8 can carry, NUL included
TEXT = st.text(CHARS, max_size=40)
HUGE = st.builds(
    lambda unit, n: unit * n, st.sampled_from(["x", "数", "9", "\u202e", "é ", "<>"]), st.integers(1, 30_000)
)
WITH_NUL = st.builds(lambda a, b: f"{a}\x00{b}", TEXT, TEXT)
NUMBERS = st.one_of(
    st.integers().map(str),
    st.floats().map(str),
    st.decimals(allow_nan=True).map(str),
    # Unicode digits too: "٣" and "１２" pass str.isdigit() and int(); "²" passes isdigit() but not int().
    st.sampled_from(
        ["1e309", "-0", "０１２", "٣", "²", "𝟙", "1_000", "0x10", "9" * 40, "-1", "NaN", "Infinity", " 7 "]
    ),
)
DATES = st.one_of(
    st.dates().map(str),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.datetimes().map(str),
    st.sampled_from(["2025-02-30", "0000-00-00", "9999-12-31T23:59", "2025-06-12T25:61", "0001-01-01T00:00"]),
)
EMAILS = st.one_of(st.emails(), st.sampled_from(["a@b", "@example.cn", "李@例子.中国", "x" * 300 + "@example.cn"]))
DIGITS = st.one_of(st.from_regex(r"[0-9]{1,20}", fullmatch=True), st.from_regex(r"[０-９ -]{1,20}", fullmatch=True))
JUNK = st.one_of(TEXT, NUMBERS, DATES, WITH_NUL, HUGE, EMAILS, DIGITS, st.just(""))


def _choice_values(choices) -> list[str]:
    values = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            values += _choice_values(label)
        else:
            values.append(str(getattr(value, "value", value)))
    return values or [""]


def values_for(form_field: forms.Field) -> st.SearchStrategy[str]:
    """Junk, and values of the field's own kind (so the examples also reach past the first check)."""
    if isinstance(form_field, forms.ModelChoiceField):
        own = st.sampled_from([str(pk) for pk in form_field.queryset.values_list("pk", flat=True)[:20]] or [""])
    elif isinstance(form_field, forms.ChoiceField):
        own = st.sampled_from(_choice_values(form_field.choices))
    elif isinstance(form_field, forms.DateField | forms.DateTimeField):
        own = DATES
    elif isinstance(form_field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        own = NUMBERS
    elif isinstance(form_field, forms.BooleanField):
        own = st.sampled_from(["on", "true", "false", "0", "1", ""])
    elif isinstance(form_field, forms.EmailField):
        own = EMAILS
    elif isinstance(form_field, forms.URLField):
        own = st.one_of(st.sampled_from(["https://meet.example.cn/x", "javascript:alert(1)", "http://[::1"]), TEXT)
    else:
        own = st.one_of(TEXT, DIGITS)
    return st.one_of(own, own, JUNK)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


CONTENTS = st.one_of(
    st.binary(max_size=600),
    st.sampled_from(
        [
            b"",
            pdf_bytes(),
            _png(),
            b"MZ\x90\x00" + b"\x00" * 60,
            "姓名,邮箱\n王,w@x.cn\n".encode(),
            "姓名,执业证号,律师事务所,省份,邮箱\n王,44030120190000001,某所,广东,w@x.cn\n".encode("gbk"),
        ]
    ),
)
FILE_NAMES = st.one_of(
    st.builds(lambda stem, ext: stem + ext, TEXT, st.sampled_from(["", ".pdf", ".png", ".csv", ".xlsx", ".exe"])),
    st.sampled_from(["../../etc/passwd", "a" * 400 + ".pdf", "资料.pdf", ".pdf"]),
)
# A name the browser would send for a chosen file (an empty one means no file was chosen).
FILES = st.builds(SimpleUploadedFile, FILE_NAMES.filter(lambda n: os.path.basename(n) not in ("", ".", "..")), CONTENTS)


def fields_of(form) -> dict[str, forms.Field]:
    """The posted names of a form or a formset (management form and a few rows) with their fields."""
    if isinstance(form, BaseFormSet):
        named = {form.management_form.add_prefix(n): f for n, f in form.management_form.fields.items()}
        for index in range(3):
            row = form._construct_form(index) if form.is_bound else form.empty_form
            named |= {f"{form.prefix}-{index}-{n}": f for n, f in row.fields.items()}
        return named
    return {form.add_prefix(name): f for name, f in form.fields.items()}


def payloads(named: dict[str, forms.Field], extra=("action", "reason", "next", "csrfmiddlewaretoken")):
    """A form's data: each field missing, given once or several times; files apart; stray names too."""
    fields = [(name, isinstance(f, forms.FileField), FILES if isinstance(f, forms.FileField) else values_for(f))
              for name, f in named.items()]  # fmt: skip

    @st.composite
    def draw_payload(draw):
        data, files = {}, {}
        for name, is_file, strategy in fields:
            shape = draw(st.sampled_from(["missing", "one", "one", "one", "many"]))
            if shape == "missing":
                continue
            chosen = draw(st.lists(strategy, min_size=2, max_size=3)) if shape == "many" else draw(strategy)
            (files if is_file else data)[name] = chosen
        for name in draw(st.lists(st.sampled_from(extra), max_size=2, unique=True)):
            data.setdefault(name, draw(JUNK))
        return data, files

    return draw_payload()


_PAYLOADS: dict[tuple[int, str], st.SearchStrategy] = {}


def _payloads_for(world, key: str, named: Callable[[], dict]) -> st.SearchStrategy:
    """Built once a world and target: the fields (and the world's ids they offer) stay the same."""
    if (id(world), key) not in _PAYLOADS:
        _PAYLOADS[id(world), key] = payloads(named())
    return _PAYLOADS[id(world), key]


# --- every form in the apps ----------------------------------------------------------------------
def _app_modules():
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in info.name:
                yield importlib.import_module(info.name)


def app_form_classes() -> set[str]:
    """Every concrete form and formset class bound in the apps' modules, as dotted names (a class
    imported elsewhere keeps the name of the first module that binds it)."""
    found = {}
    for module in _app_modules():
        for name, value in vars(module).items():
            if not isinstance(value, type) or name.startswith("_"):
                continue
            ours = value.__module__.split(".")[0] in APPS
            if issubclass(value, forms.BaseForm) and ours:
                if issubclass(value, forms.BaseModelForm) and value._meta.model is None:
                    continue
                found.setdefault(value, f"{value.__module__}.{value.__name__}")
            elif issubclass(value, BaseFormSet) and hasattr(value, "form"):  # made by a formset factory
                found.setdefault(value, f"{module.__name__}.{name}")
    return set(found.values())


def _form(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@dataclass
class FormCase:
    build: Callable  # (world, data, files) -> a bound form
    views: list[str] = field(default_factory=list)  # the view targets (below) that use it


def fresh(instance):
    """The object as stored: a form's cleaning writes into its instance, which the world must not keep."""
    return type(instance).objects.get(pk=instance.pk)


def _plain(path):
    return lambda w, data, files: _form(path)(data, files)


FORMS: dict[str, FormCase] = {
    "accounts.forms.LoginForm": FormCase(
        lambda w, d, f: _form("accounts.forms.LoginForm")(RequestFactory().post("/accounts/login/"), data=d), ["login"]
    ),
    "accounts.forms.PasswordResetRequestForm": FormCase(
        _plain("accounts.forms.PasswordResetRequestForm"), ["password_reset"]
    ),
    "accounts.forms.SetPasswordForm": FormCase(
        lambda w, d, f: _form("accounts.forms.SetPasswordForm")(d, user=w.invitee), ["activate"]
    ),
    "accounts.forms.InviteForm": FormCase(_plain("accounts.forms.InviteForm"), ["invite"]),
    "accounts.forms.ProfileForm": FormCase(
        lambda w, d, f: _form("accounts.forms.ProfileForm")(d, instance=fresh(w.lawyer_user)), ["profile"]
    ),
    "sessions.forms.ProgramForm": FormCase(_plain("sessions.forms.ProgramForm"), ["program_create", "program_edit"]),
    "sessions.forms.TopicFormSet": FormCase(
        lambda w, d, f: _form("sessions.forms.TopicFormSet")(d, instance=w.program), ["program_topics"]
    ),
    "sessions.forms.VenueForm": FormCase(_plain("sessions.forms.VenueForm"), ["venue_create", "venue_edit"]),
    "sessions.forms.FacultyForm": FormCase(_plain("sessions.forms.FacultyForm"), ["faculty_create", "faculty_edit"]),
    "sessions.forms.SessionForm": FormCase(
        lambda w, d, f: _form("sessions.forms.SessionForm")(d, program=w.program),
        ["session_create", "session_edit", "session_check"],
    ),
    "sessions.forms.AssignmentForm": FormCase(
        lambda w, d, f: _form("sessions.forms.AssignmentForm")(d, faculty_queryset=Faculty.objects.all()),
        ["session_create", "session_edit"],
    ),
    "sessions.forms.AssignmentFormSet": FormCase(
        lambda w, d, f: _form("sessions.forms.AssignmentFormSet")(d, prefix="faculty"), ["session_edit"]
    ),
    "sessions.forms.CancelForm": FormCase(_plain("sessions.forms.CancelForm"), ["session_cancel"]),
    "sessions.forms.TimetableFilterForm": FormCase(
        lambda w, d, f: _form("sessions.forms.TimetableFilterForm")(d, program=w.program), ["schedule"]
    ),
    "participants.forms.ContactForm": FormCase(
        lambda w, d, f: _form("participants.forms.ContactForm")(d, instance=fresh(w.lawyer)), ["my_profile"]
    ),
    "participants.forms.ApplicationForm": FormCase(_plain("participants.forms.ApplicationForm"), ["apply"]),
    "participants.forms.AdministratorProfileForm": FormCase(
        lambda w, d, f: _form("participants.forms.AdministratorProfileForm")(d, instance=fresh(w.other_lawyer)),
        ["lawyer_edit"],
    ),
    "participants.forms.UploadForm": FormCase(_plain("participants.forms.UploadForm"), ["import", "province_upload"]),
    "assessment.forms.SubmissionForm": FormCase(_plain("assessment.forms.SubmissionForm"), ["submit_work"]),
    "assessment.forms.AssignmentForm": FormCase(
        lambda w, d, f: _form("assessment.forms.AssignmentForm")(d, instance=fresh(w.assignment), program=w.program),
        ["assignment_edit"],
    ),
    "assessment.forms.CriterionFormSet": FormCase(
        lambda w, d, f: _form("assessment.forms.CriterionFormSet")(d, instance=fresh(w.assignment), prefix="criteria"),
        ["assignment_edit"],
    ),
    "assessment.forms.GradeForm": FormCase(
        lambda w, d, f: _form("assessment.forms.GradeForm")(d, assignment=w.assignment), ["grade_work"]
    ),
    "nominations.forms.NewLawyerForm": FormCase(_plain("nominations.forms.NewLawyerForm"), ["new_lawyer"]),
    "nominations.views.InviteForm": FormCase(_plain("nominations.views.InviteForm"), ["coordinator_invite"]),
    "participants.views.quotas.QuotaTableForm": FormCase(
        lambda w, d, f: _form("participants.views.quotas.QuotaTableForm")(quota_table(w.program), d), ["quotas"]
    ),
    "participants.views.quotas.QuotaBulkForm": FormCase(
        _plain("participants.views.quotas.QuotaBulkForm"), ["quotas_bulk"]
    ),
    "participants.views.quotas.QuotaImportForm": FormCase(
        _plain("participants.views.quotas.QuotaImportForm"), ["quotas_import"]
    ),
    "participants.views.imports.MergeForm": FormCase(
        lambda w, d, f: _form("participants.views.imports.MergeForm")(
            d, in_use=[item.value for item in specialties.unknown_in_use()]
        ),
        ["specialties"],
    ),
    "faculty.forms.MaterialForm": FormCase(_plain("faculty.forms.MaterialForm"), ["materials"]),
    "faculty.forms.VersionForm": FormCase(_plain("faculty.forms.VersionForm"), ["material_version"]),
    "faculty.forms.FacultyProfileForm": FormCase(
        lambda w, d, f: _form("faculty.forms.FacultyProfileForm")(d, f, instance=fresh(w.faculty)), ["faculty_profile"]
    ),
    "certificates.views.manage.DesignForm": FormCase(
        _plain("certificates.views.manage.DesignForm"), ["certificate_design"]
    ),
    "evaluations.forms.QuestionnaireForm": FormCase(
        _plain("evaluations.forms.QuestionnaireForm"), ["questionnaire_create", "questionnaire_edit"]
    ),
    "evaluations.forms.QuestionForm": FormCase(_plain("evaluations.forms.QuestionForm"), ["questionnaire_create"]),
    "evaluations.forms.QuestionFormSet": FormCase(
        lambda w, d, f: _form("evaluations.forms.QuestionFormSet")(
            d, instance=fresh(w.questionnaire), prefix="questions"
        ),
        ["questionnaire_create", "questionnaire_edit"],
    ),
    "evaluations.forms.AnswerForm": FormCase(
        lambda w, d, f: _form("evaluations.forms.AnswerForm")(d, questionnaire=w.questionnaire, session=w.ended),
        ["answer"],
    ),
}


def test_every_form_is_fuzzed():
    """A form added to an app must be listed above, with the views that use it."""
    assert app_form_classes() == set(FORMS)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(FORMS))
@FUZZ
@given(data=st.data())
def test_forms_never_raise_and_their_errors_name_fields(world, path, data):
    case = FORMS[path]
    posted, files = data.draw(_payloads_for(world, path, lambda: fields_of(case.build(world, None, None))))
    if data.draw(st.booleans()):  # as a request brings it: lists of strings
        post = MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in posted.items()})
        uploads = MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in files.items()})
    else:  # as code calls it: a plain dictionary, one value a name
        post = {k: v[-1] if isinstance(v, list) else v for k, v in posted.items()}
        uploads = {k: v[-1] if isinstance(v, list) else v for k, v in files.items()}
    with rolled_back():
        form = case.build(world, post, uploads)
        if form.is_valid():
            return
        errors = form.non_form_errors() if isinstance(form, BaseFormSet) else form.errors
        if isinstance(form, BaseFormSet):
            assert errors or any(row.errors for row in form.forms)
            for row in form.forms:
                assert set(row.errors) <= {*row.fields, NON_FIELD_ERRORS}
        else:
            assert errors and set(errors) <= {*form.fields, NON_FIELD_ERRORS}
            assert all(str(message) for messages in errors.values() for message in messages)


# --- the views behind the forms, and the other pages that take input ----------------------------
@dataclass
class Target:
    role: str  # administrator, faculty, lawyer, applicant, coordinator, invitee or anonymous
    url: Callable[[World], str]
    fields: Callable[[World], dict[str, forms.Field]]
    method: str = "post"


def _form_fields(path, *more_paths):
    def named(world):
        result = {}
        for p in (path, *more_paths):
            result |= fields_of(FORMS[p].build(world, None, None))
        return result

    return named


def _raw(**names) -> Callable[[World], dict[str, forms.Field]]:
    """Parameters a view reads itself, each given the form field that says what it expects."""
    return lambda world: {name: (make(world) if callable(make) else make) for name, make in names.items()}


def _pk_of(*querysets):
    return lambda world: forms.ChoiceField(
        choices=[(str(pk), pk) for qs in querysets for pk in qs().values_list("pk", flat=True)]
    )


def _choices(*values):
    return forms.ChoiceField(choices=[(v, v) for v in values])


def _participant_pks():
    return Participant.objects.all()


TARGETS: dict[str, Target] = {
    # accounts
    "login": Target("anonymous", lambda w: reverse("accounts:login"), _form_fields("accounts.forms.LoginForm")),
    "password_reset": Target(
        "anonymous",
        lambda w: reverse("accounts:password_reset"),
        _form_fields("accounts.forms.PasswordResetRequestForm"),
    ),
    "activate": Target(
        "invitee", lambda w: reverse("accounts:activate"), _form_fields("accounts.forms.SetPasswordForm")
    ),
    "password_change": Target(
        "lawyer",
        lambda w: reverse("accounts:password_change"),
        lambda w: fields_of(PasswordChangeForm(w.lawyer_user)),
    ),
    "invite": Target("administrator", lambda w: reverse("accounts:invite"), _form_fields("accounts.forms.InviteForm")),
    "profile": Target("lawyer", lambda w: reverse("accounts:profile"), _form_fields("accounts.forms.ProfileForm")),
    "set_language": Target(
        "lawyer",
        lambda w: reverse("accounts:set_language"),
        _raw(language=_choices("en", "zh-hans"), next=forms.CharField()),
    ),
    # scheduling
    "program_create": Target(
        "administrator", lambda w: reverse("sessions_manage:program_create"), _form_fields("sessions.forms.ProgramForm")
    ),
    "program_edit": Target(
        "administrator",
        lambda w: reverse("sessions_manage:program_edit", args=[w.program.slug]),
        _form_fields("sessions.forms.ProgramForm"),
    ),
    "program_topics": Target(
        "administrator",
        lambda w: reverse("sessions_manage:program_topics", args=[w.program.slug]),
        _form_fields("sessions.forms.TopicFormSet"),
    ),
    "venue_create": Target(
        "administrator", lambda w: reverse("sessions_manage:venue_create"), _form_fields("sessions.forms.VenueForm")
    ),
    "venue_edit": Target(
        "administrator",
        lambda w: reverse("sessions_manage:venue_edit", args=[w.venue.pk]),
        _form_fields("sessions.forms.VenueForm"),
    ),
    "faculty_create": Target(
        "administrator", lambda w: reverse("sessions_manage:faculty_create"), _form_fields("sessions.forms.FacultyForm")
    ),
    "faculty_edit": Target(
        "administrator",
        lambda w: reverse("sessions_manage:faculty_edit", args=[w.faculty.pk]),
        _form_fields("sessions.forms.FacultyForm"),
    ),
    "session_create": Target(
        "administrator",
        lambda w: reverse("sessions_manage:session_create", args=[w.program.slug]),
        _form_fields("sessions.forms.SessionForm", "sessions.forms.AssignmentFormSet"),
    ),
    "session_edit": Target(
        "administrator",
        lambda w: reverse("sessions_manage:session_edit", args=[w.elective.pk]),
        _form_fields("sessions.forms.SessionForm", "sessions.forms.AssignmentFormSet"),
    ),
    "session_check": Target(
        "administrator",
        lambda w: reverse("sessions_manage:session_check", args=[w.program.slug]),
        lambda w: (
            _form_fields("sessions.forms.SessionForm", "sessions.forms.AssignmentFormSet")(w)
            | {"session_pk": forms.ChoiceField(choices=[(str(w.elective.pk), ""), ("x", "")])}
        ),
    ),
    "session_cancel": Target(
        "administrator",
        lambda w: reverse("sessions_manage:session_cancel", args=[w.elective.pk]),
        _form_fields("sessions.forms.CancelForm"),
    ),
    "schedule": Target(
        "lawyer",
        lambda w: reverse("sessions:schedule", args=[w.program.slug]),
        lambda w: (
            _form_fields("sessions.forms.TimetableFilterForm")(w)
            | {"view": _choices("all", "week", "day"), "date": forms.DateField()}
        ),
        method="get",
    ),
    # lawyers, admissions, imports
    "my_profile": Target(
        "lawyer", lambda w: reverse("participants:my_profile"), _form_fields("participants.forms.ContactForm")
    ),
    "apply": Target(
        "applicant",
        lambda w: reverse("participants:apply", args=[w.program.slug]),
        _form_fields("participants.forms.ApplicationForm"),
    ),
    "lawyer_edit": Target(
        "administrator",
        lambda w: reverse("participants:lawyer_edit", args=[w.other_lawyer.pk]),
        _form_fields("participants.forms.AdministratorProfileForm"),
    ),
    "quotas": Target(
        "administrator",
        lambda w: reverse("participants:quotas", args=[w.program.slug]),
        _form_fields("participants.views.quotas.QuotaTableForm"),
    ),
    "quotas_bulk": Target(
        "administrator",
        lambda w: reverse("participants:quotas_bulk", args=[w.program.slug]),
        _form_fields("participants.views.quotas.QuotaBulkForm"),
    ),
    "quotas_import": Target(
        "administrator",
        lambda w: reverse("participants:quotas_import", args=[w.program.slug]),
        _form_fields("participants.views.quotas.QuotaImportForm"),
    ),
    "import": Target(
        "administrator",
        lambda w: reverse("participants:import_upload", args=[w.program.slug]),
        _form_fields("participants.forms.UploadForm"),
    ),
    "import_start": Target(
        "administrator",
        lambda w: reverse("participants:import_start", args=[w.import_job.pk]),
        _raw(only_valid=_choices("1", "0", "on"), check=lambda w: _choices(w.import_job.check_digest, "")),
    ),
    "specialties": Target(
        "administrator",
        lambda w: reverse("participants:specialties"),
        _form_fields("participants.views.imports.MergeForm"),
    ),
    "admission_action": Target(
        "administrator",
        lambda w: reverse(
            "participants:admission_action", args=[Admission.objects.filter(participant=w.lawyer).get().pk]
        ),
        _raw(
            action=_choices("admit", "rejected", "withdrawn", "applied"),
            reason=forms.CharField(),
            override_reason=forms.CharField(),
        ),
    ),
    "roster_action": Target(
        "administrator",
        lambda w: reverse("participants:roster_action", args=[w.elective.pk]),
        _raw(
            action=_choices("remove", "enrol"),
            enrolment=_pk_of(Enrolment.objects.all),
            participant=_pk_of(_participant_pks),
        ),
    ),
    "enrolment_move": Target(
        "administrator",
        lambda w: reverse("participants:enrolment_move", args=[w.enrolment.pk]),
        _raw(to=_pk_of(TrainingSession.objects.all)),
    ),
    "enrolment_action": Target(
        "lawyer",
        lambda w: reverse("participants:enrolment_action", args=[w.elective.pk]),
        _raw(action=_choices("enrol", "cancel"), compact=_choices("1", "")),
    ),
    "attendance_mark": Target(
        "faculty",
        lambda w: reverse("participants:attendance_mark", args=[w.session.pk]),
        _raw(
            participant=_pk_of(_participant_pks),
            status=_choices("present", "late", "absent", "excused", "x"),
            note=forms.CharField(),
        ),
    ),
    "attendance_mark_all": Target(
        "faculty", lambda w: reverse("participants:attendance_mark_all", args=[w.session.pk]), _raw()
    ),
    "checkin_code": Target("lawyer", lambda w: reverse("participants:checkin_code"), _raw(code=forms.CharField())),
    "completion_notify": Target(
        "administrator", lambda w: reverse("participants:completion_notify", args=[w.program.slug]), _raw()
    ),
    # faculty and materials
    "materials": Target(
        "faculty",
        lambda w: reverse("faculty:session_materials", args=[w.session.pk]),
        _form_fields("faculty.forms.MaterialForm"),
    ),
    "material_version": Target(
        "faculty",
        lambda w: reverse("faculty:material_version", args=[w.material.pk]),
        _form_fields("faculty.forms.VersionForm"),
    ),
    "faculty_profile": Target(
        "faculty", lambda w: reverse("faculty:profile"), _form_fields("faculty.forms.FacultyProfileForm")
    ),
    # certificates and notices
    "certificate_design": Target(
        "administrator",
        lambda w: reverse("certificates:design", args=[w.program.slug]),
        _form_fields("certificates.views.manage.DesignForm"),
    ),
    "certificate_issue_one": Target(
        "administrator",
        lambda w: reverse("certificates:issue_one", args=[w.program.slug]),
        _raw(participant=_pk_of(_participant_pks), reason=forms.CharField()),
    ),
    # coursework
    "submit_work": Target(
        "lawyer",
        lambda w: reverse("assessment:assignment", args=[w.assignment.pk]),
        _form_fields("assessment.forms.SubmissionForm"),
    ),
    "assignment_edit": Target(
        "administrator",
        lambda w: reverse("assessment:assignment_edit", args=[w.program.slug, w.assignment.pk]),
        _form_fields("assessment.forms.AssignmentForm", "assessment.forms.CriterionFormSet"),
    ),
    "grade_work": Target(
        "faculty",
        lambda w: reverse("assessment:grade", args=[w.submission.pk]),
        _form_fields("assessment.forms.GradeForm"),
    ),
    # the provinces' nominations
    "new_lawyer": Target(
        "coordinator",
        lambda w: reverse("nominations:new_lawyer", args=[w.program.slug]),
        _form_fields("nominations.forms.NewLawyerForm"),
    ),
    "province_upload": Target(
        "coordinator",
        lambda w: reverse("nominations:upload", args=[w.program.slug]),
        _form_fields("participants.forms.UploadForm"),
    ),
    "nominate": Target(
        "coordinator",
        lambda w: reverse("nominations:nominate", args=[w.program.slug]),
        _raw(participant=_pk_of(_participant_pks), q=forms.CharField()),
    ),
    "list_submit": Target("coordinator", lambda w: reverse("nominations:submit", args=[w.program.slug]), _raw()),
    "substitute": Target(
        "coordinator",
        lambda w: reverse("nominations:substitute", args=[w.nomination.pk]),
        _raw(reserve=_pk_of(Nomination.objects.all), reason=forms.CharField()),
    ),
    "coordinator_invite": Target(
        "administrator",
        lambda w: reverse("nominations:office_province", args=[w.program.slug, "44"]),
        _form_fields("nominations.views.InviteForm"),
    ),
    "nomination_decide": Target(
        "administrator",
        lambda w: reverse("nominations:decide", args=[w.nomination.pk]),
        _raw(action=_choices("approve", "return"), reason=forms.CharField()),
    ),
    "list_return": Target(
        "administrator",
        lambda w: reverse("nominations:return_list", args=[w.program.slug, "44"]),
        _raw(reason=forms.CharField()),
    ),
    # questionnaires
    "questionnaire_create": Target(
        "administrator",
        lambda w: reverse("evaluations:manage_create", args=[w.program.slug]),
        _form_fields("evaluations.forms.QuestionnaireForm", "evaluations.forms.QuestionFormSet"),
    ),
    "questionnaire_edit": Target(
        "administrator",
        lambda w: reverse("evaluations:manage_edit", args=[w.program.slug, w.questionnaire.pk]),
        _form_fields("evaluations.forms.QuestionnaireForm", "evaluations.forms.QuestionFormSet"),
    ),
    "answer": Target(
        "lawyer",
        lambda w: reverse("evaluations:answer_session", args=[w.questionnaire.pk, w.ended.pk]),
        _form_fields("evaluations.forms.AnswerForm"),
    ),
    "mark_read": Target(
        "lawyer", lambda w: reverse("notifications:mark_read"), _raw(id=forms.IntegerField(), page=forms.IntegerField())
    ),
}

# The search and filter forms that are plain GET parameters.
SEARCHES: dict[str, Target] = {
    name: Target(role, url, _raw(**{p: forms.CharField() for p in params}), method="get")
    for name, role, url, params in [
        ("admissions", "administrator", lambda w: reverse("participants:admissions", args=[w.program.slug]),
         ["q", "state", "province", "page"]),
        ("roster", "administrator", lambda w: reverse("participants:roster", args=[w.elective.pk]), ["q", "export"]),
        ("attendance_roster", "faculty", lambda w: reverse("participants:attendance_roster", args=[w.session.pk]),
         ["q"]),
        ("completion", "administrator", lambda w: reverse("participants:completion", args=[w.program.slug]),
         ["q", "province", "outcome", "sort", "page", "export"]),
        ("users", "administrator", lambda w: reverse("accounts:user_list"), ["q", "role", "page"]),
        ("outbox", "administrator", lambda w: reverse("notifications:outbox"), ["q", "state", "page"]),
        ("inbox", "lawyer", lambda w: reverse("notifications:inbox"), ["page"]),
        ("faculty_list", "administrator", lambda w: reverse("sessions_manage:faculty_list"), ["q"]),
        ("faculty_directory", "lawyer", lambda w: reverse("sessions:faculty_directory"), ["kind"]),
        ("certificates", "administrator", lambda w: reverse("certificates:manage", args=[w.program.slug]),
         ["q", "lawyer", "page"]),
        ("province", "coordinator", lambda w: reverse("nominations:province", args=[w.program.slug]),
         ["q", "page"]),
        ("grading_queue", "faculty", lambda w: reverse("assessment:queue", args=[w.assignment.pk]),
         ["show", "province", "export"]),
        ("province_blank", "coordinator", lambda w: reverse("nominations:upload", args=[w.program.slug]), ["blank"]),
        ("verify_form", "anonymous", lambda w: reverse("certificates:verify_form"), ["code"]),
        ("program_ics", "anonymous", lambda w: reverse("sessions:program_ics", args=[w.program.slug]), ["key"]),
        ("questionnaire_results", "administrator",
         lambda w: reverse("evaluations:results", args=[w.program.slug, w.questionnaire.pk]), ["session", "export"]),
        ("session_copy", "administrator",
         lambda w: reverse("sessions_manage:session_create", args=[w.program.slug]), ["from"]),
    ]
}  # fmt: skip


def test_every_form_has_its_views_fuzzed():
    for path, case in FORMS.items():
        assert case.views, f"{path} names no view"
        assert set(case.views) <= set(TARGETS), f"{path}: unknown view target"


# What an example may change only when it is accepted: a refusal leaves all of it as it was.
DOMAIN = [
    (Program, None), (Topic, None), (Venue, None), (Faculty, None), (TrainingSession, None), (FacultyAssignment, None),
    (Participant, None), (Admission, None), (Enrolment, None), (Attendance, None), (Material, None),
    (MaterialVersion, None), (ImportJob, None), (SpecialtyMerge, None), (Invitation, None), (CertificateDesign, None),
    (Certificate, None), (ProvinceQuota, None), (QuotaChange, None), (Coordinator, None), (ProvinceList, None),
    (Nomination, None), (NominationChange, None), (Assignment, None), (Submission, None), (GradeChange, None),
    (Nomination, None), (NominationChange, None), (Questionnaire, None), (Question, None), (Answered, None),
    (Response, None), (Answer, None),
    (get_user_model(), ["email", "full_name", "language", "is_active", "password"]),
]  # fmt: skip


def snapshot():
    return [list(model.objects.order_by("pk").values_list(*(names or []))) for model, names in DOMAIN]


def _client(world: World, role: str) -> Client:
    if role == "anonymous":
        return Client(HTTP_ACCEPT_LANGUAGE="en")
    if role == "invitee":
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        session = client.session
        session[INVITATION_SESSION_KEY] = INVITATION_TOKEN
        session.save()
        return client
    user = {
        "administrator": world.administrator, "faculty": world.faculty_user, "lawyer": world.lawyer_user,
        "applicant": world.applicant_user, "coordinator": world.coordinator_user,
    }[role]  # fmt: skip
    return client_for(user, "en")


def _refused(response) -> bool:
    """Whether the answer says no: an error status, a redirect with an error message, or a page
    showing a form's errors or an error (htmx answers 200 either way)."""
    if response.status_code >= 400:
        return True
    if response.status_code in (301, 302, 303):
        return any(m.level >= message_levels.ERROR for m in get_messages(response.wsgi_request))
    context = response.context or {}
    if context.get("error"):
        return True
    for key in ("form", "formset", "table_form", "bulk_form", "import_form", "criteria"):
        shown = context.get(key)
        if shown is not None and shown.is_bound and not shown.is_valid():
            return True
    return False


def _send(world, target: Target, data, files, headers):
    client = _client(world, target.role)
    if target.method == "get":
        response = client.get(target.url(world), data, headers=headers)
    else:
        response = client.post(target.url(world), {**data, **files}, headers=headers)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "HX-Request": st.just("true"),
        "HX-Target": st.sampled_from(["roster-body", "x"]),
        "HX-Prompt": st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
    },
)


def _fuzz_view(world, name: str, target: Target, data):
    posted, files = data.draw(_payloads_for(world, name, lambda: target.fields(world)))
    headers = data.draw(HEADERS)
    with rolled_back():
        before = snapshot() if target.method == "post" else None
        response = _send(world, target, posted, files, headers)
        assert response.status_code < 500
        if before is not None and _refused(response):
            assert snapshot() == before, f"refused ({response.status_code}) yet changed"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(FUZZ, max_examples=EXAMPLES or 5)
@given(data=st.data())
def test_posting_anything_never_answers_500_and_a_refusal_changes_nothing(world, name, data):
    _fuzz_view(world, f"post:{name}", TARGETS[name], data)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SEARCHES))
@settings(FUZZ, max_examples=EXAMPLES or 5)
@given(data=st.data())
def test_searching_for_anything_never_answers_500(world, name, data):
    _fuzz_view(world, f"get:{name}", SEARCHES[name], data)


# --- regressions found by the properties above, as plain examples --------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/manage/programs/{slug}/admissions/?q=%00", "/manage/programs/{slug}/completion/?province=a%00",
     "/accounts/users/?q=%00", "/notifications/outbox/?q=x%00", "/manage/faculty/?q=%00", "/calendar/a%00b.ics",
     "/programs/{slug}/schedule.ics?key=%00", "/manage/programs/{slug}/certificates/?q=%00"],
)  # fmt: skip
def test_a_null_character_in_an_address_is_a_bad_request(world, url):
    client = _client(world, "administrator" if url.startswith(("/manage", "/accounts", "/notif")) else "anonymous")
    response = client.get(url.format(slug=world.program.slug))
    assert response.status_code == 400
    assert b"cannot be read" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["²", "9" * 19, "9" * 4301])
def test_numbers_that_are_not_ids_find_nothing(world, number):
    administrator, lawyer = _client(world, "administrator"), _client(world, "lawyer")
    assert lawyer.post(reverse("notifications:mark_read"), {"id": number}).status_code == 302
    check = reverse("sessions_manage:session_check", args=[world.program.slug])
    assert administrator.post(check, {"session_pk": number}).status_code == 200
    copy = reverse("sessions_manage:session_create", args=[world.program.slug])
    assert administrator.get(copy, {"from": number}, follow=True).status_code in (200, 404)
    move = reverse("participants:enrolment_move", args=[world.enrolment.pk])
    assert administrator.post(move, {"to": number}).status_code == 200  # the page asks to choose a session
    moved = Enrolment.objects.get(pk=world.enrolment.pk)
    assert (moved.session_id, moved.state) == (world.enrolment.session_id, world.enrolment.state)
