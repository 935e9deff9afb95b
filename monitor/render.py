"""Render a JavaScript-filled homepage in headless Chromium (RULES.md: judge what a visitor sees).

Only homepages that :func:`monitor.pagekind.looks_js_rendered` flags come here, so the browser
starts lazily, once per crawl, the first time one is needed.

Safety: Chromium never touches the network itself. Every request the page makes is intercepted
(``page.route``) and either refused (another host, too many requests) or fetched by *our*
:class:`~monitor.fetch.Fetcher` and fulfilled from its answer, so the SSRF guard, the TLS
rules, the size caps and the per-host limit apply to the browser exactly as to the crawl, and
DNS is resolved only by the guard.

Threading: Playwright's sync API must stay on the thread that started it, so a single
renderer thread owns the browser and crawl workers hand it jobs through a queue.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from monitor import fetch_settings as S
from monitor.fetch import Fetcher

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rendered:
    """What the browser showed: the DOM as HTML, or None with a note saying why not.

    ``png`` is a screenshot of the page above the fold when one was asked for; ``errors``
    are the uncaught script errors the page raised (a visitor sees the page without whatever
    those scripts would have drawn, and so is it judged).
    """

    html: str | None
    note: str
    png: bytes | None = None
    errors: tuple[str, ...] = ()


def find_chromium() -> str | None:
    """Debian's Chromium (never a downloaded browser); ``CHROMIUM`` may point elsewhere."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if os.path.exists(env) else None
    for name in S.CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port or default)


class Renderer:
    """Renders pages in one headless Chromium owned by a dedicated thread.

    ``render(url, body, content_type)`` serves the already-fetched document body to the
    browser (no second fetch), lets the page's own scripts run with same-origin requests
    fetched through ``fetcher``, and returns the resulting DOM.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        executable: str | None = None,
        timeout: float = S.RENDER_TIMEOUT,
        max_requests: int = S.RENDER_MAX_REQUESTS,
    ) -> None:
        self.fetcher = fetcher
        self.executable = executable if executable is not None else find_chromium()
        self.timeout = timeout
        self.max_requests = max_requests
        self._jobs: queue.Queue[tuple[str, bytes, str, bool, Future[Rendered]] | None] = (
            queue.Queue()
        )
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.executable is not None

    def render(
        self, url: str, body: bytes, content_type: str | None, *, screenshot: bool = False
    ) -> Rendered:
        """Show ``body`` (already fetched from ``url``) in the browser; with ``screenshot``, also
        take a PNG of the viewport (what a visitor sees above the fold)."""
        if not self.available:
            return Rendered(
                None,
                "未安裝瀏覽器，未執行 JavaScript / needs JavaScript, renderer unavailable"
                " (no browser installed)",
            )
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="renderer", daemon=True)
                self._thread.start()
        fut: Future[Rendered] = Future()
        self._jobs.put((url, body, content_type or "text/html", screenshot, fut))
        try:
            return fut.result(timeout=self.timeout * 3 + 30)
        except TimeoutError:
            return Rendered(None, "瀏覽器逾時 / the browser timed out")

    def close(self) -> None:
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            thread.join(timeout=30)

    # renderer thread ---------------------------------------------------------------------------

    def _loop(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            self._drain("Playwright 未安裝 / Playwright is not installed")
            return
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=self.executable,
                    headless=True,
                    args=list(S.CHROMIUM_ARGS),
                )
                try:
                    while True:
                        job = self._jobs.get()
                        if job is None:
                            return
                        url, body, ctype, shoot, fut = job
                        try:
                            fut.set_result(self._render_one(browser, url, body, ctype, shoot))
                        except Exception as exc:  # a broken page must not stop the crawl
                            log.warning("rendering %s failed: %s", url, exc)
                            fut.set_result(
                                Rendered(None, f"瀏覽器無法顯示 / rendering failed: {exc}")
                            )
                finally:
                    browser.close()
        except Exception as exc:
            log.warning("cannot start Chromium (%s): %s", self.executable, exc)
            self._drain(f"瀏覽器無法啟動 / the browser could not start: {exc}")

    def _drain(self, note: str) -> None:
        """Answer every waiting and future job with ``note`` (no browser after all)."""
        self.executable = None
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job[4].set_result(Rendered(None, note))

    def _render_one(
        self, browser: Any, url: str, body: bytes, ctype: str, screenshot: bool = False
    ) -> Rendered:
        width, height = S.SCREENSHOT_VIEWPORT
        context = browser.new_context(
            java_script_enabled=True,
            service_workers="block",
            user_agent=S.USER_AGENT,
            viewport={"width": width, "height": height},
        )
        origin = _origin(url)
        counts = {"requests": 0, "refused": 0}
        errors: list[str] = []

        def handle(route: Any) -> None:
            req_url = route.request.url
            if req_url.split("#", 1)[0] == url.split("#", 1)[0] and counts["requests"] == 0:
                counts["requests"] += 1
                route.fulfill(status=200, headers={"content-type": ctype}, body=body)
                return
            counts["requests"] += 1
            if _origin(req_url) != origin or counts["requests"] > self.max_requests:
                counts["refused"] += 1
                route.abort("blockedbyclient")
                return
            got = self.fetcher.fetch(req_url, retries=0, max_bytes=S.MAX_SUBPAGE_BYTES)
            if got.status is None or (got.error is not None and got.error.kind != "http-status"):
                route.abort("failed")
                return
            headers = {"content-type": got.content_type or "application/octet-stream"}
            route.fulfill(status=got.status, headers=headers, body=got.body)

        try:
            context.route("**/*", handle)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
            page.goto(url, wait_until="load", timeout=self.timeout * 1000)
            # Pages that poll for ever never go idle; their DOM is there by now anyway.
            with contextlib.suppress(Exception):
                page.wait_for_load_state("networkidle", timeout=min(5.0, self.timeout) * 1000)
            html = page.content()
            png: bytes | None = None
            if screenshot:
                try:
                    png = page.screenshot(type="png", full_page=False, timeout=self.timeout * 1000)
                except Exception as exc:  # the judged DOM is still good without a picture
                    log.warning("screenshot of %s failed: %s", url, exc)
        finally:
            context.close()
        note = "以無頭瀏覽器執行 JavaScript 後判斷 / judged on the page as rendered by headless Chromium"
        if counts["refused"]:
            note += f" ({counts['refused']} requests to other hosts blocked)"
        if errors:
            note += (
                f"; 網頁程式發生 {len(errors)} 個錯誤 / {len(errors)} script error(s) on the page,"
                f" first: {errors[0]}"
            )
        return Rendered(html, note, png, tuple(errors))
