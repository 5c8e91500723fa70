from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from participants.models import Admission, IdentityChange, Participant, Province
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory, UserFactory
from tests.forms import served_forms


def _application(**changes):
    data = {
        "name_zh": "周律师", "name_latin": "Zhou", "gender": "female",
        "license_number": "１４４０１２０１８１０１２３４５６",
        "law_firm": "广东某律师事务所", "province": Province.objects.get(code="44").pk, "city": "广州",
        "mobile": "13800138000", "years_of_practice": "6", "languages": "English", "specialties": ["patents"],
    }  # fmt: skip
    data.update(changes)
    return data


@pytest.fixture
def open_program():
    return ProgramFactory(slug="fipr-2026", enrolment_closes_at=timezone.now() + timedelta(days=10))


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_a_lawyer_applies_with_their_profile(client, open_program):
    user = UserFactory(email="applicant@example.test")
    client.force_login(user, backend="accounts.backends.EmailBackend")
    assert "fipr-2026/apply/" in client.get(reverse("home")).text
    response = client.post(reverse("participants:apply", args=[open_program.slug]), _application())
    assert response.status_code == 302
    participant = Participant.objects.get(user=user)
    assert participant.license_number == "14401201810123456"  # full-width digits normalised
    assert Admission.objects.get(participant=participant, program=open_program).state == "applied"
    again = client.post(reverse("participants:apply", args=[open_program.slug]), _application())
    assert again.status_code == 302 and Admission.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"license_number": "12345"}, "license_number"),
        ({"mobile": "call me"}, "mobile"),
        ({"province": "999"}, "province"),
    ],
)
def test_a_bad_application_names_the_field_and_saves_nothing(client, open_program, changes, field):
    client.force_login(UserFactory(), backend="accounts.backends.EmailBackend")
    response = client.post(reverse("participants:apply", args=[open_program.slug]), _application(**changes))
    assert field in response.context["form"].errors
    assert not Participant.objects.exists() and not Admission.objects.exists()


@pytest.mark.django_db
def test_a_licence_already_registered_is_refused(client, open_program):
    ParticipantFactory(license_number="14401201810123456")
    client.force_login(UserFactory(), backend="accounts.backends.EmailBackend")
    response = client.post(reverse("participants:apply", args=[open_program.slug]), _application())
    assert "license_number" in response.context["form"].errors


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_closed_programs_take_no_applications(client):
    closed = ProgramFactory(enrolment_closes_at=timezone.now() - timedelta(days=1))
    client.force_login(UserFactory(), backend="accounts.backends.EmailBackend")
    client.post(reverse("participants:apply", args=[closed.slug]), _application())
    assert not Admission.objects.exists()


@pytest.mark.django_db
def test_lawyers_edit_their_contact_details_but_not_their_licence(lawyer_client, lawyer):
    participant = ParticipantFactory(user=lawyer, license_number="14401201810123456", name_latin="Li Ming")
    response = lawyer_client.post(
        reverse("participants:my_profile"),
        {"city": "珠海", "mobile": "13900000000", "license_number": "99999999999999999", "name_latin": "Li"},
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert (participant.city, participant.mobile) == ("珠海", "13900000000")
    assert (participant.license_number, participant.name_latin) == ("14401201810123456", "Li Ming")


@pytest.mark.django_db
def test_administrators_edit_everything_lawyers_reach_only_themselves(administrator_client, lawyer_client, lawyer):
    mine = ParticipantFactory(user=lawyer)
    other = AdmissionFactory().participant
    assert lawyer_client.get(reverse("participants:lawyer_edit", args=[other.pk])).status_code == 403
    assert lawyer_client.get(reverse("participants:my_profile")).context["participant"] == mine
    response = administrator_client.post(
        reverse("participants:lawyer_edit", args=[other.pk]),
        _application(
            license_number="33101201810123456", province=Province.objects.get(code="33").pk, reason="律协信息更正"
        ),
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.license_number, other.province.code) == ("33101201810123456", "33")


@pytest.mark.django_db
def test_faculty_cannot_apply_as_lawyers(faculty_client, open_program):
    response = faculty_client.post(reverse("participants:apply", args=[open_program.slug]), _application())
    assert response.status_code == 403
    assert not Participant.objects.exists() and not Admission.objects.exists()


# --- what a person types, as the page takes it --------------------------------------------------------
def _served_form(client, url: str):
    (form,) = [f for f in served_forms(client.get(url).text) if f.method == "post" and f.named("name_zh")]
    return form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["1440 1201 8101 23456", "14401-2018-10123456", "１４４０１２０１８１０１２３４５６", " 14401201810123456 "],
)
def test_the_licence_number_is_taken_as_a_person_types_it_and_the_browser_is_told_nothing_stricter(
    client, open_program, typed
):
    """The server reads spaces, dashes and full-width digits; the input must not refuse them or cut them short
    (no pattern, no maxlength), while still asking a phone for its number pad and for at least 17 characters."""
    client.force_login(UserFactory(), backend="accounts.backends.EmailBackend")
    url = reverse("participants:apply", args=[open_program.slug])
    form = _served_form(client, url)
    (licence,) = form.named("license_number")
    assert (licence.attrs.get("inputmode"), licence.attrs.get("minlength")) == ("numeric", "17")
    assert "pattern" not in licence.attrs and "maxlength" not in licence.attrs
    form.fill(name_zh="周律师", license_number=typed, law_firm="某所", province=Province.objects.get(code="44").pk)
    assert form.submit(client, url).status_code == 302
    assert Participant.objects.get().license_number == "14401201810123456"


HIDDEN = "\x1b\u200b\u202e\u2066\ufeff\u00ad"  # an escape, a zero-width space, direction overrides, a soft hyphen


@pytest.mark.django_db
def test_invisible_characters_pasted_into_any_lawyer_form_are_dropped(
    lawyer_client, lawyer, administrator_client, open_program
):
    """Names and firms are printed on certificates: the application, the lawyer's own profile and the office's
    edit keep text as a person reads it, as an imported list's cells are kept."""
    client = lawyer_client
    url = reverse("participants:apply", args=[open_program.slug])
    form = _served_form(client, url)
    form.fill(
        name_zh=f"周{HIDDEN}律师", name_latin=f"Ｚｈｏｕ{HIDDEN}   Lü",
        license_number=f"14401201810{HIDDEN}123456", law_firm=f"某{HIDDEN}所",
        province=Province.objects.get(code="44").pk, city=f"广{HIDDEN}州", mobile=f"138{HIDDEN}00138000",
        languages=f"English{HIDDEN}",
    )  # fmt: skip
    assert form.submit(client, url).status_code == 302
    applicant = Participant.objects.get(user=lawyer)
    stored = (
        applicant.name_zh,
        applicant.name_latin,
        applicant.license_number,
        applicant.law_firm,
        applicant.city,
        applicant.mobile,
    )
    assert stored == ("周律师", "Zhou Lü", "14401201810123456", "某所", "广州", "13800138000")
    assert applicant.languages == "English"

    profile = reverse("participants:my_profile")
    (contact,) = [f for f in served_forms(client.get(profile).text) if f.method == "post" and f.named("city")]
    contact.fill(city=f"珠{HIDDEN}海")
    assert contact.submit(client, profile).status_code == 302
    applicant.refresh_from_db()
    assert applicant.city == "珠海"

    edit = reverse("participants:lawyer_edit", args=[applicant.pk])
    office = _served_form(administrator_client, edit)
    office.fill(law_firm=f"新{HIDDEN}律所", reason=f"律协{HIDDEN}更正")
    assert office.submit(administrator_client, edit).status_code == 302
    change = IdentityChange.objects.get(participant=applicant)
    assert (change.field, change.after, change.reason) == ("law_firm", "新律所", "律协更正")
