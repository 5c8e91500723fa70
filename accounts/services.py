"""Account writes with rules: invitations, activation, roles, language, password reset."""

from __future__ import annotations

import hashlib
import logging
import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from common.bulk import ids_table
from common.tasks import enqueue
from common.throttle import over_limit
from notifications.models import Channel
from notifications.services import notify

from .models import Invitation, PasswordResetRequest
from .roles import Role

User = get_user_model()
logger = logging.getLogger(__name__)
RESET_EMAIL_WINDOW_SECONDS = 15 * 60
RESET_REQUEST_MAX_AGE = timedelta(hours=1)


class InvitationError(Exception):
    """An invitation link that cannot be used; the message says why, for the person holding it."""


def user_add_role(*, user, role: str) -> None:
    user.groups.add(Group.objects.get(name=Role(role).value))
    user.forget_roles()


def users_add_role(*, user_ids: list[int], role: str) -> None:
    """user_add_role for many accounts at once (an import gives thousands the lawyer role): one statement, adding
    the role to those who lack it."""
    if not user_ids:
        return
    group = Group.objects.get(name=Role(role).value)
    memberships = User.groups.through._meta
    quote = connection.ops.quote_name
    table, user, role_group = (
        quote(name)
        for name in (memberships.db_table, memberships.get_field("user").column, memberships.get_field("group").column)
    )
    accounts, params = ids_table(user_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} ({user}, {role_group}) SELECT account.id, %s FROM ({accounts}) AS account
            WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {user} = account.id AND {role_group} = %s)""",  # noqa: S608 - our names
            [group.pk, *params, group.pk],
        )


@transaction.atomic
def user_invite(*, email: str, full_name: str, role: str, invited_by=None, language: str | None = None) -> Invitation:
    """Create (or find) the account for `email` and send it an invitation link.

    An account that is already active only gains the role; it needs no invitation.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(
            email=email, full_name=full_name.strip(), is_active=False, language=language or settings.LANGUAGE_CODE
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif user.is_active:
        raise ValidationError({"email": _("%(email)s already has an active account.") % {"email": email}})
    return invitation_send(user=user, role=role, invited_by=invited_by)


@transaction.atomic
def invitation_send(*, user, role: str, invited_by=None) -> Invitation:
    """Issue a fresh link (earlier unused links stop working) and e-mail it."""
    now = timezone.now()
    Invitation.objects.filter(user=user).usable().update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=Invitation.hash_token(token),
        role=Role(role).value,
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    notify(
        user,
        "invitation",
        {"invitation": invitation, "role": invitation.get_role_display(), "invited_by": invited_by},
        dedup_key=f"invitation:{invitation.pk}",
        channel=Channel.EMAIL,
        link=reverse("accounts:activate_link", kwargs={"token": token}),
        sensitive=True,
    )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link stands for, or InvitationError saying why it cannot be used."""
    invitation = Invitation.objects.select_related("user").filter(token_hash=Invitation.hash_token(token or "")).first()
    if invitation is None or invitation.revoked_at:
        raise InvitationError(_("This invitation link is not valid. It may have been replaced by a newer one."))
    if invitation.accepted_at or (invitation.user.is_active and invitation.user.has_usable_password()):
        raise InvitationError(_("This invitation has already been used. Sign in with your e-mail and password."))
    if invitation.is_expired:
        raise InvitationError(_("This invitation link has expired. Ask the programme office to send a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str):
    """Set the invited person's password, activate the account and give it the invited role."""
    invitation = invitation_for_token(token)
    # Lock the row: two clicks on the link must not both succeed.
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationError(_("This invitation has already been used. Sign in with your e-mail and password."))
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    user_add_role(user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    notify(user, "welcome", dedup_key=f"welcome:{user.pk}", channel=Channel.IN_APP, link=reverse("home"))
    return user


def user_set_language(*, user, language: str) -> None:
    """The person chose `language` (the language switch, their profile): every device and e-mail follows it."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    if user.language != language or not user.language_chosen:
        user.language, user.language_chosen = language, True
        user.save(update_fields=["language", "language_chosen"])


def user_follow_browser(*, user) -> None:
    """The person gave up their choice: each browser shows its own language again."""
    if user.language_chosen:
        user.language_chosen = False
        user.save(update_fields=["language_chosen"])


def user_saw_language(*, user, language: str) -> None:
    """Someone who has not chosen a language signed in reading `language` (their browser's): their e-mails
    follow it, and another browser still shows its own."""
    if user.language_chosen or language not in dict(settings.LANGUAGES) or user.language == language:
        return
    user.language = language
    user.save(update_fields=["language"])


def user_language_at_sign_in(*, user, picked: str | None, read: str) -> str:
    """The language a person reads once signed in, which is returned:
    - the one they picked with the language switch on the sign-in page just before (`picked`): now their
      choice, over any older one, since it is the newest thing they said;
    - else the one they chose earlier (the switch, their profile), on every device;
    - else the one this device shows them (`read`: its browser's language, or its own earlier pick): not a
      choice, so each device keeps its own; it is remembered for their e-mails.
    Nothing else on the device (a cookie someone left there) is taken as their choice.
    """
    if picked in dict(settings.LANGUAGES):
        user_set_language(user=user, language=picked)
        return picked
    if user.language_chosen:
        return user.language
    user_saw_language(user=user, language=read)
    return read


BROWSER_LANGUAGE = ""  # the profile's "as my browser": no language chosen


@transaction.atomic
def user_profile_update(*, user, full_name: str, language: str) -> None:
    """The person's own settings: their name, and a language chosen for every device and e-mail, or
    BROWSER_LANGUAGE to give the choice back to each browser."""
    user.full_name = full_name.strip()
    user.full_clean()
    user.save(update_fields=["full_name"])
    if language == BROWSER_LANGUAGE:
        user_follow_browser(user=user)
    else:
        user_set_language(user=user, language=language)


def password_reset_allowed(*, email: str, client: str) -> bool:
    """Whether a reset may be asked for `email` from the client address `client` now: at most
    PASSWORD_RESETS_PER_EMAIL_PER_HOUR for one e-mail address (so no one fills a person's inbox) and
    PASSWORD_RESETS_PER_ADDRESS_PER_HOUR from one client (so no one sprays the form with addresses); every
    try counts against both, in hour-long windows; a limit of 0 is none.

    An address is counted in the form the worker looks it up in: PostgreSQL's case-blind comparison finds
    `sam@x` for `ſam@x` (long s) or `SAM@x`, so they are one address here too.
    """
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    digest = hashlib.sha256(folded.encode()).hexdigest()  # no addresses in cache keys
    tries = [
        _over(f"password-reset:email:{digest}", settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR),
        _over(f"password-reset:address:{client}", settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR),
    ]
    return not any(tries)


def _over(key: str, limit: int) -> bool:
    return bool(limit) and over_limit(key, limit, seconds=3600)


def password_reset_queue(*, email: str) -> PasswordResetRequest:
    """The reset form's work in the web request: note the address and leave the rest to the worker.

    Whether an account has the address or not, this stores one row and queues one task, so neither the
    answer nor its timing tells anyone who has an account. The caller says the same thing either way.
    """
    request = PasswordResetRequest.objects.create(email=User.objects.normalize_email(email.strip()).lower())
    enqueue("accounts.tasks.send_password_reset", request_id=request.pk)  # a broker outage: the sweep sends it
    return request


@transaction.atomic
def password_reset_send(*, request_id: int) -> bool:
    """In the worker: claim a noted reset and e-mail its link if an active account has the address.

    Returns False when the request is already handled (the task ran twice, or the sweep took it).
    """
    request = PasswordResetRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        return False
    request.delete()  # handled: the typed address is kept no longer than needed
    password_reset_request(email=request.email)
    return True


def password_reset_sweep(*, now=None, batch: int = 200) -> int:
    """Handle resets the broker never received (it was down); one not handled within an hour is dropped:
    by then the person has asked again, and a link arriving much later would only puzzle them."""
    now = now or timezone.now()
    PasswordResetRequest.objects.filter(requested_at__lt=now - RESET_REQUEST_MAX_AGE).delete()
    due = PasswordResetRequest.objects.filter(
        requested_at__lte=now - timedelta(seconds=settings.NOTIFICATION_SWEEP_SECONDS)
    ).order_by("requested_at")
    return sum(password_reset_send(request_id=pk) for pk in due.values_list("pk", flat=True)[:batch])


def password_reset_request(*, email: str) -> None:
    """E-mail a reset link to the active account with this address, if any (in the worker: see
    `password_reset_queue`)."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    notify(
        user,
        "password_reset",
        {"valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
        # One e-mail per account per quarter hour, however often the form is sent.
        dedup_key=f"password_reset:{user.pk}:{int(timezone.now().timestamp()) // RESET_EMAIL_WINDOW_SECONDS}",
        channel=Channel.EMAIL,
        link=reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token}),
        sensitive=True,
    )
