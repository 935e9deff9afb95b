"""Interface strings of the portal in zh-TW (first) and English, and per-language URL rules.

The portal is zh-TW at the site root and English under ``/en/``; every page links to its
counterpart in the other language.
"""

from __future__ import annotations

from typing import Final

LANGS: Final = ("zh-TW", "en")
DEFAULT_LANG: Final = "zh-TW"

#: Prefix of every URL in a language ("" for the default language).
PREFIX: Final = {"zh-TW": "", "en": "en/"}

UI: Final[dict[str, dict[str, str]]] = {
    "zh-TW": {
        "site_name": "產學小聯盟入口網",
        "site_tagline": "國家科學及技術委員會（原科技部）補助之大學產學小聯盟",
        "skip": "跳至主要內容",
        "home": "首頁",
        "industries": "產業分類",
        "all_industries": "所有產業",
        "search": "搜尋",
        "search_label": "搜尋聯盟（中文或英文關鍵字）",
        "search_button": "搜尋",
        "search_noscript": "搜尋功能需要啟用 JavaScript；您也可以依產業分類瀏覽。",
        "search_none": "找不到符合的聯盟。",
        "search_count": "筆結果",
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
        "site_name": "Industry-Academia Alliances Portal",
        "site_tagline": "University industry-academia alliances funded by the National Science and Technology Council (formerly MOST)",
        "skip": "Skip to main content",
        "home": "Home",
        "industries": "Industries",
        "all_industries": "All industries",
        "search": "Search",
        "search_label": "Search alliances (Chinese or English keywords)",
        "search_button": "Search",
        "search_noscript": "Search needs JavaScript; you can also browse by industry.",
        "search_none": "No alliance matches.",
        "search_count": "results",
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
