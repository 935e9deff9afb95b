"""The portal's built-in Pelican settings: every default in one place, the theme beside them.

Why in the package: an installed ``alliance`` (a wheel, no checkout) builds the portal with
these and the theme in ``theme/`` next to this file. The office's own ``pelicanconf.py`` (in the
folder ``alliance build`` runs in, or ``--settings FILE``) starts with
``from alliance_portal.portal.pelicanconf import *`` and sets only what differs of Pelican's own
settings. The industry groups are not Pelican's: they are the office's ``[portal] industries``
in ``alliance.toml``, handed to Pelican as INDUSTRIES by the build. Build with ``alliance
build`` (it validates the registry first), not with plain ``pelican``.
"""

from pathlib import Path

# modules, not names: Pelican takes every UPPERCASE name here as a setting
from alliance_portal.registry import clock, site_settings

SITENAME = "產學小聯盟入口網"
SITEURL = ""  # relative links: the built site works from any folder or server path
RELATIVE_URLS = True

PATH = "content"
OUTPUT_PATH = "output"
THEME = str(Path(__file__).resolve().parent / "theme")
TIMEZONE = clock.TAIPEI_ZONE
DEFAULT_LANG = "zh-TW"

#: The default industry groups, for an older office pelicanconf.py that builds its INDUSTRIES on
#: this name; the build always hands Pelican the groups in force ([portal] industries).
INDUSTRIES = [(i.key, i.name_zh, i.name_en) for i in site_settings.DEFAULT_INDUSTRIES]

# Only static pages come from Pelican's own readers; alliances come from the plugin.
PLUGINS = ["alliance_portal.portal.pelican_plugin"]
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS: list[str] = []
READERS = {"html": None}
PAGE_URL = "pages/{slug}/"
PAGE_SAVE_AS = "pages/{slug}/index.html"
PAGE_LANG_URL = "{lang}/pages/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/pages/{slug}/index.html"
DISPLAY_PAGES_ON_MENU = True

# No blog: no articles, feeds, tags, categories, authors or archives.
DIRECT_TEMPLATES: list[str] = []
ARTICLE_SAVE_AS = ""
ARTICLE_LANG_SAVE_AS = ""
DRAFT_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
TAG_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False
PAGE_ORDER_BY = "order"  # pages carry an Order: metadata line (about, rules, contact)
