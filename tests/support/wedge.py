"""Wedging a real Chromium the way the flaky hostile crawl did, on purpose and every time.

What happened (tests/test_render_wedge.py): a renderer that crashed on V8's heap limit was held
by Chromium's crash handler (a ptrace tracer writing a dump) when the memory watch SIGKILLed it.
The exit went to the tracer, which never collected it; the zygote, asked to reap the renderer,
blocked in ``waitpid`` and the browser's UI thread blocked on the zygote. Here the test process
plays the crash handler: :func:`seize_and_kill` attaches to a busy page's renderer and kills
it, and does not collect the exit until :func:`release`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from pathlib import Path

import pytest

from monitor.fetching.memory_watch import _children, _cmdline

PTRACE_SEIZE = 0x4206
#: waitpid option: also wait for children that are ptrace tracees of this thread
WALL = 0x40000000


def state(pid: int) -> str | None:
    """``pid``'s state letter (``Z``: zombie), None when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return None


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return -1


def page_renderers(browser_pid: int) -> list[int]:
    """The browser's page renderers (not its own WebUI ones), through its zygotes."""
    found, todo = [], _children(browser_pid)
    while todo:
        pid = todo.pop()
        args = _cmdline(pid)
        if "--type=renderer" in args and "--top-chrome-webui" not in args:
            found.append(pid)
        elif "--type=zygote" in args:
            todo += _children(pid)
    return found


def busiest_renderer(browser_pid: int, min_ticks: int = 20) -> int | None:
    """The page renderer that used the most CPU time, once one used ``min_ticks`` (1/100 s):
    the renderer of a page busy in a script loop."""
    ticks = {pid: cpu_ticks(pid) for pid in page_renderers(browser_pid)}
    if not ticks:
        return None
    pid = max(ticks, key=lambda p: ticks[p])
    return pid if ticks[pid] >= min_ticks else None


def seize_and_kill(pid: int) -> None:
    """Attach to ``pid`` as a tracer (as Chromium's crash handler does), then SIGKILL it (as
    the memory watch did). Call :func:`release` from the same thread when done. Skips the test
    when this machine does not allow ptrace."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if libc.ptrace(PTRACE_SEIZE, pid, None, None) != 0:
        pytest.skip(f"cannot ptrace a renderer here (errno {ctypes.get_errno()})")
    os.kill(pid, signal.SIGKILL)


def release(pid: int) -> None:
    """Collect the tracee's exit (as its tracer), so that its real parent may reap it."""
    for _ in range(50):
        try:
            if os.waitpid(pid, WALL | os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            return
        time.sleep(0.1)
