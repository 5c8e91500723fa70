"""Who may use a view: decorators every app uses to state it."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .roles import Role


def role_required(*roles: str):
    """Signed in and holding one of `roles` (administrators may always pass); else 403."""
    wanted = {Role(role).value for role in roles} | {Role.ADMINISTRATOR.value}

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.roles & wanted:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


administrator_required = role_required(Role.ADMINISTRATOR)
