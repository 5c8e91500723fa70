"""Which language a request is answered in, for people signed in.

Django's LocaleMiddleware goes by this device's cookie (the language switch used before signing in), then
the browser's Accept-Language. For a person who has chosen a language (accounts.services.user_set_language)
the account decides instead, on every device they use and from the moment they choose: a cookie written on
one device could neither follow them to another nor be taken back from there.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import language_code_re, parse_accept_lang_header


class ChosenLanguageMiddleware:
    """After LocaleMiddleware (which has read the cookie and the browser) and AuthenticationMiddleware (which
    knows who is asking)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language_chosen and user.language != request.LANGUAGE_CODE:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def browser_language(request) -> str:
    """The language the browser asks for (Accept-Language) among ours, whatever a cookie says; else Chinese."""
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        if language_code_re.search(code):
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
    return settings.LANGUAGE_CODE
