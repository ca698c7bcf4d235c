"""Sending many messages at once: concurrently, fairly across workspaces, in order per channel.

The scheduler hands :class:`ConcurrentSender` the messages it has reserved in the ledger, and a
function that sends one and records its outcome (claim → send → record stays the scheduler's).
The sender decides only *when* each goes:

* **concurrently** — up to ``workers`` platform calls in flight (each keeps its client's timeout);
* **within the platforms' limits** — a message goes when :class:`bot.ratelimit.RateLimiter` has a
  token for its workspace's method and its target; a 429 holds that workspace's method only;
* **fairly** — workspaces take turns, one message each per turn, so a slow or rate-limited
  workspace holds back nobody but itself;
* **in order per channel** — a target's messages go one after another in the order given (a
  check-in before the next day's digest): the next is not started before the previous returned.

Nothing here touches the database: a process killed mid-storm leaves only its in-flight messages
unrecorded, as the ledger's per-message outcome log guarantees.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.messenger import rate_limits_handed_back
from bot.ratelimit import RateLimiter
from handlers.replies import Outbound

log = logging.getLogger(__name__)

WORKERS = 32  # platform calls in flight per process (each mostly waits on the network)
MAX_HOLD = 60.0  # a rate limit longer than this is handed back to the ledger's durable retry

Item = TypeVar("Item")


@dataclass(frozen=True)
class Throttled:
    """A send the platform refused for now: try again after ``seconds``, holding ``method``."""

    seconds: float
    method: str | None = None


# What one attempt returns: None when it is finished (sent, or its failure recorded); Throttled
# (for at most MAX_HOLD seconds; a longer limit is the ledger's to retry) to be tried again.
Attempt = Callable[[Item], Throttled | None]


@dataclass(eq=False)
class _Lane(Generic[Item]):
    """One target's messages, in order; ``busy`` while one of them is in flight."""

    items: deque[tuple[Item, Outbound]]
    busy: bool = False


class ConcurrentSender:
    """Runs attempts on a thread pool, paced by a :class:`RateLimiter` (see the module docstring)."""

    def __init__(
        self,
        limiter: RateLimiter | None = None,
        *,
        workers: int = WORKERS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limiter = limiter or RateLimiter()
        self.workers = workers
        self._sleep = sleep
        self._pool: ThreadPoolExecutor | None = None  # during a run (one at a time: the tick's lock)

    def run(
        self,
        items: Iterable[tuple[Item, Outbound]],
        attempt: Attempt[Item],
        *,
        on_tick: Callable[[Sequence[Item]], set[int] | None] | None = None,
        tick_every: float = 60.0,
    ) -> None:
        """Attempt every item, paced and fair; returns when each attempt has finished.

        ``on_tick(waiting)`` is called every ``tick_every`` seconds with the items not started
        yet; it may return the ``id()`` of items to drop (their lease went to another process).
        """
        pairs = list(items)
        # A pool for this run only (no idle threads between ticks); with one worker, or one
        # message, each attempt runs in the caller's thread, in turn (the console's order).
        threads = min(self.workers, len(pairs))
        pool = ThreadPoolExecutor(threads, thread_name_prefix="coordbot-send") if threads > 1 else None
        self._pool = pool
        try:
            self._run(pairs, attempt, on_tick, tick_every)
        finally:
            self._pool = None
            if pool is not None:
                pool.shutdown(wait=True)

    def _run(
        self,
        items: list[tuple[Item, Outbound]],
        attempt: Attempt[Item],
        on_tick: Callable[[Sequence[Item]], set[int] | None] | None,
        tick_every: float,
    ) -> None:
        workspaces: OrderedDict[str, deque[_Lane[Item]]] = OrderedDict()
        lanes: dict[tuple[str, str, str], _Lane[Item]] = {}
        for item, message in items:
            key = (message.platform, message.workspace_external_id, _target(message))
            lane = lanes.get(key)
            if lane is None:
                lane = lanes[key] = _Lane(deque())
                workspaces.setdefault(_workspace(message), deque()).append(lane)
            lane.items.append((item, message))
        in_flight: dict[Future[Throttled | None], tuple[_Lane[Item], Item, Outbound]] = {}
        last_tick = self.limiter.monotonic()
        while workspaces or in_flight:
            soonest = self._dispatch(workspaces, in_flight, attempt)
            if on_tick is not None and self.limiter.monotonic() - last_tick >= tick_every:
                last_tick = self.limiter.monotonic()
                _drop(workspaces, on_tick(_waiting(workspaces)))
            if not in_flight:
                if workspaces:
                    self._sleep(soonest if soonest != float("inf") else 0.01)
                continue
            timeout = None if soonest == float("inf") else soonest
            done, _ = wait(list(in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                lane, item, message = in_flight.pop(future)
                lane.busy = False
                throttled = _result(future, message)
                if throttled is not None:  # back to the head of its lane, after the hold
                    self.limiter.hold(message, throttled.seconds, throttled.method)
                    lane.items.appendleft((item, message))
                    if lane not in _lanes_of(workspaces, message):
                        workspaces.setdefault(_workspace(message), deque()).append(lane)

    def _dispatch(
        self,
        workspaces: OrderedDict[str, deque[_Lane[Item]]],
        in_flight: dict[Future[Throttled | None], tuple[_Lane[Item], Item, Outbound]],
        attempt: Attempt[Item],
    ) -> float:
        """Start what may start, one message per workspace per turn; seconds until more may.

        Infinite when only a finished send can let more start (every worker or lane is busy).
        """
        soonest = float("inf")
        progressed = True
        while progressed and len(in_flight) < self.workers:
            progressed = False
            for name in list(workspaces):
                if len(in_flight) >= self.workers:
                    break
                ring = workspaces[name]
                started, wait_for = self._start_one(ring, in_flight, attempt)
                soonest = min(soonest, wait_for)
                progressed = progressed or started
                if not ring:
                    del workspaces[name]
        return float("inf") if len(in_flight) >= self.workers else soonest

    def _start_one(
        self,
        ring: deque[_Lane[Item]],
        in_flight: dict[Future[Throttled | None], tuple[_Lane[Item], Item, Outbound]],
        attempt: Attempt[Item],
    ) -> tuple[bool, float]:
        """Start the first free lane's next message in this workspace (its lanes take turns too)."""
        soonest = float("inf")
        for _ in range(len(ring)):
            lane = ring[0]
            ring.rotate(-1)
            if lane.busy:
                continue
            if not lane.items:
                ring.remove(lane)
                continue
            item, message = lane.items[0]
            wait_for = self.limiter.try_take(message)
            if wait_for > 0:
                soonest = min(soonest, wait_for)
                continue
            lane.items.popleft()
            lane.busy = True
            if not lane.items:
                ring.remove(lane)  # re-added if it is throttled and comes back
            in_flight[self._submit(attempt, item)] = (lane, item, message)
            return True, 0.0
        return False, soonest

    def _submit(self, attempt: Attempt[Item], item: Item) -> Future[Throttled | None]:
        if self._pool is not None:
            return self._pool.submit(_attempt, attempt, item)
        future: Future[Throttled | None] = Future()
        try:
            future.set_result(_attempt(attempt, item))
        except Exception as exc:
            future.set_exception(exc)
        return future


def _attempt(attempt: Attempt[Item], item: Item) -> Throttled | None:
    with rate_limits_handed_back():
        return attempt(item)


def _result(future: Future[Throttled | None], message: Outbound) -> Throttled | None:
    try:
        return future.result()
    except Exception:  # the attempt records its own failures; anything else is a bug, logged once
        log.exception("sending to %s failed unexpectedly", message.target.label)
        return None


def _target(message: Outbound) -> str:
    return f"{message.target.kind}:{message.target.id}:{message.target.channel_id or ''}"


def _workspace(message: Outbound) -> str:
    return f"{message.platform}:{message.workspace_external_id}"


def _lanes_of(workspaces: OrderedDict[str, deque[_Lane[Item]]], message: Outbound) -> deque[_Lane[Item]]:
    return workspaces.get(_workspace(message), deque())


def _waiting(workspaces: OrderedDict[str, deque[_Lane[Item]]]) -> list[Item]:
    return [item for ring in workspaces.values() for lane in ring for item, _m in lane.items]


def _drop(workspaces: OrderedDict[str, deque[_Lane[Item]]], gone: set[int] | None) -> None:
    if not gone:
        return
    for ring in workspaces.values():
        for lane in ring:
            lane.items = deque(entry for entry in lane.items if id(entry[0]) not in gone)
