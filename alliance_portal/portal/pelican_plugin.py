"""Pelican plugin: turns the alliance registry into the portal's pages.

Pelican builds the static pages (``content/pages``) itself; this plugin adds a generator that
writes, in zh-TW (site root) and English (``/en/``): the homepage banner grid grouped by
industry, one page per alliance, one page per industry, the search page and a 404 page; it
copies validated banners and writes ``sitemap.xml``.

Every page template receives only what it shows: the homepage and industry pages loop over
their own alliances, alliance pages over nothing, so the build stays linear in the number of
alliances. The registry is loaded once by :mod:`alliance_portal.portal.build` and handed over in the
``ALLIANCE_REGISTRY`` setting (or loaded here from ``ALLIANCE_CONTENT``/``ALLIANCE_BANNERS``
when Pelican is run directly).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from pelican import signals
from pelican.generators import Generator

from alliance_portal.portal.i18n import DEFAULT_LANG, LANGS, PREFIX, other, ui_strings
from alliance_portal.portal.safe_markdown import render
from alliance_portal.registry.active import active_alliances
from alliance_portal.registry.profiles import Alliance, RegistryResult, load_registry
from alliance_portal.registry.site_settings import (
    BANNER_HEIGHT,
    BANNER_WIDTH,
    Industry,
    PortalIdentity,
    industries_from_setting,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Card:
    """What the templates need to show one alliance in one language."""

    slug: str
    name: str
    university: str
    pi: str
    industry: Industry
    industry_name: str
    website: str
    intro_html: str
    since: int | None
    contact_email: str
    banner_url: str | None  # relative to the site root, with a content hash for caching
    page_path: str  # relative to the site root, e.g. "en/alliances/x/"


def alliance_path(lang: str, slug: str) -> str:
    return f"{PREFIX[lang]}alliances/{slug}/"


def industry_path(lang: str, key: str) -> str:
    return f"{PREFIX[lang]}industries/{key}/"


def home_path(lang: str) -> str:
    return PREFIX[lang]


def search_path(lang: str) -> str:
    return f"{PREFIX[lang]}search/"


class AllianceGenerator(Generator):
    """Writes every registry-derived page; see the module docstring."""

    def generate_context(self) -> None:
        result: RegistryResult | None = self.settings.get("ALLIANCE_REGISTRY")
        if result is None:
            content = Path(self.settings.get("ALLIANCE_CONTENT") or self.path)
            banners = Path(
                self.settings.get("ALLIANCE_BANNERS") or Path(self.path).parent / "banners"
            )
            result = load_registry(content, banners, industries=self._industries())
            for problem in result.problems:
                log.warning("%s", problem)
        self.industries = self._industries()
        self.alliances: list[Alliance] = active_alliances(result.alliances)
        self.banner_names: dict[str, str] = {}
        self.context["ALLIANCE_INDUSTRIES"] = self.industries
        # the office's name and tagline ([portal] of alliance.toml, handed over by the build)
        identity = self.settings.get("PORTAL_IDENTITY")
        self.ui = ui_strings(identity if isinstance(identity, PortalIdentity) else PortalIdentity())
        self.context["ALLIANCE_UI"] = self.ui

    def _industries(self) -> tuple[Industry, ...]:
        return industries_from_setting(self.settings.get("INDUSTRIES"))

    # --- helpers -------------------------------------------------------------------------

    def _copy_banners(self) -> None:
        out = Path(self.output_path) / "banners"
        out.mkdir(parents=True, exist_ok=True)
        for a in self.alliances:
            if a.banner is None:
                continue
            data = a.banner.read_bytes()
            (out / f"{a.slug}.png").write_bytes(data)
            self.banner_names[a.slug] = (
                f"banners/{a.slug}.png?v={hashlib.sha256(data).hexdigest()[:10]}"
            )

    def _card(self, a: Alliance, lang: str, industry_by_key: dict[str, Industry]) -> Card:
        ind = industry_by_key[a.industry]
        en = lang == "en"
        intro = (a.intro_en or a.intro) if en else (a.intro or a.intro_en)
        return Card(
            slug=a.slug,
            name=a.display_name_en if en else a.name,
            university=(a.university_en or a.university) if en else a.university,
            pi=(a.pi_en or a.pi) if en else (a.pi or a.pi_en),
            industry=ind,
            industry_name=ind.name_en if en else ind.name_zh,
            website=a.website,
            intro_html=render(intro) if intro else "",
            since=a.since,
            contact_email=a.contact_email,
            banner_url=self.banner_names.get(a.slug),
            page_path=alliance_path(lang, a.slug),
        )

    def _write(
        self,
        writer: Any,
        path: str,
        template: str,
        lang: str,
        alt_path: str,
        *,
        relative_urls: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Write ``path`` (a directory URL such as "en/alliances/x/") with the common context."""
        name = path + "index.html" if path.endswith("/") or path == "" else path
        writer.write_file(
            name,
            self.get_template(template),
            self.context,
            relative_urls=(
                self.settings["RELATIVE_URLS"] if relative_urls is None else relative_urls
            ),
            lang=lang,
            t=self.ui[lang],
            page_path=path,
            alt_lang=other(lang),
            alt_path=alt_path,
            lang_prefix=PREFIX[lang],
            BANNER_WIDTH=BANNER_WIDTH,
            BANNER_HEIGHT=BANNER_HEIGHT,
            **kwargs,
        )
        self.written.append(path)

    # --- output --------------------------------------------------------------------------

    def generate_output(self, writer: Any) -> None:
        self.written: list[str] = []
        self._copy_banners()
        industry_by_key = {i.key: i for i in self.industries}
        for lang in LANGS:
            cards = [self._card(a, lang, industry_by_key) for a in self.alliances]
            by_industry: dict[str, list[Card]] = {i.key: [] for i in self.industries}
            for card in cards:
                by_industry[card.industry.key].append(card)
            groups = [(i, by_industry[i.key]) for i in self.industries]
            self._write(
                writer,
                home_path(lang),
                "home",
                lang,
                home_path(other(lang)),
                groups=groups,
                total=len(cards),
            )
            for card in cards:
                self._write(
                    writer,
                    card.page_path,
                    "alliance",
                    lang,
                    alliance_path(other(lang), card.slug),
                    card=card,
                    title=card.name,
                )
            for ind, members in groups:
                self._write(
                    writer,
                    industry_path(lang, ind.key),
                    "industry",
                    lang,
                    industry_path(other(lang), ind.key),
                    industry=ind,
                    cards=members,
                    title=ind.name_en if lang == "en" else ind.name_zh,
                )
            self._write(
                writer,
                search_path(lang),
                "search",
                lang,
                search_path(other(lang)),
                title=self.ui[lang]["search"],
            )
        # The server answers any missing URL, at any depth, with this page: its links must not
        # be relative to where it was written. They start at SITEURL (publishconf.py) or, in
        # a relative build, at the server root "/".
        self._write(
            writer, "404.html", "404", DEFAULT_LANG, "en/", relative_urls=False, title="404"
        )
        self.written.remove("404.html")
        self._write_sitemap()

    def _write_sitemap(self) -> None:
        """sitemap.xml with every page in both languages (alternates marked with hreflang)."""
        base = (self.settings.get("SITEURL") or "").rstrip("/") + "/"
        paths = list(self.written)
        for page in self.context.get("pages", []):
            paths.append(page.url)
            paths.extend(t.url for t in page.translations)
        paths = sorted(set(paths))
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        ]
        lines += [f"  <url><loc>{xml_escape(base + p)}</loc></url>" for p in paths]
        lines.append("</urlset>")
        (Path(self.output_path) / "sitemap.xml").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )
        robots = f"User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n"
        (Path(self.output_path) / "robots.txt").write_text(robots, encoding="utf-8")


def get_generators(_pelican: Any) -> type[Generator]:
    return AllianceGenerator


def normalise_page_lang(_generator: Any, metadata: dict[str, Any]) -> None:
    """Pelican compares ``Lang:`` with the lower-cased DEFAULT_LANG; accept "zh-TW" as written."""
    if isinstance(metadata.get("lang"), str):
        metadata["lang"] = metadata["lang"].lower()


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.page_generator_context.connect(normalise_page_lang)
