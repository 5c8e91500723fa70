"""A fixed-window counter in the cache: how often someone may do something a minute."""

from django.core.cache import cache


def over_limit(key: str, limit: int, seconds: int = 60) -> bool:
    """Count one more try under `key`; True once there were more than `limit` in the window."""
    if cache.add(key, 1, timeout=seconds):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # the key expired between the two calls
        return False
