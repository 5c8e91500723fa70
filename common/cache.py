"""Django's Redis cache, but Redis being unreachable does not take the site down with it; tokens for cached parts.

Sessions are read through the cache and the throttles count in it; with the stock backend every
signed-in request would fail while Redis restarts. Here an unreachable Redis behaves as an empty cache
that forgets what it is told: reads miss (sessions then come from the database), writes are dropped,
`add` succeeds and `incr` finds no key, so throttles let people through meanwhile. The outage is logged
once a minute per process.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
_last_warning = 0.0


def _warn(exc: Exception) -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        logger.warning("cache unreachable, serving without it: %s", exc)


def _or(empty):
    """Run the method; while Redis is unreachable answer as an empty cache would: `empty`, or a fresh
    one when it is a type (a dict, a list)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except UNREACHABLE as exc:
                _warn(exc)
                return empty() if isinstance(empty, type) else empty

        return wrapper

    return decorate


class _OneClientAPool(RedisCacheClient):
    """Django's client makes a redis.Redis for every cache operation, and each builds its table of some 170
    response callbacks (a quarter of a millisecond a page of four operations); one client a connection pool
    serves them all (a redis.Redis is thread-safe: each command takes a connection from the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientAPool

    add = _or(True)(RedisCache.add)
    set = _or(None)(RedisCache.set)
    touch = _or(False)(RedisCache.touch)
    delete = _or(False)(RedisCache.delete)
    has_key = _or(False)(RedisCache.has_key)
    get_many = _or(dict)(RedisCache.get_many)
    set_many = _or(list)(RedisCache.set_many)
    delete_many = _or(None)(RedisCache.delete_many)
    clear = _or(None)(RedisCache.clear)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            _warn(exc)
            return default

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            _warn(exc)
            raise ValueError(f"Key '{key}' not found.") from exc  # as on an empty cache


# --- tokens for cached parts ------------------------------------------------------------------------
def token_key(name: str) -> str:
    """The cache key of `name`'s token: for a reader that fetches it with other keys in one round trip."""
    return f"token:{name}"


def token(name: str) -> str:
    """The current token of `name`: parts cached with it in their keys hold until it is replaced (replace_token).
    A token never made, or forgotten by Redis, is made anew, so no part cached before can match it."""
    key = token_key(name)
    current = cache.get(key)
    if current is None:
        current = uuid.uuid4().hex
        if not cache.add(key, current, None):  # another request made one meanwhile
            current = cache.get(key) or current
    return current


def replace_token(name: str, timeout: int | None = None) -> None:
    """What the parts cached with `name`'s token show has changed: at once, and again once the transaction
    commits (a page read between the two would have cached what it saw before). `timeout`: seconds the token is
    kept (None: until replaced), for tokens of which there are many, such as one a person."""
    _replace(name, timeout)
    transaction.on_commit(lambda: _replace(name, timeout))


def _replace(name: str, timeout: int | None) -> None:
    cache.set(token_key(name), uuid.uuid4().hex, timeout)
