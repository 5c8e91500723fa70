from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django.utils import timezone


class EmailBackend(ModelBackend):
    """Signs people in by e-mail address, whatever its letter case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = (username or kwargs.get("email") or "").strip()
        if not email or password is None:
            return None
        User = get_user_model()
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing difference
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in account of a request, with its roles in the same query: every page asks for them (the
        menu, the role checks), and a second query for the groups cost each one about as much as its own."""
        user = get_user_model().objects.get_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def axes_username(request, credentials):
    """Axes counts failures per normalised e-mail, so 'A@x' and 'a@x ' are the same person; cut to what its
    record holds (255 characters: no address is longer), so a pasted essay is counted, not a server error."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return value.strip().lower()[:255]


class AddressAwareAxesHandler(AxesDatabaseHandler):
    """Axes' lock on an (account, address) pair, and a lock on an address that guessed at many accounts.

    Password spraying (one password tried on account after account) never trips a per-account count, so an
    address is also paused once wrong passwords from it were tried, within the cool-off, on
    SIGN_IN_FAILURES_PER_ADDRESS different accounts that exist. A whole venue or office signs in from one
    address, so what people there do by mistake must not add up to it:
    - a mistyped e-mail address names no account, and is not counted;
    - an account whose owner then signs in has its failures wiped (axes' AXES_RESET_ON_SUCCESS);
    - an account that has signed in from this address before is neither counted nor paused here: its owner
      is at their usual place (axes' AccessLog remembers where each account signed in);
    - attempts refused during the pause are not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off),
      so people trying their right passwords at the door do not keep it going.
    The pause shows axes' lock-out page and is cleared by axes' own tools (`manage.py axes_reset_ip`).
    SIGN_IN_FAILURES_PER_ADDRESS = 0 turns it off.
    """

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # The failure that reaches the limit is answered with the lock-out page, as axes does for an account.
        if request is not None and not request.axes_locked_out and self._address_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    @staticmethod
    def _address_locked(request, credentials) -> bool:
        limit = settings.SIGN_IN_FAILURES_PER_ADDRESS
        address = request.axes_ip_address
        request.axes_address_locked = bool(
            limit
            and accounts_failed_from(address) >= limit
            and not signed_in_from(axes_username(request, credentials), address)
        )
        return request.axes_address_locked


def signed_in_from(username: str, address: str) -> bool:
    """Whether the account with this (normalised) e-mail has ever signed in from this address."""
    return AccessLog.objects.filter(username=username, ip_address=address).exists()


def accounts_failed_from(address: str) -> int:
    """Existing accounts with wrong passwords from `address` within the cool-off, other than those that have
    signed in from there before."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failed = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since, username=OuterRef("email"))
    at_home = AccessLog.objects.filter(ip_address=address, username=OuterRef("email"))
    return get_user_model().objects.filter(Exists(failed)).exclude(Exists(at_home)).count()
