"""Several processes, one database: every message once. A SIGKILL mid-run: nothing lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from bot import scheduler as scheduler_module
from bot.messenger import DeliveryError, MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from storage.db import Database
from storage.models import DigestSchedule
from tests.conftest import make_database_url
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices, RecordingMessenger
from tests.virtual_seconds import virtual_sender

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # a Monday


def _reference_keys(tmp_path: Path, end: datetime) -> set[str]:
    """What one undisturbed scheduler sends over the same data and time."""
    db = Database(f"sqlite:///{tmp_path / 'reference.db'}")
    db.upgrade()
    with db.transaction() as s:
        f.seed_busy(s)
    messenger = RecordingMessenger()
    services = FakeServices(
        db=db, clock=ManualClock(START), messengers=MessengerRegistry({"console": messenger})
    )
    CoordScheduler(services, virtual_sender()).run_through(START, end)  # type: ignore[arg-type]
    db.dispose()
    keys = [m.key or "" for m in messenger.sent]
    assert len(keys) == len(set(keys))
    return set(keys)


@pytest.mark.postgres
def test_two_schedulers_on_one_postgresql_send_each_message_once(tmp_path: Path, request) -> None:  # type: ignore[no-untyped-def]
    urls = make_database_url("postgresql", tmp_path, request)
    url = next(urls)
    try:
        end = START + timedelta(days=2)
        drain = 60
        setup = Database(url)
        setup.upgrade()
        with setup.transaction() as s:
            f.seed_busy(s)
        setup.dispose()

        instants = []
        at = START
        while at < end:  # every 10 minutes; the retry backoffs land in between and are caught up
            at += timedelta(minutes=10)
            instants.append(at)
        sent: list[str] = []
        by_instance: dict[int, int] = {}
        lock = threading.Lock()
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def run(seed: int) -> None:
            rng = random.Random(seed)
            db = Database(url)
            messenger = RecordingMessenger()

            def flaky(_message, _tries):  # type: ignore[no-untyped-def]
                if rng.random() < 0.15:
                    return DeliveryError("ratelimited", retry_after=rng.choice([None, 30, 90]))
                return None

            messenger.fail = flaky
            services = FakeServices(
                db=db, clock=ManualClock(START), messengers=MessengerRegistry({"console": messenger})
            )
            scheduler = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
            try:
                for instant in instants:
                    barrier.wait(timeout=30)
                    scheduler.tick(instant)
                # drain retries
                for extra in range(1, drain + 1):
                    barrier.wait(timeout=30)
                    scheduler.tick(end + timedelta(minutes=extra))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                barrier.abort()
            finally:
                with lock:
                    sent.extend(m.key or "" for m in messenger.sent)
                    by_instance[seed] = len(messenger.sent)
                db.dispose()

        threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        counts = Counter(sent)
        assert [k for k, n in counts.items() if n > 1] == []
        assert set(counts) == _reference_keys(tmp_path, end + timedelta(minutes=drain))
        assert len(counts) > 80
        assert all(by_instance[n] > 0 for n in (1, 2)), by_instance  # both really worked
    finally:
        next(urls, None)


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_sigkill_mid_run_loses_nothing(tmp_path: Path) -> None:
    end = START + timedelta(days=2)
    expected = _reference_keys(tmp_path, end)
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    db = Database(url)
    db.upgrade()
    with db.transaction() as s:
        f.seed_busy(s)
    db.dispose()
    out = tmp_path / "delivered.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "tests.scheduler.run_child",
        url,
        str(out),
        START.isoformat(),
        end.isoformat(),
    ]
    in_flight = 4  # the killed process's concurrent sends
    child = subprocess.Popen([*command, "0.01", str(in_flight)], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while len(_lines(out)) < len(expected) // 3 and time.monotonic() < deadline:
        if child.poll() is not None:
            break
        time.sleep(0.005)
    assert child.poll() is None, "the child finished before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    before = len(_lines(out))
    assert 0 < before < len(expected)
    # Restart: a new process over the same database and time span.
    subprocess.run([*command, "0"], cwd=ROOT, env=env, check=True, timeout=120)
    delivered = Counter(_lines(out))
    assert set(delivered) == expected
    repeated = [k for k, n in delivered.items() if n > 1]
    assert len(repeated) <= in_flight, repeated  # at most the messages in flight at the kill


@pytest.mark.postgres
@pytest.mark.parametrize("slot", ["digests-and-sweeps", "sweeps-only"])
def test_two_replicas_share_one_storm_on_postgresql(tmp_path: Path, request, monkeypatch, slot: str) -> None:  # type: ignore[no-untyped-def]
    """Two replicas tick at the same 09:30: each takes a good part of the sweeps and digest chunks
    (staggered claim order, digests skipped while the other composes them), none twice — and of
    the sweeps when the slot has nothing else (units of a few workspaces, not one of all)."""
    monkeypatch.setattr(scheduler_module, "DIGEST_CHUNK", 8)
    monkeypatch.setattr(scheduler_module, "UNIT_WORKSPACES", 3)
    storm = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)  # a Tuesday
    urls = make_database_url("postgresql", tmp_path, request)
    url = next(urls)
    try:
        setup = Database(url)
        setup.upgrade()
        with setup.transaction() as s:
            f.seed_busy(s, workspaces=24, people=5, tasks=10, zones=("UTC",))
            if slot == "sweeps-only":
                s.execute(delete(DigestSchedule))
        setup.dispose()
        barrier = threading.Barrier(2)
        sent: dict[int, list[str]] = {}
        errors: list[BaseException] = []

        def replica(n: int) -> None:
            db = Database(url)
            messenger = RecordingMessenger()
            services = FakeServices(
                db=db, clock=ManualClock(storm), messengers=MessengerRegistry({"console": messenger})
            )
            scheduler = CoordScheduler(services, virtual_sender(), stagger=random.Random(n))  # type: ignore[arg-type]
            try:
                barrier.wait(timeout=30)
                scheduler.tick(storm)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                sent[n] = [m.key or "" for m in messenger.sent]
                db.dispose()

        threads = [threading.Thread(target=replica, args=(n,)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        counts = Counter(sent[1] + sent[2])
        assert [k for k, n in counts.items() if n > 1] == []
        kinds = Counter(key.split(":")[0] for key in counts)
        assert kinds["digest"] == (24 * 4 if slot == "digests-and-sweeps" else 0), kinds
        assert kinds["nudge"] >= 24, kinds
        for kind in (
            ("digest", "nudge") if slot == "digests-and-sweeps" else ("nudge",)
        ):  # both replicas took a real part of each kind of work
            mine = {n: sum(1 for key in sent[n] if key.startswith(f"{kind}:")) for n in (1, 2)}
            assert min(mine.values()) >= 0.2 * kinds[kind], (kind, mine)
    finally:
        next(urls, None)


@pytest.mark.postgres
def test_two_replicas_and_a_sigkill_of_one_during_the_storm_deliver_each_message_once(
    tmp_path: Path, request
) -> None:  # type: ignore[no-untyped-def]
    """Two replica processes tick the same 09:30 on PostgreSQL; one is killed mid-storm. The other
    takes what the dead one had reserved once its lease runs out: every message delivered (counted
    at the platform), repeats at most the killed one's sends in flight."""
    storm = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)  # a Tuesday
    urls = make_database_url("postgresql", tmp_path, request)
    url = next(urls)
    try:
        setup = Database(url)
        setup.upgrade()
        with setup.transaction() as s:
            f.seed_busy(s, workspaces=10, people=6, tasks=12, zones=("UTC",))
        setup.dispose()
        expected = _storm_reference(tmp_path, storm)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = {n: tmp_path / f"delivered-{n}.txt" for n in ("killed", "survivor")}
        in_flight = 3

        def replica(name: str, seed: int) -> subprocess.Popen[str]:
            command = [sys.executable, "-m", "tests.scheduler.storm_child", url, str(out[name])]
            return subprocess.Popen(
                [*command, storm.isoformat(), "0.02", str(in_flight), str(seed)],
                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip

        killed, survivor = replica("killed", 1), replica("survivor", 2)
        for child in (killed, survivor):  # both started (imports, connections) before either ticks
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in (killed, survivor):
            assert child.stdin is not None
            child.stdin.write("\n")
            child.stdin.flush()
        deadline = time.monotonic() + 60
        while len(_lines(out["killed"])) < 5 and time.monotonic() < deadline and killed.poll() is None:
            time.sleep(0.005)
        assert killed.poll() is None, "the replica finished before it could be killed"
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=10)
        assert survivor.stdout is not None and survivor.stdout.readline().strip() == "ticked"
        survivor.communicate("go\n", timeout=120)  # the ten minutes after: the dead one's leftovers
        assert survivor.returncode == 0
        delivered = Counter(_lines(out["killed"]) + _lines(out["survivor"]))
        assert set(delivered) == expected
        repeated = [k for k, n in delivered.items() if n > 1]
        assert len(repeated) <= in_flight, repeated
        assert _lines(out["survivor"]) and _lines(out["killed"])  # both took part
    finally:
        next(urls, None)


def _storm_reference(tmp_path: Path, storm: datetime) -> set[str]:
    """What one undisturbed scheduler sends at the storm and the ten minutes after."""
    db = Database(f"sqlite:///{tmp_path / 'storm-reference.db'}")
    db.upgrade()
    with db.transaction() as s:
        f.seed_busy(s, workspaces=10, people=6, tasks=12, zones=("UTC",))
    messenger = RecordingMessenger()
    services = FakeServices(
        db=db, clock=ManualClock(storm), messengers=MessengerRegistry({"console": messenger})
    )
    scheduler = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
    scheduler.tick(storm)
    scheduler.run_through(storm, storm + timedelta(minutes=10))
    db.dispose()
    return {m.key or "" for m in messenger.sent}
