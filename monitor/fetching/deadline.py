"""A deadline per request that no server can stretch: connect, TLS, headers and body.

Socket timeouts bound each ``recv``, not a request: a server that drips one header byte every
0.9 s never lets a 5 s read timeout fire, and it held one fetch for 153 s (issue 11, item 1),
while every other alliance on the same ``host:port`` queued behind it. The body loop of
:mod:`monitor.fetching.fetch` shrinks the socket timeout as the deadline nears, but the headers
are read inside ``http.client`` where no such loop exists.

So one watchdog thread keeps the deadlines of the requests in flight. The connection a request
uses is attached to its watch (:meth:`Deadlines.attach`, called by the guarded connection pools
of :mod:`monitor.fetching.guard` for fresh and reused connections alike); when a deadline passes
before the request finished, the watchdog shuts that connection's socket down. The blocked read
returns at once with an error, and the fetcher reports a timeout because the watch says it
fired. Shutting down (not closing) leaves the file descriptor to its owner, so a descriptor
reused by another connection can never be hit.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any


class Watch:
    """One request's deadline and the connection it is using (if any yet)."""

    __slots__ = ("_conn", "_done", "_lock", "deadline", "fired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        #: True once the watchdog cut the request's connection at the deadline.
        self.fired = False
        self._conn: Any = None
        self._done = False
        self._lock = threading.Lock()

    def attach(self, conn: Any) -> None:
        with self._lock:
            self._conn = conn
            late = not self._done and time.monotonic() >= self.deadline
        if late:
            self.expire()

    def expire(self) -> None:
        """Cut the connection (called by the watchdog at the deadline)."""
        with self._lock:
            if self._done:
                return
            self.fired = True
            conn = self._conn
            sock = getattr(conn, "sock", None) if conn is not None else None
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        with self._lock:
            self._done = True
            self._conn = None

    @property
    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class Deadlines:
    """The watchdog: a heap of deadlines served by one daemon thread, started on first use."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._local = threading.local()

    @contextlib.contextmanager
    def watch(self, seconds: float) -> Iterator[Watch]:
        """Run the ``with`` body under a deadline ``seconds`` from now (this thread's request)."""
        w = Watch(time.monotonic() + seconds)
        with self._cond:
            heapq.heappush(self._heap, (w.deadline, next(self._order), w))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="fetch-deadlines", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        previous = getattr(self._local, "watch", None)
        self._local.watch = w
        try:
            yield w
        finally:
            self._local.watch = previous
            w.finish()

    def attach(self, conn: Any) -> None:
        """Tell the current thread's watch which connection its request is using."""
        w: Watch | None = getattr(self._local, "watch", None)
        if w is not None:
            w.attach(conn)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, _, w = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            w.expire()


#: The process's one watchdog (a thread that sleeps when no request is in flight).
DEADLINES = Deadlines()
