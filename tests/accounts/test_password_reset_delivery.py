"""A password reset end to end: the form, a real Celery worker on real Redis, a real SMTP server."""

import re
import subprocess
import sys

import pytest
from django.urls import reverse

from accounts.models import PasswordResetRequest
from tests.support import ROOT, celery_worker, free_port, redis_server, service_env, wait_for, worker_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _link(message) -> str:
    body = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return re.search(r"https?://\S+", body.get_payload(decode=True).decode()).group(0)


def test_the_worker_mails_the_link_to_a_known_address_only(mail_worker, sink, client, lawyer):
    assert client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"}).status_code == 302
    assert client.post(reverse("accounts:password_reset"), {"email": lawyer.email}).status_code == 302
    message = wait_for(lambda: sink.to(lawyer.email), message="the reset e-mail")[0]
    wait_for(lambda: not PasswordResetRequest.objects.exists(), message="both requests to be handled")
    assert len(sink.messages) == 1  # nothing went to, or about, the unknown address

    # The link in the e-mail sets a new password.
    path = "/" + _link(message).split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    new_password = "Worker-sent-2026"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    lawyer.refresh_from_db()
    assert lawyer.check_password(new_password)


def test_a_reset_asked_while_the_broker_is_down_goes_out_when_it_returns(tmp_path, sink, lawyer):
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    env = service_env(**worker_env(REDIS_URL=broker, EMAIL_URL=sink.url))
    # A web process takes the request while nothing listens on the broker's port.
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        f"response = Client(HTTP_HOST='127.0.0.1').post('/accounts/password/reset/', {{'email': '{lawyer.email}'}})\n"
        "print(response.status_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "302"
    assert PasswordResetRequest.objects.filter(email=lawyer.email).exists()

    # The broker comes back; the worker's beat runs the sweep, which sends it.
    worker = worker_env(REDIS_URL=broker, EMAIL_URL=sink.url, NOTIFICATION_SWEEP_SECONDS=1)
    with redis_server(port, tmp_path), celery_worker(tmp_path / "worker.log", beat=True, **worker):
        wait_for(lambda: sink.to(lawyer.email), timeout=60, message="the reset e-mail after the outage")
    assert not PasswordResetRequest.objects.exists()
