"""Fetching against a loopback fault farm: every fault ends in the right error, quickly and bounded."""

from __future__ import annotations

import resource
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.limits import USER_AGENT
from tests.support.farm import (
    Site,
    drip,
    flaky,
    free_port,
    gzip_bomb,
    hang,
    huge,
    page,
    redirect,
    reset_mid_body,
    status,
)

OPEN = AddressPolicy(allow_private=True)


class PauseRecorder(Fetcher):
    """A Fetcher that notes every backoff pause it takes (to check the pauses, not the clock)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.pauses: list[float] = []

    def _pause(self, seconds: float) -> None:
        self.pauses.append(round(seconds, 6))
        super()._pause(seconds)


def fast_options(**kw: object) -> FetchOptions:
    base: dict[str, object] = dict(
        connect_timeout=2.0,
        read_timeout=1.0,
        deadline=1.5,
        retries=1,
        backoff_base=0.05,
        max_retry_after=0.3,
        policy=OPEN,
    )
    base.update(kw)
    return FetchOptions(**base)  # type: ignore[arg-type]


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    f = Fetcher(fast_options())
    try:
        yield f
    finally:
        f.close()


def test_plain_page_is_fetched_with_our_user_agent(site: Site, fetcher: Fetcher) -> None:
    site.routes["/"] = page("<p>本聯盟由國科會補助</p>")
    r = fetcher.fetch(site.url("/"))
    assert r.ok and r.status == 200 and r.error is None
    assert "本聯盟由國科會補助".encode() in r.body
    assert r.final_url == site.url("/")
    assert not r.needed_retry and r.attempts == 1
    assert site.user_agents == [USER_AGENT]


def test_unresolvable_name_is_a_dns_error(fetcher: Fetcher) -> None:
    r = fetcher.fetch("http://no-such-alliance.invalid/")
    assert r.error is not None and r.error.kind == "dns"
    assert r.attempts == 1  # a name that does not resolve is not retried


def test_refused_port_is_refused_not_retried(fetcher: Fetcher) -> None:
    r = fetcher.fetch(f"http://127.0.0.2:{free_port('127.0.0.2')}/")
    assert r.error is not None and r.error.kind == "refused"
    assert r.attempts == 1


def test_reset_mid_body_is_retried_then_reported(site: Site, fetcher: Fetcher) -> None:
    site.routes["/"] = reset_mid_body
    r = fetcher.fetch(site.url("/"))
    assert r.error is not None and r.error.kind == "reset"
    assert site.hits["/"] == 2  # first try + one retry
    assert r.retry_reasons and r.retry_reasons[0].startswith("reset")


def test_reset_once_then_fine_passes_and_says_it_needed_a_retry(
    site: Site, fetcher: Fetcher
) -> None:
    site.routes["/"] = flaky(reset_mid_body, page("<p>好了 fine now</p>"))
    r = fetcher.fetch(site.url("/"))
    assert r.ok and r.needed_retry and r.attempts == 2


def test_slow_drip_stops_at_the_deadline(site: Site) -> None:
    site.routes["/"] = drip(interval=0.05, total_seconds=20)
    f = Fetcher(fast_options(retries=0, read_timeout=5.0, deadline=1.0))
    r = f.fetch(site.url("/"))
    # Each byte arrives well within the read timeout: only the deadline can end this.
    assert r.error is not None and r.error.kind == "timeout"
    assert "deadline" in r.error.message


def test_silent_server_times_out(site: Site, fetcher: Fetcher) -> None:
    site.routes["/"] = hang(10)
    r = fetcher.fetch(site.url("/"))
    assert r.error is not None and r.error.kind == "timeout"
    assert site.hits["/"] == 2


def test_50_mb_body_is_capped_and_memory_stays_bounded(site: Site) -> None:
    site.routes["/"] = huge(50 * 1024 * 1024)
    cap = 5 * 1024 * 1024
    f = Fetcher(fast_options(max_bytes=cap, deadline=30, read_timeout=10))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    try:
        r = f.fetch(site.url("/"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert r.ok and r.truncated and len(r.body) == cap
    assert peak < 4 * cap, f"peak Python allocation {peak / 2**20:.1f} MiB"
    assert rss_growth_mb < 100, f"RSS grew {rss_growth_mb:.0f} MiB"


def test_gzip_bomb_stops_at_the_cap_after_decompression(site: Site) -> None:
    decoded = 256 * 1024 * 1024
    site.routes["/"] = gzip_bomb(decoded)
    cap = 1024 * 1024
    f = Fetcher(fast_options(max_bytes=cap, deadline=30, read_timeout=10))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        r = f.fetch(site.url("/"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert r.truncated and len(r.body) == cap
    assert set(r.body) == {0}
    assert peak < 16 * cap, f"peak Python allocation {peak / 2**20:.1f} MiB"
    assert rss_growth_mb < 100, f"RSS grew {rss_growth_mb:.0f} MiB of a {decoded >> 20} MiB bomb"


def test_redirects_are_followed_hop_by_hop(site: Site, fetcher: Fetcher) -> None:
    site.routes["/"] = redirect("/a", 301)
    site.routes["/a"] = redirect(site.url("/b"), 302)
    site.routes["/b"] = page("<p>終點 destination</p>")
    r = fetcher.fetch(site.url("/"))
    assert r.ok and r.final_url == site.url("/b")
    assert r.redirects == [site.url("/"), site.url("/a")]


def test_redirect_loop_is_detected(site: Site, fetcher: Fetcher) -> None:
    site.routes["/"] = redirect("/a")
    site.routes["/a"] = redirect("/b")
    site.routes["/b"] = redirect("/")
    r = fetcher.fetch(site.url("/"))
    assert r.error is not None and r.error.kind == "redirect-loop"
    assert sum(site.hits.values()) == 3  # each hop once, no retries


def test_endless_redirect_chain_is_cut(site: Site) -> None:
    for i in range(20):
        site.routes[f"/{i}"] = redirect(f"/{i + 1}")
    f = Fetcher(fast_options(max_redirects=5))
    r = f.fetch(site.url("/0"))
    assert r.error is not None and r.error.kind == "too-many-redirects"
    assert sum(site.hits.values()) == 6


def test_redirect_to_a_non_http_scheme_is_refused(site: Site, fetcher: Fetcher) -> None:
    site.routes["/"] = redirect("file:///etc/passwd")
    r = fetcher.fetch(site.url("/"))
    assert r.error is not None and r.error.kind == "bad-redirect"


def test_5xx_is_retried_then_reported_with_status(site: Site, fetcher: Fetcher) -> None:
    site.routes["/"] = status(503)
    r = fetcher.fetch(site.url("/"))
    assert r.error is not None and r.error.kind == "http-status" and r.status == 503
    assert site.hits["/"] == 2


def test_404_is_not_retried(site: Site, fetcher: Fetcher) -> None:
    r = fetcher.fetch(site.url("/missing"))
    assert r.status == 404 and r.error is not None and r.error.kind == "http-status"
    assert site.hits["/missing"] == 1


def test_429_retry_after_an_hour_is_capped(site: Site) -> None:
    site.routes["/"] = flaky(status(429, {"Retry-After": "3600"}), page("<p>歡迎 welcome</p>"))
    f = PauseRecorder(fast_options(max_retry_after=0.2))
    r = f.fetch(site.url("/"))
    assert r.ok and r.needed_retry and r.retry_reasons == ["HTTP 429"]
    assert f.pauses == [0.2]  # the cap, not the hour, decided the wait


@pytest.mark.parametrize(
    "value", ["\u00b2", "Mon, 01 Jan 2026 00:00:00 +99999999", "soon", "-5", "99999999999999999999"]
)
def test_a_nonsense_retry_after_is_ignored_not_a_failed_check(site: Site, value: str) -> None:
    """A site's Retry-After is untrusted: one that is no number or date (or an absurd one)
    leaves the usual backoff, capped, and the page is fetched."""
    site.routes["/"] = flaky(status(503, {"Retry-After": value}), page("<p>歡迎 welcome</p>"))
    f = PauseRecorder(fast_options(max_retry_after=0.2, backoff_base=0.05))
    r = f.fetch(site.url("/"))
    assert r.ok and r.retry_reasons == ["HTTP 503"]
    assert f.pauses and f.pauses[0] <= 0.2


def test_retry_after_longer_than_backoff_is_honoured(site: Site) -> None:
    site.routes["/"] = flaky(status(503, {"Retry-After": "1"}), page("<p>歡迎 welcome</p>"))
    f = PauseRecorder(fast_options(max_retry_after=5, backoff_base=0.05))
    assert f.fetch(site.url("/")).ok
    assert f.pauses == [1.0]


def test_backoff_doubles_between_attempts(site: Site) -> None:
    site.routes["/"] = status(502)
    f = PauseRecorder(fast_options(retries=3, backoff_base=0.01))
    r = f.fetch(site.url("/"))
    assert r.status == 502 and r.attempts == 4
    assert f.pauses == [0.01, 0.02, 0.04]


def test_stop_event_ends_a_backoff_pause_at_once(site: Site) -> None:
    site.routes["/"] = status(503, {"Retry-After": "60"})
    stop = threading.Event()
    f = Fetcher(fast_options(max_retry_after=60, retries=3), stop_event=stop)
    threading.Timer(0.3, stop.set).start()
    r = f.fetch(site.url("/"))
    # Without the stop the 60 s pause would be waited out and the next attempt made.
    assert r.error is not None and r.error.kind == "stopped"
    assert site.hits["/"] == 1


def test_one_request_at_a_time_per_host(site: Site) -> None:
    def slow(h: object) -> None:
        time.sleep(0.15)
        page("<p>慢 slow</p>")(h)  # type: ignore[arg-type]

    site.routes["/"] = slow
    other = Site("127.0.0.3").start()
    other.routes["/"] = slow
    try:
        f = Fetcher(fast_options())
        urls = [site.url("/")] * 4 + [other.url("/")] * 4
        results: list[bool] = []
        threads = [threading.Thread(target=lambda u=u: results.append(f.fetch(u).ok)) for u in urls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert results == [True] * 8
        assert site.max_active == 1 and other.max_active == 1
        assert site.hits["/"] == 4 and other.hits["/"] == 4
    finally:
        other.stop()


def test_bad_url_is_reported_not_raised(fetcher: Fetcher) -> None:
    r = fetcher.fetch("ftp://example.edu.tw/")
    assert r.error is not None and r.error.kind == "bad-url"
