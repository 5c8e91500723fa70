import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation
from accounts.roles import Role
from notifications.models import Notification
from tests.support import words

User = get_user_model()
NEW_PASSWORD = "Fresh-start-2025"


def _invite(administrator_client, email="new.faculty@example.test", role=Role.FACULTY):
    return administrator_client.post(
        reverse("accounts:invite"),
        {"email": email, "full_name": "黄教授", "role": role, "language": "en"},
    )


def _link_path(user) -> str:
    notification = Notification.objects.filter(recipient=user, kind="invitation").latest("created_at")
    link = re.search(r"https?://\S+", words(notification).body_text).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _activate(client, path, password=NEW_PASSWORD, again=None):
    """Open the e-mailed link, then choose a password on the page it leads to."""
    opened = client.get(path)
    if opened.status_code != 302:
        return opened
    return client.post(opened["Location"], {"password1": password, "password2": again or password})


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_administrator_invites_and_the_person_activates(administrator_client, client):
    response = _invite(administrator_client)
    assert response.status_code == 302
    user = User.objects.get(email="new.faculty@example.test")
    assert not user.is_active
    assert not user.has_usable_password()
    invitation_mail = words(Notification.objects.get(recipient=user, kind="invitation"))
    assert invitation_mail.language == "en"
    assert "Activate" in invitation_mail.body_html

    path = _link_path(user)
    opened = client.get(path)
    assert opened.status_code == 302
    assert opened["Location"] == reverse("accounts:activate")  # the token leaves the address bar
    assert "Activate" in client.get(opened["Location"], HTTP_ACCEPT_LANGUAGE="en").text
    response = client.post(opened["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    assert user.is_faculty
    home = client.get(reverse("home"))
    assert home.context["user"] == user
    assert Notification.objects.filter(recipient=user, kind="welcome").exists()


@pytest.mark.django_db
def test_used_link_is_refused_with_a_reason(administrator_client, client):
    _invite(administrator_client)
    path = _link_path(User.objects.get(email="new.faculty@example.test"))
    _activate(client, path)
    response = client.__class__().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "already been used" in response.text


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_expired_link_is_refused_and_changes_nothing(administrator_client, client):
    _invite(administrator_client)
    user = User.objects.get(email="new.faculty@example.test")
    Invitation.objects.filter(user=user).update(
        created_at=timezone.now() - timedelta(days=30), expires_at=timezone.now() - timedelta(days=1)
    )
    response = _activate(client, _link_path(user))
    assert response.status_code == 410
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.django_db
def test_a_new_invitation_replaces_the_old_link(administrator_client, client):
    _invite(administrator_client)
    user = User.objects.get(email="new.faculty@example.test")
    old_path = _link_path(user)
    administrator_client.post(reverse("accounts:reinvite", args=[user.pk]))
    assert _link_path(user) != old_path
    response = client.get(old_path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "not valid" in response.text


@pytest.mark.django_db
def test_unknown_token_is_refused(client):
    assert client.get(reverse("accounts:activate_link", args=["forged-token"])).status_code == 410
    assert client.get(reverse("accounts:activate")).status_code == 410  # nothing in the session


@pytest.mark.django_db
def test_mismatched_or_weak_passwords_are_named_and_nothing_changes(administrator_client, client):
    _invite(administrator_client)
    user = User.objects.get(email="new.faculty@example.test")
    path = _link_path(user)
    mismatch = _activate(client, path, again="Something-else-2025")
    assert "password2" in mismatch.context["form"].errors
    weak = _activate(client, path, password="12345678")
    assert "password1" in weak.context["form"].errors
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.django_db
def test_inviting_an_active_account_names_the_field(administrator_client, lawyer):
    response = _invite(administrator_client, email=lawyer.email.upper())
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_only_administrators_invite(lawyer_client, faculty_client, client):
    assert lawyer_client.get(reverse("accounts:invite")).status_code == 403
    assert faculty_client.post(reverse("accounts:invite"), {}).status_code == 403
    assert client.get(reverse("accounts:invite")).status_code == 302  # to sign in


@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_the_same_link_activate_once(administrator):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    invitation = services.user_invite(
        email="racer@example.test", full_name="Racer", role=Role.PARTICIPANT, invited_by=administrator
    )
    token_path = _link_path(invitation.user)
    token = token_path.rstrip("/").rsplit("/", 1)[1]

    def accept():
        try:
            services.invitation_accept(token=token, password=NEW_PASSWORD)
            return "ok"
        except services.InvitationError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(lambda _: accept(), range(2)))
    assert results == ["ok", "refused"]
    assert Notification.objects.filter(recipient=invitation.user, kind="welcome").count() == 1
