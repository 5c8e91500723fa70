import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.models import PasswordResetRequest
from notifications.models import Channel, Notification
from tests.factories import PASSWORD, UserFactory
from tests.support import words

RESET = reverse("accounts:password_reset")
THROTTLED = "Too many reset requests for this address, or from your network."


def _reset_link(notification) -> str:
    return re.search(r"https?://\S+", words(notification).body_text).group(0)


def _worker_handles_all() -> None:
    """What the worker's task does with each noted request (the task only calls this service)."""
    for pk in PasswordResetRequest.objects.order_by("pk").values_list("pk", flat=True):
        services.password_reset_send(request_id=pk)


# --- in the web request: the same work whoever the address belongs to (issue #13, item 11) ------
def _what_the_request_does(client, email, capture_callbacks):
    with CaptureQueriesContext(connection) as queries, capture_callbacks() as callbacks:
        response = client.post(RESET, {"email": email}, HTTP_ACCEPT_LANGUAGE="en")
    statements = [re.sub(r"'[^']*'", "?", query["sql"]) for query in queries.captured_queries]
    return response, statements, [t.name for t in response.templates], len(callbacks)


@pytest.mark.django_db
def test_known_and_unknown_addresses_do_the_same_work_in_the_request(
    client, lawyer, django_capture_on_commit_callbacks
):
    known = _what_the_request_does(client, lawyer.email, django_capture_on_commit_callbacks)
    unknown = _what_the_request_does(client, "nobody@example.test", django_capture_on_commit_callbacks)
    for response in (known[0], unknown[0]):
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert known[1] == unknown[1]  # the same SQL statements, in the same order
    assert len(known[1]) == 1 and known[1][0].startswith('INSERT INTO "accounts_passwordresetrequest"')
    assert known[2] == unknown[2] == []  # no e-mail (nor anything else) rendered in the request
    assert known[3] == unknown[3] == 1  # one task queued after commit, either way
    assert not Notification.objects.filter(kind="password_reset").exists()
    assert sorted(PasswordResetRequest.objects.values_list("email", flat=True)) == [
        lawyer.email,
        "nobody@example.test",
    ]


@pytest.mark.django_db
def test_the_worker_emails_a_known_address_and_forgets_both(client, lawyer, settings):
    client.post(RESET, {"email": "Lawyer@example.test"})
    client.post(RESET, {"email": "nobody@example.test"})
    _worker_handles_all()
    notification = Notification.objects.get(kind="password_reset")
    assert notification.recipient == lawyer
    assert notification.channel == Channel.EMAIL and notification.sensitive
    assert _reset_link(notification).startswith(settings.SITE_URL + "/accounts/password/reset/")
    assert not PasswordResetRequest.objects.exists()  # the typed addresses are not kept


@pytest.mark.django_db
def test_a_request_handled_twice_sends_once(client, lawyer):
    client.post(RESET, {"email": lawyer.email})
    request = PasswordResetRequest.objects.get()
    assert services.password_reset_send(request_id=request.pk)
    assert not services.password_reset_send(request_id=request.pk)  # the task redelivered, or the sweep
    assert Notification.objects.filter(kind="password_reset").count() == 1


@pytest.mark.django_db
def test_the_sweep_sends_what_the_broker_never_got_and_drops_what_is_stale(lawyer, other_lawyer, settings):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    PasswordResetRequest.objects.create(email=lawyer.email, requested_at=now - timedelta(minutes=5))
    PasswordResetRequest.objects.create(email=other_lawyer.email, requested_at=now - timedelta(hours=2))
    fresh = PasswordResetRequest.objects.create(email="fresh@example.test", requested_at=now)
    assert services.password_reset_sweep(now=now) == 1
    assert list(Notification.objects.filter(kind="password_reset").values_list("recipient", flat=True)) == [lawyer.pk]
    assert list(PasswordResetRequest.objects.all()) == [fresh]  # its task is on its way


@pytest.mark.django_db
def test_an_inactive_or_passwordless_account_gets_nothing(client):
    UserFactory(email="pending@example.test", is_active=False)
    invited = UserFactory(email="invited@example.test")
    invited.set_unusable_password()
    invited.save()
    for email in ("pending@example.test", "invited@example.test"):
        assert client.post(RESET, {"email": email}).status_code == 302
    _worker_handles_all()
    assert not Notification.objects.filter(kind="password_reset").exists()


@pytest.mark.django_db
def test_malformed_address_is_named_in_the_form(client):
    response = client.post(RESET, {"email": "not an address"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not PasswordResetRequest.objects.exists()


@pytest.mark.django_db
def test_double_click_sends_one_email(client, lawyer):
    client.post(RESET, {"email": lawyer.email})
    client.post(RESET, {"email": lawyer.email})
    _worker_handles_all()
    assert Notification.objects.filter(recipient=lawyer, kind="password_reset").count() == 1


@pytest.mark.django_db
def test_reset_link_sets_a_new_password_once(client, lawyer):
    client.post(RESET, {"email": lawyer.email})
    _worker_handles_all()
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


@pytest.mark.django_db
def test_an_address_longer_than_mail_allows_is_named_in_the_form(client):
    """Mail carries addresses of up to 254 characters (RFC 5321), and so does the request's row: a longer one
    is the form's error on its field, never a database error."""
    longest = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 56]) + ".test"
    too_long = "a" + longest
    assert (len(longest), len(too_long)) == (254, 255)
    refused = client.post(RESET, {"email": too_long}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert refused.context["form"].errors["email"] == ["Ensure this value has at most 254 characters (it has 255)."]
    assert 'maxlength="254"' in client.get(RESET).text  # the field says so before anything is sent
    assert not PasswordResetRequest.objects.exists()
    assert client.post(RESET, {"email": longest}).status_code == 302
    assert PasswordResetRequest.objects.get().email == longest


# --- throttles, counted in Redis as in production -------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("email", ["lawyer@example.test", "nobody@example.test"])
@pytest.mark.usefixtures("redis_cache")
def test_one_address_is_refused_after_its_hourly_tries_whether_or_not_it_has_an_account(
    client, lawyer, settings, email
):
    settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR = 3
    for n in range(3):  # from different networks: only the e-mail address is over its limit
        response = client.post(RESET, {"email": email}, REMOTE_ADDR=f"198.51.100.{n}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
    refused = client.post(RESET, {"email": email.upper()}, REMOTE_ADDR="203.0.113.1", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert THROTTLED in refused.text
    assert "ask again in an hour" in refused.text
    assert PasswordResetRequest.objects.count() == 3  # the refused try noted nothing
    # Another address from the same network is still served.
    other = client.post(RESET, {"email": "other@example.test"}, REMOTE_ADDR="203.0.113.1")
    assert other.status_code == 302


@pytest.mark.django_db
@pytest.mark.usefixtures("redis_cache")
def test_one_network_address_is_refused_after_its_hourly_tries_over_many_addresses(client, settings):
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 4
    for n in range(4):
        response = client.post(RESET, {"email": f"person{n}@example.test"}, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 302
    refused = client.post(
        RESET, {"email": "person9@example.test"}, REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 429
    assert THROTTLED in refused.text
    assert not PasswordResetRequest.objects.filter(email="person9@example.test").exists()
    # Someone at another address is not held up by it.
    assert client.post(RESET, {"email": "person9@example.test"}, REMOTE_ADDR="192.0.2.50").status_code == 302


@pytest.mark.django_db
@pytest.mark.usefixtures("redis_cache")
def test_the_refusal_is_in_chinese_for_a_chinese_page(client, settings):
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 1
    client.post(RESET, {"email": "a@example.test"}, REMOTE_ADDR="203.0.113.8")
    refused = client.post(RESET, {"email": "b@example.test"}, REMOTE_ADDR="203.0.113.8", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert refused.status_code == 429
    assert "一小时" in refused.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "variant"),
    [
        ("sam@example.test", "\u017fam@example.test"),  # LATIN SMALL LETTER LONG S
        ("sam@example.test", "SAM@Example.TEST"),
    ],
    ids=["long-s", "capitals"],
)
@pytest.mark.usefixtures("redis_cache")
def test_spellings_that_find_the_same_account_count_as_one_address(client, settings, address, variant):
    """The worker's case-blind look-up finds sam's account for `ſam@…` (long s) as for `SAM@…`, so spelling
    the address so must not buy more e-mails to sam."""
    account = UserFactory(email=address)
    assert get_user_model().objects.get(email__iexact=variant) == account  # what the worker would find
    settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR = 2
    for n in range(2):
        assert client.post(RESET, {"email": address}, REMOTE_ADDR=f"198.51.100.{n}").status_code == 302
    assert client.post(RESET, {"email": variant}, REMOTE_ADDR="192.0.2.50").status_code == 429


@pytest.mark.django_db
@pytest.mark.usefixtures("redis_cache")
def test_a_limit_of_zero_is_no_limit(client, settings):
    settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR = settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 0
    for _ in range(8):
        assert client.post(RESET, {"email": "sam@example.test"}, REMOTE_ADDR="203.0.113.9").status_code == 302
