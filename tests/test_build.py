"""Build a small registry and check facts in the generated HTML."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from alliance_portal.portal.build import BuildError, build_site
from tests.support.portal_fixtures import make_registry


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


@pytest.fixture(scope="module")
def built_portal(tmp_path_factory) -> Path:
    """The sample registry's portal, built once for the module: its output folder."""
    root = tmp_path_factory.mktemp("portal")
    content, banners = make_registry(root)
    build_site(content, banners, root / "output", search=True)
    return root / "output"


def test_homepage_links_every_active_banner_to_its_website(built_portal):
    doc = soup(built_portal / "index.html")
    assert doc.html["lang"] == "zh-TW"
    imgs = doc.select(".banner-grid img")
    assert {img["alt"] for img in imgs} == {"智慧馬達驅動產學聯盟", "生醫感測產學聯盟"}
    for img in imgs:
        assert (img["width"], img["height"]) == ("222", "112")
        assert img.find_parent("a")["href"].startswith("https://")
        assert (built_portal / img["src"].split("?")[0]).exists()
    motor = doc.find("img", alt="智慧馬達驅動產學聯盟")
    assert motor.find_parent("a")["href"] == "https://motor.example.edu.tw/"


def test_alliance_without_banner_gets_same_size_placeholder(built_portal):
    doc = soup(built_portal / "index.html")
    placeholder = doc.select_one(".banner-placeholder")
    assert placeholder.get_text(strip=True) == "綠建築節能產學聯盟"  # sized by the stylesheet
    assert placeholder.find_parent("a")["href"] == "http://green.example.edu.tw/"


def test_inactive_alliance_not_shown(built_portal):
    assert "已結束聯盟" not in (built_portal / "index.html").read_text(encoding="utf-8")
    assert not (built_portal / "alliances" / "retired").exists()
    assert not (built_portal / "banners" / "retired.png").exists()


def test_homepage_grouped_by_industry(built_portal):
    doc = soup(built_portal / "index.html")
    groups = {
        s["id"]: [i.get("alt") for i in s.select("img")]
        for s in doc.select("section.industry-group")
    }
    assert groups["mechatronics"] == ["智慧馬達驅動產學聯盟"]
    assert groups["biomed"] == ["生醫感測產學聯盟"]
    assert "ict" not in groups  # empty industries are not shown on the homepage


def test_alliance_pages_in_both_languages(built_portal):
    zh = soup(built_portal / "alliances" / "smart-motor" / "index.html")
    en = soup(built_portal / "en" / "alliances" / "smart-motor" / "index.html")
    assert zh.html["lang"] == "zh-TW" and en.html["lang"] == "en"
    assert zh.h1.get_text() == "智慧馬達驅動產學聯盟"
    assert en.h1.get_text() == "Smart Motor Drive Alliance"
    zh_facts = zh.select_one("dl.facts").get_text(" ", strip=True)
    for fact in (
        "範例科技大學",
        "王大明",
        "機電材料",
        "2018",
        "https://motor.example.edu.tw/",
        "motor@example.edu.tw",
    ):
        assert fact in zh_facts
    en_facts = en.select_one("dl.facts").get_text(" ", strip=True)
    for fact in ("Sample University of Technology", "Da-Ming Wang", "Mechatronics & Materials"):
        assert fact in en_facts
    assert en.select_one(".alliance-head img")["width"] == "222"


def test_intro_is_escaped_and_links_sanitised(built_portal):
    html = (built_portal / "alliances" / "smart-motor" / "index.html").read_text(encoding="utf-8")
    doc = BeautifulSoup(html, "lxml")
    assert doc.select("main script") == []
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    link = doc.select_one(".intro a")
    assert link.get_text() == "惡意連結" and not link.has_attr("href")
    en = soup(built_portal / "en" / "alliances" / "smart-motor" / "index.html")
    assert en.select(".intro img") == [] and "<img src=x" in en.select_one(".intro").get_text()
    assert en.select_one(".intro strong").get_text() == "motor"


def test_language_switch_points_to_counterpart(built_portal):
    zh = soup(built_portal / "alliances" / "smart-motor" / "index.html")
    switch = zh.select_one("a.lang-switch")
    target = (built_portal / "alliances" / "smart-motor" / switch["href"]).resolve()
    assert target == (built_portal / "en" / "alliances" / "smart-motor").resolve()
    en_home = soup(built_portal / "en" / "index.html")
    assert (
        built_portal / "en" / en_home.select_one("a.lang-switch")["href"]
    ).resolve() == built_portal.resolve()


def test_industry_pages_both_languages(built_portal):
    zh = soup(built_portal / "industries" / "biomed" / "index.html")
    en = soup(built_portal / "en" / "industries" / "biomed" / "index.html")
    assert zh.h1.get_text() == "生醫" and en.h1.get_text() == "Biomedicine"
    assert [i["alt"] for i in zh.select(".banner-grid img")] == ["生醫感測產學聯盟"]
    assert [i["alt"] for i in en.select(".banner-grid img")] == ["Biosensing Alliance"]


def test_static_pages_are_translations(built_portal):
    zh = soup(built_portal / "pages" / "about" / "index.html")
    en = soup(built_portal / "en" / "pages" / "about" / "index.html")
    assert zh.html["lang"] == "zh-TW" and zh.h1.get_text() == "關於計畫"
    assert en.html["lang"] == "en" and en.h1.get_text() == "About"
    assert (
        built_portal / "pages" / "about" / zh.select_one("a.lang-switch")["href"]
    ).resolve() == (built_portal / "en" / "pages" / "about").resolve()
    nav = [a.get_text() for a in soup(built_portal / "index.html").select("nav.main-nav a")]
    assert "關於計畫" in nav and "About" not in nav


def test_every_page_has_landmarks_skip_link_and_no_external_assets(built_portal):
    for page in built_portal.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        doc = soup(page)
        assert doc.select_one("a.skip")["href"] == "#main", page
        assert doc.find("main", id="main") and doc.find("header") and doc.find("footer"), page
        assert doc.select_one("a.lang-switch"), page
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
            for el in doc.find_all(tag):
                value = el.get(attr, "")
                assert not value.startswith(("http:", "https:", "//")), f"{page}: {el}"


def test_sitemap_lists_pages_in_both_languages(built_portal):
    locs = [
        loc.get_text()
        for loc in BeautifulSoup((built_portal / "sitemap.xml").read_text(), "xml").find_all("loc")
    ]
    for path in (
        "/",
        "/en/",
        "/alliances/smart-motor/",
        "/en/alliances/smart-motor/",
        "/industries/biomed/",
        "/en/industries/biomed/",
        "/pages/about/",
        "/en/pages/about/",
    ):
        assert path in locs
    assert "/alliances/retired/" not in locs


def test_one_search_index_for_both_languages(built_portal):
    """Both languages in one index (an English word finds the alliance from the zh-TW page)."""
    entry = json.loads((built_portal / "pagefind" / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["en"]
    assert entry["languages"]["en"]["page_count"] == 3  # the three active alliances
    assert (built_portal / "pagefind" / "pagefind.js").exists()
    # The search-only records are not published.
    assert list(built_portal.rglob("*.pf_fragment"))
    assert "xind" not in (built_portal / "alliances" / "smart-motor" / "index.html").read_text()


def test_homepage_has_search_box_filters_and_its_own_heading(built_portal):
    doc = soup(built_portal / "index.html")
    form = doc.select_one("main form[role=search]")
    assert form["action"] == "./search/" and form["method"] == "get"
    assert form.select_one("input[name=q]")
    assert doc.h1.get_text() != doc.select_one(".brand-name").get_text()
    chips = {a["data-industry"]: a["href"] for a in doc.select(".industry-filter a[data-industry]")}
    assert chips[""] == "./" and chips["biomed"] == "./industries/biomed/"  # links without JS
    assert "ict" not in chips  # no alliance in that industry


def test_search_pages_have_a_real_form_action(built_portal):
    for path, action in (("search", "../search/"), ("en/search", "../../en/search/")):
        form = soup(built_portal / path / "index.html").select_one("form[role=search]")
        assert form["action"] == action


def test_404_links_work_at_any_depth(built_portal):
    doc = soup(built_portal / "404.html")
    assert doc.find("link", rel="stylesheet")["href"] == "/theme/css/portal.css"
    links = {a.get_text(): a["href"] for a in doc.select("main a")}
    assert links["回到首頁"] == "/" and links["Back to the homepage"] == "/en/"
    for el in doc.find_all(["a", "link", "script", "img"]):
        ref = el.get("href") or el.get("src") or ""
        assert not ref or ref.startswith(("/", "http", "#", "mailto:", "data:")), el


def test_build_is_deterministic(tmp_path):
    content, banners = make_registry(tmp_path)

    def digest(out: Path) -> dict[str, str]:
        return {
            str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }

    build_site(content, banners, tmp_path / "a", search=True)
    build_site(content, banners, tmp_path / "b", search=True)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_broken_profile_left_out_and_strict_fails(tmp_path):
    content, banners = make_registry(tmp_path)
    (content / "alliances" / "broken.toml").write_text(
        'name = "壞掉"\nindustri = "ict"\n', encoding="utf-8"
    )
    result = build_site(content, banners, tmp_path / "out", search=False)
    assert any("broken.toml" in str(p) for p in result.problems)
    assert (tmp_path / "out" / "alliances" / "smart-motor" / "index.html").exists()
    assert not (tmp_path / "out" / "alliances" / "broken").exists()
    marker = (tmp_path / "out" / "index.html").read_bytes()
    with pytest.raises(BuildError, match="--strict"):
        build_site(content, banners, tmp_path / "out", strict=True, search=False)
    assert (tmp_path / "out" / "index.html").read_bytes() == marker  # output untouched


def test_rebuild_removes_pages_of_deleted_alliances(tmp_path):
    content, banners = make_registry(tmp_path)
    build_site(content, banners, tmp_path / "out", search=False)
    (content / "alliances" / "bio-sensor.toml").unlink()
    build_site(content, banners, tmp_path / "out", search=False)
    assert not (tmp_path / "out" / "alliances" / "bio-sensor").exists()
    assert _leftovers(tmp_path) == []  # no staging folders left behind


def test_publishconf_gives_absolute_urls(tmp_path, monkeypatch):
    from tests.support.browser import ROOT

    monkeypatch.setenv("ALLIANCE_SITEURL", "https://portal.example.org.tw")
    content, banners = make_registry(tmp_path)
    build_site(
        content, banners, tmp_path / "out", settings_file=ROOT / "publishconf.py", search=False
    )
    doc = soup(tmp_path / "out" / "alliances" / "smart-motor" / "index.html")
    assert (
        doc.select_one("a.lang-switch")["href"]
        == "https://portal.example.org.tw/en/alliances/smart-motor/"
    )
    assert (
        doc.find("link", rel="stylesheet")["href"]
        == "https://portal.example.org.tw/theme/css/portal.css"
    )
    sitemap = (tmp_path / "out" / "sitemap.xml").read_text()
    assert "<loc>https://portal.example.org.tw/en/industries/biomed/</loc>" in sitemap
    assert (
        "Sitemap: https://portal.example.org.tw/sitemap.xml"
        in (tmp_path / "out" / "robots.txt").read_text()
    )


def test_failed_search_index_stops_the_build_and_keeps_the_old_site(tmp_path, monkeypatch):
    from alliance_portal.portal import search_index

    content, banners = make_registry(tmp_path)
    build_site(content, banners, tmp_path / "out", search=False)
    marker = (tmp_path / "out" / "index.html").read_bytes()
    monkeypatch.setattr(search_index.sys, "executable", "/bin/false")  # Pagefind "fails"
    with pytest.raises(BuildError, match=r"search indexing failed .*--no-search"):
        build_site(content, banners, tmp_path / "out", search=True)
    assert (tmp_path / "out" / "index.html").read_bytes() == marker
    assert _leftovers(tmp_path) == []  # no staging folder left behind


def _leftovers(folder: Path) -> list[Path]:
    """Staging folders of a build of ``folder/out`` (the build lock's file stays on purpose:
    a lock file is reused, never a sign of a half-finished build)."""
    return [p for p in folder.glob(".out.*") if p.name != ".out.build.lock"]


def test_an_intro_link_no_browser_can_follow_is_shown_as_text_and_the_portal_still_builds(
    tmp_path: Path,
) -> None:
    """One profile's ``[網站](http://[::1)`` (a typo an assistant can make in the form) made
    the Markdown link check raise, and the whole portal's build stopped with "unexpected
    ValueError". The link is dropped like a javascript: one; every page is built."""
    from tests.support.portal_fixtures import PROFILES

    profiles = {slug: dict(data) for slug, data in PROFILES.items()}
    profiles["smart-motor"]["intro"] = (
        "請見[聯盟網站](http://[::1)、[校網](https://www.example.edu.tw：8080/)與"
        "<http://[2001:db8::1>。"
    )
    content, banners = make_registry(tmp_path, profiles)
    result = build_site(content, banners, tmp_path / "output", search=False)
    assert not result.problems
    doc = soup(tmp_path / "output" / "alliances" / "smart-motor" / "index.html")
    intro = doc.select_one(".intro")
    assert [a.get_text() for a in intro.select("a")] == ["聯盟網站", "校網", "http://[2001:db8::1"]
    assert not any(a.has_attr("href") for a in intro.select("a"))
    assert (tmp_path / "output" / "alliances" / "bio-sensor" / "index.html").exists()
