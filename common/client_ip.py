"""The client's address, trusting X-Forwarded-For only as far as our own proxies (TRUSTED_PROXY_COUNT)."""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)
_warned_of_ignored_header = False


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        if "HTTP_X_FORWARDED_FOR" in request.META:
            _warn_of_ignored_header(remote)
        return remote
    # Each of our proxies appends the address it received the request from; the entry our outermost
    # proxy appended is the client. Entries before it are whatever the client chose to send.
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


def _warn_of_ignored_header(remote: str) -> None:
    """Behind a proxy that nobody told us about, every visitor has the proxy's address, and the sign-in limits
    per address then hold for the whole site at once. Said once per process: a client may send the header
    itself, so it proves nothing, but an operator reading the log after a site-wide pause should find this."""
    global _warned_of_ignored_header
    if not _warned_of_ignored_header:
        _warned_of_ignored_header = True
        logger.warning(
            "X-Forwarded-For arrived (from %s) but TRUSTED_PROXY_COUNT is 0, so it is ignored and the socket "
            "address is taken as the client's. Behind a proxy, every visitor then shares its address, and the "
            "sign-in limits per address apply to all of them together: set TRUSTED_PROXY_COUNT to the number "
            "of proxies in front of the app.",
            remote,
        )
