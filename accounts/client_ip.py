"""The client's address, trusting X-Forwarded-For only as far as our own proxies (TRUSTED_PROXY_COUNT)."""

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    # Each of our proxies appends the address it received the request from; the entry our outermost
    # proxy appended is the client. Entries before it are whatever the client chose to send.
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote
