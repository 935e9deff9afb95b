"""Rebuild the portal in the background after saves: one build at a time, bursts coalesced.

Every save asks for a build and gets a *generation* number. One worker thread runs the build
function; saves that arrive while it runs are folded into the single next build, which covers
every generation requested so far. A generation is *built* once a build that started after it
was requested has finished successfully. Whether built means *live* (what the public sees) depends
on how the office publishes (docs/operations.md, "Published versus live"):

- the web server serves the build folder itself, or ``[publish] auto = true`` makes every build
  publish too: a finished build is on the public portal (``public=True``);
- the office publishes by hand (the console's 發布入口網, ``alliance publish``): a finished build
  is only the office's preview, and the form says the change waits for the office's
  publication (``public=False``).

Why a thread and not a queue of builds: a build always publishes the whole registry, so ten
saves in a minute need one more build, not ten.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from typing import Literal

log = logging.getLogger(__name__)

#: ``built``: the build has the change, the public portal not yet (the office publishes by hand).
PublishStatus = Literal["live", "built", "building", "failed", "disabled"]


class RebuildCoordinator:
    def __init__(
        self,
        build: Callable[[], object] | None,
        *,
        name: str = "portal-rebuild",
        public: bool = True,
    ) -> None:
        self._build = build
        #: Whether a finished build is what the public sees (see the module docstring).
        self.public = public
        self._name = name
        self._cond = threading.Condition()
        self._requested = 0  # highest generation asked for
        self._done = 0  # highest generation covered by a finished build (good or bad)
        self._succeeded = 0  # highest generation covered by a successful build
        self._running = False
        self._closing = False
        self._thread: threading.Thread | None = None
        self.builds = 0  # number of builds run (for the office page and tests)
        #: Identifies this coordinator: generations from an earlier server run mean nothing.
        self.epoch = secrets.token_hex(4)
        self.last_error = ""

    @property
    def enabled(self) -> bool:
        return self._build is not None

    def request(self) -> int:
        """Ask for a build that includes everything saved so far; returns its generation."""
        with self._cond:
            self._requested += 1
            generation = self._requested
            if self._build is not None and not self._closing:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
                self._cond.notify_all()
            return generation

    def status(self, generation: int) -> PublishStatus:
        with self._cond:
            if self._build is None:
                return "disabled"
            if self._succeeded >= generation:
                return "live" if self.public else "built"
            if self._done >= generation:
                return "failed"
            return "building"

    def wait(self, generation: int, timeout: float) -> PublishStatus:
        """Block until ``generation`` is live or failed, or ``timeout`` seconds pass."""
        with self._cond:
            self._cond.wait_for(lambda: self._done >= generation or self._build is None, timeout)
        return self.status(generation)

    def close(self, timeout: float = 30.0) -> None:
        """Finish the build in progress (and the one queued), then stop the worker."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        assert self._build is not None
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._requested > self._done or self._closing)
                if self._requested <= self._done:
                    return  # closing and nothing left to do
                target = self._requested
                self._running = True
            ok = True
            try:
                self._build()
            except Exception as exc:  # a failed build must not kill the worker
                ok = False
                log.exception("portal rebuild failed")
                error = f"{type(exc).__name__}: {exc}"
            with self._cond:
                self.builds += 1
                self._running = False
                self._done = max(self._done, target)
                if ok:
                    self._succeeded = max(self._succeeded, target)
                    self.last_error = ""
                else:
                    self.last_error = error
                self._cond.notify_all()
