from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum
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


def axes_username(request, credentials):
    """Axes counts failures per normalised e-mail, so 'A@x' and 'a@x ' are the same person; cut to what its
    record holds (255 characters: no address is longer), so a pasted essay is counted, not a server error."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return value.strip().lower()[:255]


class AddressAwareAxesHandler(AxesDatabaseHandler):
    """Axes' lock on an (account, address) pair, and a lock on an address that failed on many accounts.

    Password spraying (one password tried on account after account) never trips a per-account count, so the
    wrong passwords from one address are also counted over all accounts within the cool-off; at
    SIGN_IN_FAILURES_PER_ADDRESS the address is paused like a locked account: the same lock-out page, the same
    cool-off, cleared by axes' own tools (`manage.py axes_reset_ip`).
    """

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # The failure that reaches the limit is answered with the lock-out page, as axes does for an account.
        if request is not None and not request.axes_locked_out and self._address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    @staticmethod
    def _address_locked(request) -> bool:
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        failures = AccessAttempt.objects.filter(ip_address=request.axes_ip_address, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        request.axes_address_locked = (failures or 0) >= settings.SIGN_IN_FAILURES_PER_ADDRESS
        return request.axes_address_locked
