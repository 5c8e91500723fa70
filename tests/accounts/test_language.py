import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

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
    assert lawyer.language == "en"


@pytest.mark.django_db
def test_signing_in_on_a_new_device_brings_the_saved_language(client, lawyer):
    lawyer.language = "en"
    lawyer.save()
    response = client.post(reverse("accounts:login"), {"username": lawyer.email, "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(reverse("home")).text


@pytest.mark.django_db
def test_times_are_shown_in_beijing_time(lawyer_client, lawyer):
    from datetime import UTC, datetime

    lawyer.last_login = datetime(2025, 6, 1, 0, 30, tzinfo=UTC)
    lawyer.save()
    response = lawyer_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "8:30 a.m." in response.text  # 00:30 UTC is 08:30 in Shanghai
