"""Site settings of the alliance portal (Pelican). publishconf.py overrides them for production.

The office edits INDUSTRIES here: (key used in profiles and URLs, zh-TW name, English name).
Build with `alliance build` (it validates the registry first), not with plain `pelican`.
"""

SITENAME = "產學小聯盟入口網"
SITENAME_EN = "Industry-Academia Alliances Portal"
SITEURL = ""  # relative links: the built site works from any folder or server path
RELATIVE_URLS = True

PATH = "content"
OUTPUT_PATH = "output"
THEME = "theme"
TIMEZONE = "Asia/Taipei"
DEFAULT_LANG = "zh-TW"

INDUSTRIES = [
    ("biomed", "生醫", "Biomedicine"),
    ("chemistry", "民生化工", "Consumer & Chemical"),
    ("mechatronics", "機電材料", "Mechatronics & Materials"),
    ("civil-energy", "土木能環", "Civil, Energy & Environment"),
    ("ict", "資通訊", "Information & Communications"),
    ("electronics", "電子光電", "Electronics & Optoelectronics"),
]

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
