"""A small registry in a temporary folder for build and browser tests."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from alliance_portal.registry.profiles import dump_profile

PROFILES = {
    "smart-motor": {
        "name": "智慧馬達驅動產學聯盟",
        "name_en": "Smart Motor Drive Alliance",
        "university": "範例科技大學",
        "university_en": "Sample University of Technology",
        "pi": "王大明",
        "pi_en": "Da-Ming Wang",
        "industry": "mechatronics",
        "website": "https://motor.example.edu.tw/",
        "intro": "我們協助企業開發高效率馬達與驅動器。<script>alert('x')</script>\n\n[惡意連結](javascript:alert(1))",
        "intro_en": "We help companies build efficient **motor** drives. <img src=x onerror=alert(1)>",
        "since": 2018,
        "contact_email": "motor@example.edu.tw",
    },
    "bio-sensor": {
        "name": "生醫感測產學聯盟",
        "name_en": "Biosensing Alliance",
        "university": "範例大學",
        "industry": "biomed",
        "website": "https://bio.example.edu.tw/",
        "intro": "快速檢測試劑與感測晶片。",
    },
    "green-build": {
        "name": "綠建築節能產學聯盟",
        "university": "範例大學",
        "industry": "civil-energy",
        "website": "http://green.example.edu.tw/",
    },
    "retired": {
        "name": "已結束聯盟",
        "university": "範例大學",
        "industry": "ict",
        "website": "https://old.example.edu.tw/",
        "active": False,
    },
}

PAGES = {
    "about.md": "Title: 關於計畫\nSlug: about\nLang: zh-TW\n\n國科會補助產學小聯盟。\n",
    "about.en.md": "Title: About\nSlug: about\nLang: en\n\nThe NSTC funds alliances.\n",
}

COLOURS = {"smart-motor": (200, 60, 20), "bio-sensor": (20, 120, 90), "retired": (90, 90, 90)}


def make_registry(root: Path, profiles: dict | None = None) -> tuple[Path, Path]:
    """Write profiles, pages and banners (green-build gets none) under ``root``."""
    content, banners = root / "content", root / "banners"
    (content / "alliances").mkdir(parents=True)
    (content / "pages").mkdir()
    banners.mkdir()
    for slug, data in (profiles or PROFILES).items():
        (content / "alliances" / f"{slug}.toml").write_text(dump_profile(data), encoding="utf-8")
        if slug in COLOURS:
            Image.new("RGB", (222, 112), COLOURS[slug]).save(banners / f"{slug}.png")
    for name, text in PAGES.items():
        (content / "pages" / name).write_text(text, encoding="utf-8")
    return content, banners
