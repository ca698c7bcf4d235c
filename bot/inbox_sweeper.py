"""A daemon thread that runs inbox entries a crash or an outage left pending, every few seconds.

Each platform adapter with an inbox (:mod:`storage.inbox`) starts one from ``coordbot serve``;
``recover()`` takes the entries whose lease ran out (each goes to one replica only) and runs them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

SWEEP_EVERY = 30.0  # seconds between looks for entries whose lease ran out


class InboxSweeper:
    def __init__(self, name: str, recover: Callable[[], int]) -> None:
        self.name = name
        self._recover = recover
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self, every: float = SWEEP_EVERY) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._sweep_forever, args=(every,), name=f"{self.name}-inbox", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _sweep_forever(self, every: float) -> None:
        while not self._stopping.wait(every):
            try:
                while self._recover() > 0 and not self._stopping.is_set():
                    pass
            except Exception as exc:  # the database away: the next round tries again
                log.warning("%s inbox sweep failed: %s", self.name, type(exc).__name__)
