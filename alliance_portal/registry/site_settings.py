"""Constants and site settings shared by the registry, the build and the CLI.

Constants live here, in one place, so that the office can see every limit the tool enforces.
Site settings (industries, languages) come from ``pelicanconf.py`` when it exists; the
defaults below are used otherwise, so ``alliance check`` works in any folder.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BANNER_WIDTH = 222
BANNER_HEIGHT = 112

#: Profile keys. Order matters: it is the order fields are written back to disk.
REQUIRED_KEYS: tuple[str, ...] = ("name", "university", "industry", "website")
OPTIONAL_KEYS: tuple[str, ...] = (
    "name_en",
    "university_en",
    "pi",
    "pi_en",
    "intro",
    "intro_en",
    "active",
    "since",
    "contact_email",
)
KNOWN_KEYS: tuple[str, ...] = REQUIRED_KEYS + OPTIONAL_KEYS

#: Longest accepted value per text field, in characters. Names must fit on a banner card and
#: in a report column; intros are a few paragraphs, not a whole website.
MAX_LENGTHS: dict[str, int] = {
    "name": 80,
    "name_en": 160,
    "university": 60,
    "university_en": 120,
    "pi": 60,
    "pi_en": 120,
    "intro": 3000,
    "intro_en": 6000,
    "website": 500,
    "contact_email": 254,
    "industry": 40,
}

#: The programme started in 1990s; a ``since`` year outside this range is a typo.
SINCE_MIN_YEAR = 1990

#: Longest slug: a slug is a file name, a URL part and a lock file's name, so a 300-character
#: one must be refused as "not a slug", not fail as "file name too long" in the middle of a save.
MAX_SLUG_LENGTH = 64
#: A slug: lowercase words joined by single hyphens, at most MAX_SLUG_LENGTH characters. The
#: look-ahead bounds the length wherever the pattern is used (and refuses a trailing line feed,
#: which ``$`` alone lets through).
SLUG_PATTERN = rf"(?=[a-z0-9-]{{1,{MAX_SLUG_LENGTH}}}\Z)[a-z0-9]+(?:-[a-z0-9]+)*"


@dataclass(frozen=True, slots=True)
class Industry:
    """An industry group: ``key`` is what profiles write in ``industry`` and what URLs use."""

    key: str
    name_zh: str
    name_en: str


#: Close to the programme's review groups. The office edits INDUSTRIES in pelicanconf.py.
DEFAULT_INDUSTRIES: tuple[Industry, ...] = (
    Industry("biomed", "生醫", "Biomedicine"),
    Industry("chemistry", "民生化工", "Consumer & Chemical"),
    Industry("mechatronics", "機電材料", "Mechatronics & Materials"),
    Industry("civil-energy", "土木能環", "Civil, Energy & Environment"),
    Industry("ict", "資通訊", "Information & Communications"),
    Industry("electronics", "電子光電", "Electronics & Optoelectronics"),
)


def industries_from_setting(value: Any) -> tuple[Industry, ...]:
    """Turn the INDUSTRIES setting (tuples or dicts) into :class:`Industry` records."""
    result: list[Industry] = []
    for item in value or ():
        if isinstance(item, Industry):
            result.append(item)
        elif isinstance(item, dict):
            result.append(Industry(str(item["key"]), str(item["zh"]), str(item["en"])))
        else:
            key, zh, en = item
            result.append(Industry(str(key), str(zh), str(en)))
    return tuple(result) or DEFAULT_INDUSTRIES


def load_site_settings(path: Path | None) -> dict[str, Any]:
    """Read a Pelican settings file as plain Python values without starting Pelican.

    Only the names the registry needs are read; a missing file gives the defaults.
    """
    if path is None or not path.exists():
        return {"INDUSTRIES": DEFAULT_INDUSTRIES}
    values = runpy.run_path(str(path))
    return {k: v for k, v in values.items() if k.isupper() and not k.startswith("_")} | {
        "INDUSTRIES": industries_from_setting(values.get("INDUSTRIES"))
    }
