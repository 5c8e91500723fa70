import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("accounts:login")
# Sessions (and any count kept in the cache) live in Redis, as in production.
pytestmark = pytest.mark.usefixtures("redis_cache")


def _login(client, email, password, address="198.51.100.7"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
def test_signs_in_by_email_whatever_the_case(client, lawyer):
    response = _login(client, "  LAWYER@Example.TEST ", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == lawyer


@pytest.mark.django_db
def test_wrong_password_says_so_and_signs_nobody_in(client, lawyer):
    response = _login(client, lawyer.email, "not-the-password")
    assert response.status_code == 200
    assert "The e-mail address or password is not right" in response.text
    assert not response.context["user"].is_authenticated


@pytest.mark.django_db
def test_invited_account_that_is_not_active_cannot_sign_in(client):
    user = UserFactory(email="pending@example.test", is_active=False)
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


@pytest.mark.django_db
def test_repeated_guessing_locks_that_user_at_that_address_only(client, settings, lawyer, other_lawyer):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _login(client, lawyer.email, "guess", address="203.0.113.5")

    locked = _login(client, lawyer.email, PASSWORD, address="203.0.113.5")
    assert locked.status_code == 429
    assert "15" in locked.text  # tells how long the pause lasts

    # The same office address is not locked for a colleague ...
    assert _login(client, other_lawyer.email, PASSWORD, address="203.0.113.5").status_code == 302
    # ... nor the lawyer from another address.
    assert _login(client.__class__(), lawyer.email, PASSWORD, address="192.0.2.44").status_code == 302


@pytest.mark.django_db
def test_forged_forwarded_for_header_does_not_escape_the_lock(client, settings, lawyer):
    settings.AXES_FAILURE_LIMIT = 2
    for n in range(2):
        client.post(
            LOGIN,
            {"username": lawyer.email, "password": "guess"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = client.post(
        LOGIN,
        {"username": lawyer.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_sign_out_needs_a_post(lawyer_client):
    assert lawyer_client.get(reverse("accounts:logout")).status_code == 405
    response = lawyer_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not lawyer_client.get(reverse("home")).context["user"].is_authenticated


@pytest.mark.django_db
def test_behind_our_proxy_each_client_is_counted_by_its_own_address(client, settings, lawyer):
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(2):  # an attacker, whatever it writes in front of the proxy's entry
        client.post(
            LOGIN,
            {"username": lawyer.email, "password": "guess"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.66",
        )
    attacker = client.post(
        LOGIN,
        {"username": lawyer.email, "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.66",
    )
    assert attacker.status_code == 429  # the forged first entry does not free the attacker
    # The real lawyer, elsewhere, behind the same proxy, is not locked out by the attacker.
    real = client.__class__().post(
        LOGIN, {"username": lawyer.email, "password": PASSWORD}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.20"
    )
    assert real.status_code == 302


# --- password spraying: one password tried on many accounts from one address (issue #13, item 11) ---
SPRAYER = "203.0.113.66"


@pytest.mark.django_db
def test_one_password_tried_on_many_accounts_from_one_address_pauses_that_address(client, settings, lawyer):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 4
    victims = [UserFactory(email=f"sprayed{n}@example.test") for n in range(5)]
    answers = [_login(client, victim.email, "Spring-2026!", address=SPRAYER) for victim in victims[:4]]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]  # each account failed once only
    assert "The e-mail address or password is not right" in answers[0].text
    assert answers[3].status_code == 429  # the fourth wrong password, on a fourth account, pauses the address
    refused = _login(client, victims[4].email, "Spring-2026!", address=SPRAYER)
    assert refused.status_code == 429
    assert "too many wrong passwords from your network, for several accounts" in refused.text
    assert "15 minutes" in refused.text
    # While paused, even a right password from that address waits ...
    assert _login(client, lawyer.email, PASSWORD, address=SPRAYER).status_code == 429
    # ... and people elsewhere sign in as usual.
    assert _login(client.__class__(), lawyer.email, PASSWORD, address="192.0.2.10").status_code == 302


@pytest.mark.django_db
def test_the_address_may_sign_in_again_once_the_cool_off_has_passed(client, settings, lawyer):
    from axes.models import AccessAttempt
    from django.db.models import F

    settings.SIGN_IN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        _login(client, UserFactory(email=f"sprayed{n}@example.test").email, "guess", address=SPRAYER)
    assert _login(client, lawyer.email, PASSWORD, address=SPRAYER).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME)
    assert _login(client, lawyer.email, PASSWORD, address=SPRAYER).status_code == 302


@pytest.mark.django_db
def test_an_office_signing_in_with_a_few_typos_is_not_paused(client, settings):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 4
    office = [UserFactory(email=f"colleague{n}@example.test") for n in range(6)]
    for colleague in office[:3]:  # three typos from three colleagues, each then signs in
        assert _login(client.__class__(), colleague.email, "typo", address="198.51.100.80").status_code == 200
        assert _login(client.__class__(), colleague.email, PASSWORD, address="198.51.100.80").status_code == 302
    for colleague in office[3:]:
        assert _login(client.__class__(), colleague.email, PASSWORD, address="198.51.100.80").status_code == 302


@pytest.mark.django_db
def test_a_name_longer_than_any_address_is_refused_as_a_wrong_password(client):
    """A pasted paragraph in the e-mail field is a failed sign-in like any other (counted, not a 500)."""
    response = client.post(reverse("accounts:login"), {"username": "律" * 400 + "@x.test", "password": "x"})
    assert response.status_code == 200 and "密码" in response.content.decode()


# --- a venue or an office behind one address is never paused by what people do by mistake (review R2, H1) ---
VENUE = "198.51.100.200"


@pytest.mark.django_db
def test_a_venue_where_twenty_people_mistype_their_address_still_signs_everyone_in(settings):
    """300 lawyers on the venue's Wi-Fi (one address) sign in on their phones to check in. Twenty mistype
    their e-mail address (qq.con): an address that names no account is no sign of guessing at accounts."""
    assert settings.SIGN_IN_FAILURES_PER_ADDRESS == 20  # the shipped limit
    lawyers = [UserFactory(email=f"venue{n}@qq.com") for n in range(25)]
    for lawyer in lawyers[:21]:
        typo = _login(Client(), lawyer.email.replace(".com", ".con"), PASSWORD, address=VENUE)
        assert typo.status_code == 200 and "The e-mail address or password is not right" in typo.text
    for lawyer in lawyers:  # then their right addresses, and everyone else at the venue
        assert _login(Client(), lawyer.email, PASSWORD, address=VENUE).status_code == 302


@pytest.mark.django_db
def test_wrong_passwords_followed_by_the_right_one_do_not_add_up(settings):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 3
    office = [UserFactory(email=f"colleague{n}@example.test") for n in range(6)]
    for colleague in office:  # each mistypes a password twice, then signs in
        for _ in range(2):
            assert _login(Client(), colleague.email, "typo", address=VENUE).status_code == 200
        assert _login(Client(), colleague.email, PASSWORD, address=VENUE).status_code == 302


@pytest.mark.django_db
def test_tries_refused_during_a_pause_do_not_make_it_last_longer(settings, lawyer):
    """Everyone trying again at the door, right passwords included, is refused during the pause and does not
    extend it: it ends one cool-off after the guesses that caused it."""
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 4
    settings.AXES_FAILURE_LIMIT = 3
    sprayed = [UserFactory(email=f"sprayed{n}@example.test") for n in range(4)]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for victim in sprayed:
            _login(Client(), victim.email, "Spring-2026!", address=SPRAYER)
        for _ in range(3):  # and one account locked on its own, from another address
            _login(Client(), lawyer.email, "guess", address="203.0.113.99")
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME - timedelta(minutes=5), tick=False):
        for person in [lawyer, *sprayed]:
            assert _login(Client(), person.email, PASSWORD, address=SPRAYER).status_code == 429
            assert _login(Client(), person.email, "Spring-2026!", address=SPRAYER).status_code == 429
        for _ in range(3):
            assert _login(Client(), lawyer.email, PASSWORD, address="203.0.113.99").status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + timedelta(minutes=1), tick=False):
        assert _login(Client(), sprayed[0].email, PASSWORD, address=SPRAYER).status_code == 302
        assert _login(Client(), lawyer.email, PASSWORD, address="203.0.113.99").status_code == 302


@pytest.mark.django_db
def test_people_who_have_signed_in_from_the_address_before_are_not_paused_with_it(settings, lawyer):
    """Someone sprays passwords from the office's address; the office's own people, who sign in from there
    every day, carry on (each account keeps its own limit)."""
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 3
    regular = UserFactory(email="regular@example.test")
    assert _login(Client(), regular.email, PASSWORD, address=SPRAYER).status_code == 302  # an ordinary day
    for n in range(3):
        _login(Client(), UserFactory(email=f"sprayed{n}@example.test").email, "Spring-2026!", address=SPRAYER)
    assert _login(Client(), lawyer.email, PASSWORD, address=SPRAYER).status_code == 429  # a newcomer waits
    typo = _login(Client(), regular.email, "typo", address=SPRAYER)
    assert typo.status_code == 200 and "The e-mail address or password is not right" in typo.text
    assert _login(Client(), regular.email, PASSWORD, address=SPRAYER).status_code == 302
    # Their own mistakes do not add to the address's count either.
    assert _login(Client(), regular.email, "typo", address=SPRAYER).status_code == 200


@pytest.mark.django_db
def test_no_address_limit_when_it_is_set_to_zero(settings, lawyer):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 0
    for n in range(25):
        answer = _login(Client(), UserFactory(email=f"sprayed{n}@example.test").email, "guess", address=SPRAYER)
        assert answer.status_code == 200
    assert _login(Client(), lawyer.email, PASSWORD, address=SPRAYER).status_code == 302


@pytest.fixture
def unwarned(monkeypatch):
    """A process that has not yet warned about X-Forwarded-For (the warning is once per process)."""
    from common import client_ip

    monkeypatch.setattr(client_ip, "_warned_of_ignored_header", False)


@pytest.mark.django_db
def test_a_forwarded_for_header_nobody_said_to_trust_is_logged_once(unwarned, settings, lawyer, caplog):
    settings.TRUSTED_PROXY_COUNT = 0
    with caplog.at_level(logging.WARNING, logger="common.client_ip"):
        _login(Client(), lawyer.email, PASSWORD, address="127.0.0.1")  # no header: nothing to say
        assert not caplog.records
        for _ in range(3):
            Client().post(
                LOGIN, {"username": lawyer.email, "password": PASSWORD}, REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR="203.0.113.20",
            )  # fmt: skip
    warnings = [r.getMessage() for r in caplog.records if r.name == "common.client_ip"]
    assert len(warnings) == 1
    assert "TRUSTED_PROXY_COUNT is 0" in warnings[0] and "127.0.0.1" in warnings[0]
