import re

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import Channel, Notification, State


@pytest.fixture
def notices(lawyer, other_lawyer):
    mine = [services.notify(lawyer, "welcome", channel=Channel.IN_APP) for _ in range(3)]
    theirs = services.notify(other_lawyer, "welcome", channel=Channel.IN_APP)
    email_only = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    return mine, theirs, email_only


@pytest.mark.django_db
def test_inbox_lists_only_my_in_app_notices_and_counts_unread(lawyer_client, notices):
    mine, theirs, email_only = notices
    response = lawyer_client.get(reverse("notifications:inbox"))
    shown = {n.pk for n in response.context["page"]}
    assert shown == {n.pk for n in mine}
    assert theirs.pk not in shown and email_only.pk not in shown
    assert re.search(r'data-testid="unread-count"\s*>3<', response.text)


@pytest.mark.django_db
def test_marking_read_with_htmx_returns_the_list_fragment(lawyer_client, notices):
    mine, theirs, _ = notices
    response = lawyer_client.post(
        reverse("notifications:mark_read"), {"id": [mine[0].pk, theirs.pk]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="notice-list"')
    assert Notification.objects.filter(read_at__isnull=False).count() == 1  # not the other lawyer's
    lawyer_client.post(reverse("notifications:mark_read"))
    assert not Notification.objects.in_app_for(mine[0].recipient).unread().exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_outbox_is_for_administrators(administrator_client, lawyer_client, faculty_client, notices):
    assert lawyer_client.get(reverse("notifications:outbox")).status_code == 403
    assert faculty_client.get(reverse("notifications:outbox")).status_code == 403
    response = administrator_client.get(reverse("notifications:outbox"), {"state": "queued"})
    assert [n.pk for n in response.context["page"]] == [notices[2].pk]


@pytest.mark.django_db
def test_administrator_resends_a_failed_email(administrator_client, notices, lawyer_client):
    email_only = notices[2]
    Notification.objects.filter(pk=email_only.pk).update(state=State.FAILED, last_error="550 mailbox full")
    url = reverse("notifications:resend", args=[email_only.pk])
    assert lawyer_client.post(url).status_code == 403
    detail = administrator_client.get(reverse("notifications:outbox_detail", args=[email_only.pk]))
    assert "550 mailbox full" in detail.text
    administrator_client.post(url)
    email_only.refresh_from_db()
    assert email_only.state == State.QUEUED


@pytest.mark.django_db
def test_outbox_never_shows_a_personal_link(administrator_client, lawyer):
    secret = services.notify(lawyer, "welcome", channel=Channel.EMAIL, sensitive=True, link="/accounts/activate/abc/")
    detail = administrator_client.get(reverse("notifications:outbox_detail", args=[secret.pk]))
    assert "/accounts/activate/abc/" not in detail.text


@pytest.mark.django_db
def test_a_notice_the_worker_has_not_delivered_yet_is_shown_as_on_its_way(lawyer_client, lawyer, smtp):
    """An e-mail's words are written by the delivery task; until then the inbox lists the notice as on its way."""
    lawyer.language = "en"
    lawyer.save()
    notice = services.notify(lawyer, "welcome", channel=Channel.BOTH)
    assert notice.subject == ""
    inbox = lawyer_client.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="en")
    assert "A new notice, on its way" in inbox.text
    services.deliver(notification_id=notice.pk)
    notice.refresh_from_db()
    assert "Welcome" in notice.subject and notice.context is None
    inbox = lawyer_client.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="en")
    assert notice.subject in inbox.text and "on its way" not in inbox.text
