import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.roles import Role
from notifications.models import Channel, Notification
from notifications.services import notify
from tests.factories import PASSWORD, UserFactory
from tests.support import words

SWITCH = reverse("accounts:set_language")


@pytest.mark.django_db
def test_simplified_chinese_is_the_default(client):
    response = client.get(reverse("home"))
    assert '<html lang="zh-CN">' in response.text
    assert "登录" in response.text


@pytest.mark.django_db
def test_an_unknown_browser_language_falls_back_to_chinese(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert '<html lang="zh-CN">' in response.text


@pytest.mark.django_db
def test_switching_to_english_is_remembered(client):
    response = client.post(SWITCH, {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("home"))
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text


@pytest.mark.django_db
def test_an_unknown_language_code_changes_nothing(client):
    response = client.post(SWITCH, {"language": "xx-evil", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert '<html lang="zh-CN">' in client.get(reverse("home")).text


@pytest.mark.django_db
def test_switch_does_not_redirect_off_site(client):
    response = client.post(SWITCH, {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_signed_in_choice_is_saved_on_the_account(lawyer_client, lawyer):
    lawyer_client.post(SWITCH, {"language": "en", "next": "/"})
    lawyer.refresh_from_db()
    assert (lawyer.language, lawyer.language_chosen) == ("en", True)


@pytest.mark.django_db
def test_signing_in_on_a_new_device_brings_the_chosen_language(client, lawyer):
    lawyer.language, lawyer.language_chosen = "en", True
    lawyer.save()
    response = client.post(reverse("accounts:login"), {"username": lawyer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get(reverse("home")).text
    # The account says so, not a cookie, which would outlive the choice on this device.
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_times_are_shown_in_beijing_time(lawyer_client, lawyer):
    from datetime import UTC, datetime

    lawyer.last_login = datetime(2025, 6, 1, 0, 30, tzinfo=UTC)
    lawyer.save()
    response = lawyer_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "8:30 a.m." in response.text  # 00:30 UTC is 08:30 in Shanghai


# --- a new account reads its browser's language until the person chooses (issue #13, item 16) ----
BROWSERS = {"en": "en-GB,en;q=0.9", "zh-hans": "zh-CN,zh;q=0.9,en;q=0.5"}
LANG_ATTRIBUTE = {"en": '<html lang="en">', "zh-hans": '<html lang="zh-CN">'}
LOGIN = reverse("accounts:login")


def _browser(language: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=BROWSERS[language])


def _pages_read_in(client: Client, language: str) -> None:
    for url in (reverse("home"), reverse("accounts:profile"), reverse("participants:my_program")):
        response = client.get(url, follow=True)
        assert LANG_ATTRIBUTE[language] in response.text, url


@pytest.mark.django_db
@pytest.mark.parametrize("browser", ["en", "zh-hans"])
def test_an_invited_person_reads_their_browsers_language_from_the_first_page(browser, administrator):
    # The administrator wrote the invitation in the other language: the person's browser still decides.
    written_in = "zh-hans" if browser == "en" else "en"
    services.user_invite(
        email="new@example.test",
        full_name="新律师",
        role=Role.PARTICIPANT,
        invited_by=administrator,
        language=written_in,
    )
    invitation = words(Notification.objects.get(kind="invitation"))
    assert invitation.language == written_in
    link = "/" + re.search(r"https?://\S+", invitation.body_text).group(0).split("://", 1)[1].split("/", 1)[1]

    person = _browser(browser)
    form_page = person.get(person.get(link)["Location"])
    assert LANG_ATTRIBUTE[browser] in form_page.text
    activated = person.post(
        form_page.wsgi_request.path, {"password1": "Fresh-start-2026", "password2": "Fresh-start-2026"}
    )
    assert activated.status_code == 302
    _pages_read_in(person, browser)
    assert settings.LANGUAGE_COOKIE_NAME not in person.cookies  # nothing pins this browser: it was not a choice
    user = get_user_model().objects.get(email="new@example.test")
    assert (user.language, user.language_chosen) == (browser, False)  # remembered for e-mails, not chosen


@pytest.mark.django_db
@pytest.mark.parametrize("browser", ["en", "zh-hans"])
def test_an_imported_account_signing_in_for_the_first_time_reads_its_browsers_language(browser):
    UserFactory(email="imported@example.test", language="zh-hans", role=Role.PARTICIPANT)  # as an import makes it
    person = _browser(browser)
    assert person.post(LOGIN, {"username": "imported@example.test", "password": PASSWORD}).status_code == 302
    _pages_read_in(person, browser)


@pytest.mark.django_db
def test_e_mails_follow_the_language_last_signed_in_with_until_one_is_chosen(lawyer):
    assert _browser("en").post(LOGIN, {"username": lawyer.email, "password": PASSWORD}).status_code == 302
    lawyer.refresh_from_db()
    assert notify(lawyer, "welcome", channel=Channel.EMAIL, link="/").language == "en"
    assert _browser("zh-hans").post(LOGIN, {"username": lawyer.email, "password": PASSWORD}).status_code == 302
    lawyer.refresh_from_db()
    assert notify(lawyer, "welcome", channel=Channel.EMAIL, link="/").language == "zh-hans"


@pytest.mark.django_db
def test_once_chosen_the_language_wins_over_the_browser_on_every_device(lawyer):
    desk = _browser("en")
    desk.post(LOGIN, {"username": lawyer.email, "password": PASSWORD})
    _pages_read_in(desk, "en")
    desk.post(SWITCH, {"language": "zh-hans", "next": "/"})  # the person chooses Chinese
    _pages_read_in(desk, "zh-hans")

    phone = _browser("en")  # another device, an English browser again
    assert phone.post(LOGIN, {"username": lawyer.email, "password": PASSWORD}).status_code == 302
    _pages_read_in(phone, "zh-hans")
    lawyer.refresh_from_db()
    assert notify(lawyer, "welcome", channel=Channel.EMAIL, link="/").language == "zh-hans"


@pytest.mark.django_db
def test_a_language_picked_on_the_sign_in_page_becomes_the_choice(lawyer):
    person = _browser("zh-hans")
    person.post(SWITCH, {"language": "en", "next": LOGIN})
    person.post(LOGIN, {"username": lawyer.email, "password": PASSWORD})
    lawyer.refresh_from_db()
    assert (lawyer.language, lawyer.language_chosen) == ("en", True)
    _pages_read_in(_signed_in(lawyer, "zh-hans"), "en")


@pytest.mark.django_db
def test_the_profile_chooses_a_language_or_gives_the_choice_back_to_the_browser(lawyer):
    person = _browser("en")
    person.post(LOGIN, {"username": lawyer.email, "password": PASSWORD})
    page = person.get(reverse("accounts:profile"))
    assert '<option value="" selected>As my browser</option>' in page.text  # nothing chosen yet, and it says so
    person.post(reverse("accounts:profile"), {"full_name": lawyer.full_name, "language": ""})
    lawyer.refresh_from_db()
    assert not lawyer.language_chosen  # saved as served: still the browser's
    person.post(reverse("accounts:profile"), {"full_name": lawyer.full_name, "language": "en"})
    lawyer.refresh_from_db()
    assert (lawyer.language, lawyer.language_chosen) == ("en", True)
    _pages_read_in(_signed_in(lawyer, "zh-hans"), "en")
    assert 'value="en" selected' in person.get(reverse("accounts:profile")).text
    answer = person.post(reverse("accounts:profile"), {"full_name": lawyer.full_name, "language": ""})
    lawyer.refresh_from_db()
    assert not lawyer.language_chosen and answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    _pages_read_in(_signed_in(lawyer, "zh-hans"), "zh-hans")  # each browser its own again


def _signed_in(user, browser: str) -> Client:
    """The person on another device with a browser in `browser`, signing in there."""
    device = _browser(browser)
    assert device.post(LOGIN, {"username": user.email, "password": PASSWORD}).status_code == 302
    return device


# --- a choice is an act of the person, never a cookie found on the device (review R2, M1) -----------
@pytest.mark.django_db
def test_a_language_left_on_a_shared_computer_is_not_the_next_persons_choice():
    """An administrator who chose English signs in and out on the office computer; a lawyer who never chose,
    with a Chinese browser, signs in there next: neither their account nor their pages take English."""
    administrator = UserFactory(email="a@example.test", language="en", language_chosen=True)
    lawyer = UserFactory(email="b@example.test", language="zh-hans", language_chosen=False)
    shared = _browser("zh-hans")
    assert shared.post(LOGIN, {"username": administrator.email, "password": PASSWORD}).status_code == 302
    _pages_read_in(shared, "en")
    shared.post(SWITCH, {"language": "en", "next": "/"})  # the switch, pressed while signed in, as well
    shared.post(reverse("accounts:logout"))
    assert LANG_ATTRIBUTE["zh-hans"] in shared.get(LOGIN).text  # the sign-in page is the browser's again
    assert shared.post(LOGIN, {"username": lawyer.email, "password": PASSWORD}).status_code == 302
    lawyer.refresh_from_db()
    assert (lawyer.language, lawyer.language_chosen) == ("zh-hans", False)
    _pages_read_in(shared, "zh-hans")


@pytest.mark.django_db
def test_as_my_browser_on_one_device_is_not_undone_by_signing_in_on_another(lawyer):
    lawyer.language, lawyer.language_chosen = "en", True
    lawyer.save()
    laptop, phone = _signed_in(lawyer, "zh-hans"), _signed_in(lawyer, "zh-hans")
    _pages_read_in(phone, "en")
    laptop.post(reverse("accounts:profile"), {"full_name": lawyer.full_name, "language": ""})  # "As my browser"
    _pages_read_in(phone, "zh-hans")  # the phone, still signed in, follows at once
    phone.post(reverse("accounts:logout"))
    assert phone.post(LOGIN, {"username": lawyer.email, "password": PASSWORD}).status_code == 302
    lawyer.refresh_from_db()
    assert not lawyer.language_chosen
    _pages_read_in(phone, "zh-hans")


@pytest.mark.django_db
def test_a_choice_made_on_one_device_shows_on_another_already_signed_in(lawyer):
    desk, phone = _signed_in(lawyer, "zh-hans"), _signed_in(lawyer, "zh-hans")
    desk.post(SWITCH, {"language": "en", "next": "/"})
    _pages_read_in(phone, "en")
    _pages_read_in(desk, "en")


@pytest.mark.django_db
def test_a_language_picked_on_the_sign_in_page_wins_over_an_older_choice(lawyer):
    lawyer.language, lawyer.language_chosen = "zh-hans", True
    lawyer.save()
    person = _browser("zh-hans")
    person.post(SWITCH, {"language": "en", "next": LOGIN})
    assert LANG_ATTRIBUTE["en"] in person.get(LOGIN).text
    assert person.post(LOGIN, {"username": lawyer.email, "password": PASSWORD}).status_code == 302
    lawyer.refresh_from_db()
    assert (lawyer.language, lawyer.language_chosen) == ("en", True)
    _pages_read_in(person, "en")
    _pages_read_in(_signed_in(lawyer, "zh-hans"), "en")


@pytest.mark.django_db
def test_a_pick_someone_made_long_before_on_this_device_is_not_the_next_sign_ins_choice(lawyer):
    """Someone picked English on the sign-in page of a shared computer and walked away; who signs in there an
    hour later reads English on this device (it shows what it was set to) but has chosen nothing."""
    import time_machine
    from django.utils import timezone

    device = _browser("zh-hans")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        device.post(SWITCH, {"language": "en", "next": LOGIN})
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert device.post(LOGIN, {"username": lawyer.email, "password": PASSWORD}).status_code == 302
    lawyer.refresh_from_db()
    assert not lawyer.language_chosen
    _pages_read_in(_signed_in(lawyer, "zh-hans"), "zh-hans")


@pytest.mark.django_db
def test_a_pick_on_the_invitation_page_becomes_the_choice_too(administrator):
    services.user_invite(
        email="new@example.test", full_name="新律师", role=Role.PARTICIPANT, invited_by=administrator, language="en"
    )
    body = words(Notification.objects.get(kind="invitation")).body_text
    link = "/" + re.search(r"https?://\S+", body).group(0).split("://", 1)[1].split("/", 1)[1]
    person = _browser("zh-hans")
    form_url = person.get(link)["Location"]
    person.post(SWITCH, {"language": "en", "next": form_url})
    assert LANG_ATTRIBUTE["en"] in person.get(form_url).text
    person.post(form_url, {"password1": "Fresh-start-2026", "password2": "Fresh-start-2026"})
    user = get_user_model().objects.get(email="new@example.test")
    assert (user.language, user.language_chosen) == ("en", True)
    _pages_read_in(person, "en")
    phone = _browser("zh-hans")
    assert phone.post(LOGIN, {"username": user.email, "password": "Fresh-start-2026"}).status_code == 302
    _pages_read_in(phone, "en")
