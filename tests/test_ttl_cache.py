"""The expiring cache behind DM channel ids: expiry, the size bound (least recently used first), forget."""

from __future__ import annotations

from bot.ttl_cache import TtlCache


def test_entries_expire_are_bounded_and_can_be_forgotten() -> None:
    now = [0.0]
    cache: TtlCache[str, str] = TtlCache(10.0, max_entries=2, monotonic=lambda: now[0])
    cache.put("a", "1")
    cache.put("b", "2")
    assert cache.get("a") == "1"  # "a" is now the most recently used
    cache.put("c", "3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("1", None, "3")
    cache.forget("a")
    assert cache.get("a") is None and len(cache) == 1
    now[0] = 9.9
    assert cache.get("c") == "3"
    now[0] = 10.0
    assert cache.get("c") is None and len(cache) == 0
