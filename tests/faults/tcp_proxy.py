"""A small TCP proxy whose link can be cut and restored: a database "going away" without
touching the shared database server.

``TcpProxy("127.0.0.1", 5432).start()`` listens on a free loopback port and relays every
connection to the target. :meth:`TcpProxy.cut` is what a server restart or a network partition
looks like to a client: established connections are dropped and new ones refused (the listening
socket is closed). :meth:`TcpProxy.restore` listens again on the same port.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading

POLL = 0.05  # seconds between checks of the stop flag (bounded polling of background threads)


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._pumps: list[threading.Thread] = []

    # -- control ---------------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._listen()
        return self

    @property
    def up(self) -> bool:
        return self._listener is not None

    def cut(self) -> None:
        """Refuse new connections and drop every established one (both directions)."""
        self._stop_accepting()
        with self._lock:
            sockets, self._open = self._open, set()
        for sock in sockets:
            _close(sock)
        self._join_pumps()

    def restore(self) -> None:
        if self._listener is None:
            self._listen()

    def stop(self) -> None:
        self.cut()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stop = threading.Event()
        self._accepting = threading.Thread(
            target=self._accept_loop, args=(listener, self._stop), name="tcp-proxy-accept", daemon=True
        )
        self._accepting.start()

    def _stop_accepting(self) -> None:
        listener, thread = self._listener, self._accepting
        self._listener = self._accepting = None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=5)
        if listener is not None:
            listener.close()

    def _accept_loop(self, listener: socket.socket, stop: threading.Event) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            while not stop.is_set():
                if not selector.select(timeout=POLL):
                    continue
                try:
                    client, _addr = listener.accept()
                except (BlockingIOError, OSError):
                    continue
                client.setblocking(True)
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    _close(client)
                    continue
                upstream.settimeout(None)
                with self._lock:
                    if stop.is_set():
                        _close(client)
                        _close(upstream)
                        return
                    self._open.update((client, upstream))
                    self.accepted += 1
                    pumps = [
                        threading.Thread(target=self._pump, args=pair, daemon=True)
                        for pair in ((client, upstream), (upstream, client))
                    ]
                    self._pumps.extend(pumps)
                for pump in pumps:
                    pump.start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)
            _close(source)
            _close(sink)

    def _join_pumps(self) -> None:
        with self._lock:
            pumps, self._pumps = self._pumps, []
        for pump in pumps:
            pump.join(timeout=5)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
