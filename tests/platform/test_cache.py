"""The Redis cache while Redis is unreachable: an empty cache that forgets, never an error."""

import pytest

from common.cache import ResilientRedisCache
from tests.support import free_port


@pytest.fixture
def unreachable():
    return ResilientRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})


def test_reads_miss_and_writes_are_dropped(unreachable):
    unreachable.set("k", 1)
    assert unreachable.get("k", "default") == "default"
    assert unreachable.get_many(["k", "j"]) == {}
    assert unreachable.has_key("k") is False
    assert unreachable.add("k", 1) is True  # as into an empty cache
    with pytest.raises(ValueError):
        unreachable.incr("k")  # as on an empty cache: no such key
    assert unreachable.delete("k") is False


def test_a_throttle_counting_in_it_lets_people_through(unreachable, monkeypatch):
    from common import throttle

    monkeypatch.setattr(throttle, "cache", unreachable)
    assert not any(throttle.over_limit("verify:127.0.0.1", limit=1) for _ in range(5))
