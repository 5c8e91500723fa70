"""What My program shows of a lawyer's certificates (see common/panels.py)."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.utils import translation

from common.cache import replace_token, token
from common.panels import Panel

from .models import Certificate

CERTIFICATES = "certificates:mine"  # the token the cached panels are keyed by (common.cache)
TEMPLATE = "certificates/panels/mine.html"


def my_program_panels(request) -> list[Panel]:
    """The lawyer's certificates, newest first. The rendered panel is cached, keyed by the person, the language and
    a token that every save or delete of a certificate replaces (issue, amendment, revocation)."""
    user = request.user
    key = f"my-certificates:{user.pk}:{translation.get_language()}:{token(CERTIFICATES)}"
    html = cache.get(key)
    if html is None:
        certificates = list(Certificate.objects.filter(participant__user=user).order_by("-issued_at"))
        html = render_to_string(TEMPLATE, {"certificates": certificates}, request) if certificates else ""
        cache.set(key, html, 3600)
    return [Panel(TEMPLATE, column="main", order=10, html=html)] if html else []


def certificates_changed(**kwargs) -> None:
    replace_token(CERTIFICATES)


def connect() -> None:
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(certificates_changed, sender=Certificate, dispatch_uid=f"my-certificates-{name}")
