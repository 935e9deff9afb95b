"""Two imports or two banner checks at the same moment (the console serves each request in
its own thread) must not change each other's warning filters.

``warnings.catch_warnings()`` saves the process's whole filter list on entry and puts it
back on exit, so two blocks that overlap in two threads put back each other's lists: the one
that entered first and leaves first restores the list from before both, pulling the filter
from under the other mid-read; the other then restores a list holding the first one's
filter, for good. The tests below order the two threads so that this happens every time
(events, not sleeps: the threads wait for each other inside the library call).
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl.reader.excel import ExcelReader
from PIL import Image
from test_hostile_files_corpus import plain_book, workbook_bytes

from alliance_portal.registry.banner_rules import check_banner_bytes
from alliance_portal.registry.site_settings import BANNER_HEIGHT, BANNER_WIDTH
from alliance_portal.registry.spreadsheet import read_table

WAIT = 30  # seconds a thread waits for the other at most: a safety net, never reached


def _overlapping(first: Callable[[], Any], second: Callable[[], Any], pause: Any) -> list[Any]:
    """Run ``first`` in a thread until it is inside ``pause`` (a library call), then ``second``
    in another thread; ``second`` stays inside ``pause`` until ``first`` has returned. So both
    are inside at once, and the first one in is the first one out."""
    first_inside, second_inside, first_done = (threading.Event() for _ in range(3))
    calls = 0
    lock = threading.Lock()

    def pausing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        with lock:
            calls += 1
            mine = calls
        if mine == 1:
            first_inside.set()
            second_inside.wait(WAIT)
        elif mine == 2:
            second_inside.set()
            first_done.wait(WAIT)
        return pause.original(*args, **kwargs)

    results: list[Any] = [None, None]

    def run(index: int, job: Callable[[], Any], done: threading.Event | None) -> None:
        try:
            results[index] = job()
        except Exception as exc:  # the assertion below shows it
            results[index] = exc
        finally:
            if done is not None:
                done.set()

    pause.install(pausing)
    a = threading.Thread(target=run, args=(0, first, first_done))
    b = threading.Thread(target=run, args=(1, second, None))
    a.start()
    while not first_inside.is_set() and a.is_alive():  # the new code may never pause
        a.join(0.01)
    b.start()
    a.join(WAIT)
    b.join(WAIT)
    assert not a.is_alive() and not b.is_alive()
    return results


class _Pause:
    """Wraps one library function (``owner.name``) for the test's duration."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
        self.monkeypatch, self.owner, self.name = monkeypatch, owner, name
        self.original = getattr(owner, name)

    def install(self, wrapper: Callable[..., Any]) -> None:
        self.monkeypatch.setattr(self.owner, self.name, wrapper)


def test_two_imports_at_once_leave_the_processs_warning_filters_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(workbook_bytes(plain_book()))
    read_table(path)  # whatever a first import sets up once is in place
    before = list(warnings.filters)
    pause = _Pause(monkeypatch, ExcelReader, "read")
    results = _overlapping(lambda: read_table(path), lambda: read_table(path), pause)
    assert [len(r.rows) for r in results] == [1, 1], results
    # Before: the second import put back a list holding the first one's "ignore everything".
    assert warnings.filters == before


def _banner() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (BANNER_WIDTH, BANNER_HEIGHT), "#2a6").save(out, "PNG")
    return out.getvalue()


def test_a_banner_over_pillows_pixel_limit_is_refused_while_another_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pillow only warns about an image between MAX_IMAGE_PIXELS and twice that; the check
    # turns that warning into a refusal. With the limit below a banner's 24,864 pixels, both
    # banners must be refused, also when the two checks overlap and the other thread's
    # catch_warnings() block has just put back the list without the "error" filter.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", BANNER_WIDTH * BANNER_HEIGHT - 1)
    banner = _banner()
    results = _overlapping(
        lambda: check_banner_bytes(banner),
        lambda: check_banner_bytes(banner),
        _Pause(monkeypatch, Image, "open"),
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert [r.ok for r in results] == [False, False], [r.errors for r in results]


def test_a_banner_under_the_limit_still_passes() -> None:
    assert check_banner_bytes(_banner()).ok


def test_openpyxls_warnings_about_a_workbook_stay_quiet(tmp_path: Path) -> None:
    # A stylesheet without named styles (as tools other than Excel write) makes openpyxl warn
    # "Workbook contains no default style"; the import says nothing of it (stderr is the
    # office's screen or the console's log).
    from openpyxl import load_workbook
    from test_hostile_files_corpus import replace_part

    styles = (
        b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>'
    )
    path = tmp_path / "no-default-style.xlsx"
    path.write_bytes(replace_part(workbook_bytes(plain_book()), "xl/styles.xml", styles))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        load_workbook(path, read_only=True).close()
    assert any("default style" in str(w.message) for w in seen)  # openpyxl does warn
    with warnings.catch_warnings(record=True) as seen:
        table = read_table(path)
    assert table.rows and not seen, [str(w.message) for w in seen]
