import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "未找到该页面"), ("en", "We could not find that page")])
def test_missing_page_is_friendly_in_both_languages(client, language, expected):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert expected in response.text
    assert reverse("home") in response.text


@pytest.mark.django_db
def test_forbidden_page_explains(lawyer_client):
    response = lawyer_client.get(reverse("notifications:outbox"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "not open to you" in response.text


@pytest.mark.django_db
@pytest.mark.urls("tests.urls")
@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "系统出现错误"), ("en", "Something went wrong")])
def test_server_error_page_in_both_languages(language, expected):
    client = Client(raise_request_exception=False)
    response = client.get("/test-boom/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    assert expected in response.text


@pytest.mark.django_db
def test_expired_form_gets_a_friendly_csrf_page(lawyer):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": lawyer.email, "password": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert "The form had expired" in response.text


@pytest.mark.django_db
def test_pages_carry_security_headers(client):
    response = client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Request-ID"]
