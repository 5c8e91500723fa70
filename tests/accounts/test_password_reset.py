import re

import pytest
from django.urls import reverse

from notifications.models import Channel, Notification
from tests.factories import PASSWORD

RESET = reverse("accounts:password_reset")


def _reset_link(notification) -> str:
    return re.search(r"https?://\S+", notification.body_text).group(0)


@pytest.mark.django_db
def test_known_address_gets_a_reset_email_through_the_outbox(client, lawyer, settings):
    response = client.post(RESET, {"email": "Lawyer@example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    notification = Notification.objects.get(recipient=lawyer, kind="password_reset")
    assert notification.channel == Channel.EMAIL
    assert notification.sensitive
    assert _reset_link(notification).startswith(settings.SITE_URL + "/accounts/password/reset/")


@pytest.mark.django_db
def test_unknown_address_gets_the_same_answer_and_nothing_is_sent(client, lawyer):
    response = client.post(RESET, {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert not Notification.objects.filter(kind="password_reset").exists()


@pytest.mark.django_db
def test_malformed_address_is_named_in_the_form(client):
    response = client.post(RESET, {"email": "not an address"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


@pytest.mark.django_db
def test_double_click_sends_one_email(client, lawyer):
    client.post(RESET, {"email": lawyer.email})
    client.post(RESET, {"email": lawyer.email})
    assert Notification.objects.filter(recipient=lawyer, kind="password_reset").count() == 1


@pytest.mark.django_db
def test_reset_link_sets_a_new_password_once(client, lawyer):
    client.post(RESET, {"email": lawyer.email})
    link = _reset_link(Notification.objects.get(kind="password_reset"))
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert form_page.context["validlink"]
    new_password = "Another-secret-2026"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}, follow=True
    )
    assert done.request["PATH_INFO"] == reverse("accounts:password_reset_complete")
    lawyer.refresh_from_db()
    assert lawyer.check_password(new_password)
    assert not lawyer.check_password(PASSWORD)
    # The same link is now spent.
    assert not client.get("/" + path, follow=True).context["validlink"]
