"""Prometheus metrics (prometheus-client), served at ``GET /metrics`` when ``COORDBOT_METRICS=on``.

Counted as they happen, in this process: requests by platform and kind with their ack latency,
commands by outcome (both at :meth:`bot.inbound.Pipeline._finished`), sends by platform and
result with their latency and the 429s among them (:mod:`bot.scheduler`), and the scheduler's
tick duration. Read from the database at each scrape (:class:`LedgerCollector`, so every replica
reports the same shared state): the ledger's rows by status and kind, the age of its oldest
pending message, and the inbox backlog. Off by default: the counts say how busy each team is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage import notifications as ledger
from storage.db import Database
from storage.models import InboxEvent, Notification

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()  # the process's; LedgerCollector joins it with the app
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("coordbot_requests", "Platform requests by kind", ["platform", "kind"], registry=REGISTRY)
ACK_SECONDS = Histogram(
    "coordbot_ack_seconds",
    "Receipt to acknowledgement",
    ["platform", "kind"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
COMMANDS = Counter("coordbot_commands", "Requests by outcome", ["platform", "outcome"], registry=REGISTRY)
SENDS = Counter("coordbot_sends", "Outbound sends by result", ["platform", "result"], registry=REGISTRY)
SEND_SECONDS = Histogram(
    "coordbot_send_seconds", "One outbound platform call", ["platform"], buckets=_LATENCY, registry=REGISTRY
)
RATE_LIMITED = Counter(
    "coordbot_rate_limited", "Sends the platform answered 429", ["platform"], registry=REGISTRY
)
TICK_SECONDS = Histogram(
    "coordbot_scheduler_tick_seconds",
    "One scheduler tick: plan, claim, send",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)


def request_finished(platform: str, kind: str, outcome: str, ack_seconds: float | None) -> None:
    REQUESTS.labels(platform, kind).inc()
    COMMANDS.labels(platform, outcome).inc()
    if ack_seconds is not None:
        ACK_SECONDS.labels(platform, kind).observe(ack_seconds)


def send_finished(platform: str, result: str, seconds: float) -> None:
    SENDS.labels(platform, result).inc()
    SEND_SECONDS.labels(platform).observe(seconds)
    if result == "rate_limited":
        RATE_LIMITED.labels(platform).inc()


class LedgerCollector(Collector):
    """The shared state, read at scrape time: ledger rows by status and kind, oldest pending, inbox."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self.db = db
        self.now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        rows = GaugeMetricFamily(
            "coordbot_ledger_messages", "Ledger messages by status", labels=["status", "kind"]
        )
        oldest = GaugeMetricFamily(
            "coordbot_ledger_oldest_pending_seconds", "Age of the oldest unsent message"
        )
        backlog = GaugeMetricFamily("coordbot_inbox_backlog", "Accepted requests not yet done")
        try:
            with self.db.engine.connect() as connection:
                counts = connection.execute(
                    select(Notification.status, Notification.kind, func.count())
                    .where(Notification.status != ledger.MARKER)
                    .group_by(Notification.status, Notification.kind)
                ).all()
                first = connection.execute(
                    select(func.min(Notification.created_at)).where(Notification.status.in_(ledger.RETRYABLE))
                ).scalar()
                waiting = connection.execute(
                    select(func.count()).select_from(InboxEvent).where(InboxEvent.done_at.is_(None))
                ).scalar()
        except Exception as exc:  # a scrape must not fail the process; the gauges are left out
            log.warning("metrics: the ledger could not be read: %s", type(exc).__name__)
            return
        for status, kind, count in counts:
            rows.add_metric([status, kind], count)
        if first is not None:
            first = first if first.tzinfo else first.replace(tzinfo=UTC)
            oldest.add_metric([], max((self.now() - first).total_seconds(), 0.0))
        else:
            oldest.add_metric([], 0.0)
        backlog.add_metric([], waiting or 0)
        yield rows
        yield oldest
        yield backlog


def metrics_route(db: Database, now: Callable[[], datetime]) -> Route:
    """``GET /metrics`` for this process's counters and the database's state."""
    registry = CollectorRegistry()
    registry.register(_Process())
    registry.register(LedgerCollector(db, now))

    def metrics(_request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics, methods=["GET"])


class _Process(Collector):
    """The process's own counters (:data:`REGISTRY`) inside a route's registry."""

    def collect(self) -> Iterator[object]:
        yield from REGISTRY.collect()
