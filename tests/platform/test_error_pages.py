import logging
import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from tests.support import at_once


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


@pytest.mark.django_db(transaction=True)
def test_a_page_kept_waiting_for_a_lock_past_WEB_LOCK_TIMEOUT_answers_the_503_page(caplog):
    """Someone else holds what the page reads (here the whole certificates table): past the lock timeout a web
    request is given (settings.py; shortened here), the visitor is told to try again, and the log names the page."""
    page = f"/certificates/verify/{'f' * 40}/"  # a code nobody holds: one look-up in the certificates table
    held, released = threading.Event(), threading.Event()

    def hold_the_table():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("LOCK TABLE certificates_certificate IN ACCESS EXCLUSIVE MODE")
                held.set()
                assert released.wait(60), "the page never answered"
        finally:
            held.set()

    def open_the_page():
        assert held.wait(60)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '200ms'")
            return Client().get(page, HTTP_ACCEPT_LANGUAGE="zh-hans")
        finally:
            released.set()

    with caplog.at_level(logging.WARNING, logger="trainingprog.errors"):
        _held, answer = at_once(hold_the_table, open_the_page)
    assert answer.status_code == 503 and answer["Retry-After"]
    assert "时间过长" in answer.text and "稍后" in answer.text  # "took too long … try again in a moment"
    assert any("WEB_LOCK_TIMEOUT" in record.getMessage() and page in record.getMessage() for record in caplog.records)
