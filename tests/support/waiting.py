"""Waiting for something a browser or a process does in its own time, bounded."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(cond: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Whether ``cond`` becomes true within ``seconds`` (asked every 50 ms, once more at the end)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()
