"""Client-side rate limits that follow each platform's rules, so a storm of sends stays within them.

* **Slack** limits are per method, per app, per workspace. ``chat.postMessage`` allows about one
  message per second per channel (short bursts tolerated) under a workspace-wide limit; the
  other methods coordbot sends with have tiers (``conversations.open`` is Tier 3, 50+/min).
* **Feishu** limits sending per app (50 calls a second, 1,000 a minute) and per receiving user or
  chat (5 a second).

A :class:`RateLimiter` holds a token bucket per (platform, workspace, method) and per
(platform, workspace, target); a message may go when every bucket it needs has a token. When a
platform still answers 429 (another replica shares the limit), :meth:`RateLimiter.hold` stops
that workspace's method — only that one — until the platform's ``Retry-After`` (Slack) or
``x-ogw-ratelimit-reset`` (Feishu) has passed.

The buckets are one process's. Several replicas stay within the limits because only one of them
sends in a *scope* (:meth:`RateLimiter.scope_of`: a Slack workspace, the Feishu app) at a time
(:mod:`storage.send_leases`); one taking a scope over from another starts its buckets there as if
that one had emptied them when it stopped (:meth:`RateLimiter.take_over`).

The limiter is not thread-safe by design: one dispatcher (:mod:`bot.sending`) asks it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.replies import Outbound


@dataclass(frozen=True)
class Limit:
    """``rate`` calls a second on average, up to ``burst`` at once."""

    rate: float
    burst: float


@dataclass(frozen=True)
class Policy:
    """One platform's limits: per method across a workspace, per target, and across the app."""

    per_method: dict[str, Limit]
    per_target: Limit | None = None
    per_app: Limit | None = None  # shared by every workspace (Feishu's limits are the app's)
    default_method: Limit = Limit(rate=1.0, burst=5)
    methods_per_app: bool = False  # per-method limits (and 429 holds) shared by every workspace


# chat.postMessage: Slack does not publish the workspace-wide figure; ~10/s is what large apps see.
SLACK = Policy(
    per_method={
        "chat.postMessage": Limit(rate=10.0, burst=20),
        "chat.postEphemeral": Limit(rate=10.0, burst=20),
        "conversations.open": Limit(rate=50 / 60, burst=10),  # Tier 3
        "conversations.history": Limit(rate=50 / 60, burst=10),  # Tier 3
    },
    per_target=Limit(rate=1.0, burst=3),
)
# Feishu: 1,000 a minute per app for sending, 50 a second for any call; 5 a second per receiver.
# coordbot is one Feishu app for all its Feishu workspaces, so the app's limits (and a 429 that
# says the app is over them) hold for every one of them.
FEISHU = Policy(
    per_method={"im.message.create": Limit(rate=1000 / 60, burst=50)},
    per_target=Limit(rate=5.0, burst=5),
    per_app=Limit(rate=50.0, burst=50),
    methods_per_app=True,
)
POLICIES = {"slack": SLACK, "feishu": FEISHU}


def method_of(message: Outbound) -> str:
    """The platform method a message is sent with (the key of its workspace-wide limit)."""
    if message.platform == "feishu":
        return "im.message.create"
    if message.target.kind == "member":
        return "chat.postEphemeral"
    return "chat.postMessage"


@dataclass
class _Bucket:
    limit: Limit
    tokens: float
    at: float
    held_until: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until one token is free (0: now)."""
        if now < self.held_until:
            return self.held_until - now
        self.tokens = min(self.limit.burst, self.tokens + (now - self.at) * self.limit.rate)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.limit.rate


@dataclass
class RateLimiter:
    """Token buckets per platform, workspace, method and target (see the module docstring)."""

    policies: dict[str, Policy] = field(default_factory=lambda: dict(POLICIES))
    monotonic: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[str, ...], _Bucket] = field(default_factory=dict)
    _emptied: dict[tuple[str, str], float] = field(default_factory=dict)  # scope -> when another emptied it

    def scope_of(self, platform: str, workspace_external_id: str) -> str | None:
        """The scope a workspace's sends count against: ``slack:T123``, ``feishu:app`` (None: no limits)."""
        policy = self.policies.get(platform)
        if policy is None:
            return None
        shared = policy.methods_per_app or policy.per_app is not None
        return f"{platform}:{'app' if shared else workspace_external_id}"

    def take_over(self, scope: str, idle: float) -> None:
        """Another process sent in ``scope`` until ``idle`` seconds ago: assume it emptied every bucket.

        The buckets there keep no more than ``idle`` seconds of refill (and new ones start so), so
        the calls of both processes together stay within each limit.
        """
        platform, part = scope.split(":", 1)
        now = self.monotonic()
        emptied = now - max(idle, 0.0)
        self._emptied[(platform, part)] = emptied
        for key, bucket in self._buckets.items():
            if _in_scope(key, platform, part):
                bucket.wait(now)  # refilled to now first
                bucket.tokens = min(bucket.tokens, (now - emptied) * bucket.limit.rate)

    def try_take(self, message: Outbound) -> float:
        """Take a token for ``message`` from each of its buckets and return 0, or return how long to wait.

        Nothing is taken unless everything is free, so waiting on one bucket costs the others nothing.
        """
        buckets = self._buckets_for(message)
        now = self.monotonic()
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if wait > 0:
            return wait
        for bucket in buckets:
            bucket.tokens -= 1
        return 0.0

    def hold(self, message: Outbound, seconds: float, method: str | None = None) -> None:
        """The platform said "not before ``seconds``" for this workspace's ``method``: hold just that."""
        policy = self.policies.get(message.platform)
        if policy is None:
            return
        key = (message.platform, _method_scope(policy, message), method or method_of(message))
        bucket = self._bucket(key, policy.per_method.get(key[2], policy.default_method))
        bucket.held_until = max(bucket.held_until, self.monotonic() + max(seconds, 0.0))
        bucket.tokens = 0.0

    def _buckets_for(self, message: Outbound) -> list[_Bucket]:
        policy = self.policies.get(message.platform)
        if policy is None:  # the console: no limits
            return []
        method = method_of(message)
        workspace = message.workspace_external_id
        buckets = [
            self._bucket(
                (message.platform, _method_scope(policy, message), method),
                policy.per_method.get(method, policy.default_method),
            )
        ]
        if policy.per_target is not None:
            target = message.target.id if message.target.kind != "member" else message.target.channel_id
            buckets.append(
                self._bucket((message.platform, workspace, "target", target or ""), policy.per_target)
            )
        if policy.per_app is not None:
            buckets.append(self._bucket((message.platform, "app"), policy.per_app))
        return buckets

    def _bucket(self, key: tuple[str, ...], limit: Limit) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            now = self.monotonic()
            tokens = limit.burst
            for scope in {(key[0], key[1]), (key[0], "app")}:
                emptied = self._emptied.get(scope)
                if emptied is not None:
                    tokens = min(tokens, (now - emptied) * limit.rate)
            bucket = self._buckets[key] = _Bucket(limit, tokens=tokens, at=now)
        return bucket


def _in_scope(key: tuple[str, ...], platform: str, part: str) -> bool:
    """Whether the bucket ``key`` counts calls made in the scope ``platform:part``."""
    return key[0] == platform and (part == "app" or key[1] == part)


def _method_scope(policy: Policy, message: Outbound) -> str:
    """Whose per-method limit a message counts against: its workspace's, or the whole app's."""
    return "app" if policy.methods_per_app else message.workspace_external_id
