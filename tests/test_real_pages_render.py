"""Patterns found by rendering pages written by others (bench/real_render.py; docs/PERFORMANCE.md
"Rendering real pages written by others"), each rebuilt as a small site the way such sites are
built, served on loopback and judged by the real visit with Chromium and without it.
"""

from __future__ import annotations

import pytest

from monitor.fetching.render import BrowserHost
from monitor.model import SiteResult
from tests.farm_visit.sites import cms_home
from tests.support.farm import Site, page
from tests.test_crawl_loads import check, chromium

MODES = ["chromium", "static"]


def judge(site: Site, mode: str, host: BrowserHost) -> SiteResult:
    if mode == "chromium":
        return check(site.url("/"), renderer_exe=chromium(), host=host)
    return check(site.url("/"))


#: What a CMS prints for visitors without JavaScript: a meta refresh inside <noscript>
#: (Facebook's pages, and "please enable JavaScript" pages of university CMSs). A browser with
#: scripts on never applies it.
NOSCRIPT_REFRESH = "<noscript><meta http-equiv='refresh' content='0; url=/nojs.html'></noscript>"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["head", "body"])
def test_a_meta_refresh_for_visitors_without_javascript_is_not_followed(
    site: Site, browser_host: BrowserHost, mode: str, where: str
) -> None:
    head, body = (NOSCRIPT_REFRESH, "") if where == "head" else ("", NOSCRIPT_REFRESH)
    site.routes["/"] = page(cms_home(extra_head=head, extra_body=body))
    site.routes["/nojs.html"] = page("<p>請開啟瀏覽器的 JavaScript 功能後再瀏覽本網站。</p>")
    r = judge(site, mode, browser_host)
    assert (r.loads.status, r.credit.status) == ("pass", "pass"), (r.loads, r.credit)
    assert r.final_url == site.url("/")
    assert site.hits["/nojs.html"] == 0
