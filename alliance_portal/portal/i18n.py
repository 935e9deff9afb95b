"""Interface strings of the portal in zh-TW (first) and English, and per-language URL rules.

The portal is zh-TW at the site root and English under ``/en/``; every page links to its
counterpart in the other language.
"""

from __future__ import annotations

from typing import Final

from alliance_portal.registry.site_settings import PortalIdentity

LANGS: Final = ("zh-TW", "en")
DEFAULT_LANG: Final = "zh-TW"

#: Prefix of every URL in a language ("" for the default language).
PREFIX: Final = {"zh-TW": "", "en": "en/"}

UI: Final[dict[str, dict[str, str]]] = {
    "zh-TW": {
        "skip": "跳至主要內容",
        "home": "首頁",
        "home_heading": "找到合作的產學小聯盟",
        "home_lead": "依技術、產品、學校或主持人搜尋，或依產業瀏覽全臺大學的產學小聯盟",
        "industry_filter": "依產業篩選：",
        "industries": "產業分類",
        "all_industries": "所有產業",
        "search": "搜尋",
        "search_label": "搜尋聯盟（中文或英文關鍵字）",
        "search_button": "搜尋",
        "search_noscript": "搜尋功能需要啟用 JavaScript；您也可以依產業分類瀏覽。",
        "search_none": "找不到符合的聯盟。",
        "search_one": "1 筆結果",
        "search_many": "{n} 筆結果",
        "search_partial": "沒有聯盟符合全部關鍵字，以下為部分符合的聯盟；",
        "search_more": "顯示更多結果",
        "search_hint": "例如：電動車、半導體封裝、學校或主持人姓名；可輸入中文或英文。",
        "search_placeholder": "搜尋技術、產品、學校或主持人",
        "other_lang": "English",
        "other_lang_code": "en",
        "switch_label": "Switch to English",
        "alliances_count": "個聯盟",
        "university": "學校",
        "pi": "計畫主持人",
        "industry": "產業分類",
        "website": "聯盟網站",
        "since": "成立年份",
        "contact": "聯絡信箱",
        "intro": "聯盟簡介",
        "visit_website": "前往聯盟網站",
        "no_banner": "尚未提供橫幅",
        "about_alliance": "聯盟介紹",
        "main_nav": "主選單",
        "industry_nav": "依產業瀏覽",
        "footer": "本網站由產學小聯盟計畫辦公室維護；資料由各聯盟提供。",
        "pages": "說明",
        "not_found_title": "找不到頁面",
        "not_found_text": "您要找的頁面不存在或已移除。",
        "back_home": "回到首頁",
        "opens_external": "（外部網站）",
    },
    "en": {
        "skip": "Skip to main content",
        "home": "Home",
        "home_heading": "Find an alliance to work with",
        "home_lead": "Search by technology, product, university or principal investigator, or browse the university alliances across Taiwan by industry",
        "industry_filter": "Filter by industry:",
        "industries": "Industries",
        "all_industries": "All industries",
        "search": "Search",
        "search_label": "Search alliances (Chinese or English keywords)",
        "search_button": "Search",
        "search_noscript": "Search needs JavaScript; you can also browse by industry.",
        "search_none": "No alliance matches.",
        "search_one": "1 result",
        "search_many": "{n} results",
        "search_partial": "No alliance matches every word; these match some of them.",
        "search_more": "Show more results",
        "search_hint": "For example: electric vehicles, semiconductor packaging, a university or a PI's name; Chinese or English.",
        "search_placeholder": "Search technologies, products, universities or PIs",
        "other_lang": "中文",
        "other_lang_code": "zh-TW",
        "switch_label": "切換至中文",
        "alliances_count": "alliances",
        "university": "University",
        "pi": "Principal investigator",
        "industry": "Industry",
        "website": "Website",
        "since": "Since",
        "contact": "Contact",
        "intro": "About",
        "visit_website": "Visit the alliance website",
        "no_banner": "No banner yet",
        "about_alliance": "About the alliance",
        "main_nav": "Main menu",
        "industry_nav": "Browse by industry",
        "footer": "Maintained by the alliance programme office; content provided by each alliance.",
        "pages": "Information",
        "not_found_title": "Page not found",
        "not_found_text": "The page you are looking for does not exist or was removed.",
        "back_home": "Back to the homepage",
        "opens_external": "(external site)",
    },
}


def other(lang: str) -> str:
    return "en" if lang == DEFAULT_LANG else DEFAULT_LANG


def ui_strings(identity: PortalIdentity) -> dict[str, dict[str, str]]:
    """Every interface string per language, with the portal's name and tagline (the office's
    ``[portal] name`` and ``tagline``, else the built-in ones) as ``site_name`` and
    ``site_tagline``."""
    return {
        "zh-TW": UI["zh-TW"] | {"site_name": identity.name.zh, "site_tagline": identity.tagline.zh},
        "en": UI["en"] | {"site_name": identity.name.en, "site_tagline": identity.tagline.en},
    }
