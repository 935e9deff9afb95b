"""A bounded memo of read pages, so that the judges of one homepage share a single parse.

Split from :mod:`monitor.rules.page_text` (which keeps the two memos it reads through): the
caching policy is independent of how a page is read. See docs/PERFORMANCE.md "Judging".
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PageMemo(Generic[T]):
    """A least-recently-used memo of parsed pages, bounded by count and by total characters.

    Why a character budget and not just a count: the judging thread serves every crawl worker
    in turn, so the questions about one site arrive between those of the other sites in
    flight; a memo smaller than the crawl's concurrency found each parse evicted before the
    next question. A parsed page costs about 20 bytes per character of HTML, so the budget
    bounds the memory while holding as many ordinary homepages as the crawl has in flight.
    """

    def __init__(self, read: Callable[[str], T], max_pages: int, max_chars: int) -> None:
        self._read = read
        self._max_pages = max_pages
        self._max_chars = max_chars
        self._pages: OrderedDict[str, T] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def read(self, html: str) -> T:
        with self._lock:
            page = self._pages.get(html)
            if page is not None:
                self._pages.move_to_end(html)
                return page
        page = self._read(html)  # outside the lock: parsing is the slow part
        with self._lock:
            if html not in self._pages:
                self._pages[html] = page
                self._chars += len(html)
                while self._pages and (
                    len(self._pages) > self._max_pages or self._chars > self._max_chars
                ):
                    old, _ = self._pages.popitem(last=False)
                    self._chars -= len(old)
        return page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._chars = 0
