"""The navigation's unread badge: on every page, kept counted in the cache (services.unread_count), and exact
whatever a person does: read one notice, read them all, get a new one, even while a page is being drawn."""

import re
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from notifications import services
from notifications.models import Channel, Notification
from tests.support import client_for


def badge(client) -> int:
    """The unread count the person sees on their home page (0: no badge)."""
    html = client.get(reverse("home")).text
    found = re.search(r'data-testid="unread-count"\s*>(\d+)<', html)
    return int(found[1]) if found else 0


@pytest.mark.django_db
def test_the_badge_follows_reading_and_new_notices_at_once(lawyer, other_lawyer):
    mine = [services.notify(lawyer, "welcome", channel=Channel.IN_APP) for _ in range(3)]
    services.notify(lawyer, "welcome", channel=Channel.EMAIL)  # never in the app, never counted
    services.notify(other_lawyer, "welcome", channel=Channel.IN_APP)
    browser = client_for(lawyer)
    assert badge(browser) == 3
    assert badge(browser) == 3  # from the cache now: the same

    browser.post(reverse("notifications:mark_read"), {"id": [mine[0].pk]})
    assert badge(browser) == 2
    services.notify(lawyer, "welcome", channel=Channel.BOTH)
    assert badge(browser) == 3
    browser.post(reverse("notifications:mark_read"))
    assert badge(browser) == 0
    assert badge(client_for(other_lawyer)) == 1  # another person's reading changed nothing of theirs


@pytest.mark.django_db
def test_marking_read_with_htmx_clears_the_badge_on_the_next_page(lawyer):
    services.notify(lawyer, "welcome", channel=Channel.IN_APP)
    browser = client_for(lawyer)
    assert badge(browser) == 1
    browser.post(reverse("notifications:mark_read"), HTTP_HX_REQUEST="true")
    assert badge(browser) == 0


@pytest.mark.django_db
def test_a_notice_deleted_by_an_administrator_leaves_the_badge(lawyer, administrator_client):
    notice = services.notify(lawyer, "welcome", channel=Channel.IN_APP)
    browser = client_for(lawyer)
    assert badge(browser) == 1
    administrator = administrator_client
    url = reverse("admin:notifications_notification_delete", args=[notice.pk])
    assert administrator.post(url, {"post": "yes"}).status_code == 302
    assert not Notification.objects.filter(pk=notice.pk).exists()
    assert badge(browser) == 0


@pytest.mark.django_db(transaction=True)
def test_a_page_drawn_while_a_notice_is_being_sent_shows_it_once_sent(lawyer):
    """The page counts before the sender's transaction commits, so cannot see the notice; once it has committed, the
    next page must show it (a count kept from before would hide it until the next change)."""
    browser = client_for(lawyer)
    assert badge(browser) == 0
    stored, drawn = threading.Event(), threading.Event()
    errors = []

    def send():
        try:
            with transaction.atomic():
                services.notify(lawyer, "welcome", channel=Channel.IN_APP)
                stored.set()
                drawn.wait(10)  # the page below is drawn meanwhile
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    assert stored.wait(10)
    assert badge(browser) == 0  # not committed yet: not there to count
    drawn.set()
    sender.join()
    assert errors == []
    assert badge(browser) == 1
