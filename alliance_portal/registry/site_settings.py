"""Constants and site settings shared by the registry, the build and the CLI.

Constants live here, in one place, so that the office can see every limit the tool enforces.
The industry groups are the office's setting: ``[portal] industries`` of ``alliance.toml``
(read by :mod:`alliance_portal.registry.settings`); an older ``pelicanconf.py`` that still
sets INDUSTRIES keeps working (with a notice saying how to move); else
:data:`DEFAULT_INDUSTRIES`, so ``alliance check`` works in any folder. :func:`office_industries`
is the one place that decides.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alliance_portal.registry.bilingual import Bilingual

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


#: Close to the programme's review groups. The office sets its own in alliance.toml
#: (``[portal] industries``).
DEFAULT_INDUSTRIES: tuple[Industry, ...] = (
    Industry("biomed", "生醫", "Biomedicine"),
    Industry("chemistry", "民生化工", "Consumer & Chemical"),
    Industry("mechatronics", "機電材料", "Mechatronics & Materials"),
    Industry("civil-energy", "土木能環", "Civil, Energy & Environment"),
    Industry("ict", "資通訊", "Information & Communications"),
    Industry("electronics", "電子光電", "Electronics & Optoelectronics"),
)


#: The portal's name and tagline unless the office sets its own (``[portal] name`` and
#: ``tagline`` of alliance.toml): in every page's title and header, both languages.
DEFAULT_PORTAL_NAME = Bilingual("產學小聯盟入口網", "Industry-Academia Alliances Portal")
DEFAULT_PORTAL_TAGLINE = Bilingual(
    "國家科學及技術委員會（原科技部）補助之大學產學小聯盟",
    "University industry-academia alliances funded by the National Science and Technology"
    " Council (formerly MOST)",
)
#: Longest name and tagline, in characters: the name sits in every browser tab and the header
#: bar, the tagline under it (hidden on a phone).
PORTAL_NAME_MAX = 60
PORTAL_TAGLINE_MAX = 160


@dataclass(frozen=True, slots=True)
class PortalIdentity:
    """What the portal calls itself, in zh-TW and English.

    Why a setting and not a string in the theme: the funding agency has been renamed before
    (科技部 became 國科會 in 2022) and the office must be able to follow such a change without
    a programmer.
    """

    name: Bilingual = DEFAULT_PORTAL_NAME
    tagline: Bilingual = DEFAULT_PORTAL_TAGLINE


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

    A missing file, or one without INDUSTRIES, gives :data:`DEFAULT_INDUSTRIES`; callers that
    have the office's settings use :func:`office_industries` instead.
    """
    if path is None or not path.exists():
        return {"INDUSTRIES": DEFAULT_INDUSTRIES}
    values = runpy.run_path(str(path))
    return {k: v for k, v in values.items() if k.isupper() and not k.startswith("_")} | {
        "INDUSTRIES": industries_from_setting(values.get("INDUSTRIES"))
    }


def pelicanconf_industries(path: Path | None) -> tuple[Industry, ...] | None:
    """INDUSTRIES as an older ``pelicanconf.py`` sets it, or None when it does not (or only
    repeats the defaults it imports from the built-in settings)."""
    if path is None or not path.exists():
        return None
    value = runpy.run_path(str(path)).get("INDUSTRIES")
    found = industries_from_setting(value) if value else DEFAULT_INDUSTRIES
    return None if found == DEFAULT_INDUSTRIES else found


def office_industries(
    from_settings: tuple[Industry, ...], pelicanconf: Path | None
) -> tuple[tuple[Industry, ...], str | None]:
    """The industry groups in force, and a notice for an older pelicanconf.py (or None).

    ``from_settings`` is ``[portal] industries`` of alliance.toml (empty: not set there). It
    wins; else INDUSTRIES of ``pelicanconf``; else :data:`DEFAULT_INDUSTRIES`. Why a notice,
    not an error: an office's working setup must keep building while it moves the list.
    """
    legacy = pelicanconf_industries(pelicanconf)
    if legacy is None:
        return (from_settings or DEFAULT_INDUSTRIES), None
    if from_settings:
        return from_settings, (
            f"{pelicanconf} sets INDUSTRIES, which is ignored: alliance.toml [portal] industries"
            " is used; delete INDUSTRIES from it"
        )
    example = ", ".join(
        f'{{key = "{i.key}", zh = "{i.name_zh}", en = "{i.name_en}"}}' for i in legacy[:1]
    )
    return legacy, (
        f"{pelicanconf} sets INDUSTRIES, still read; the industry groups belong in alliance.toml"
        f" now: write them there under [portal] as industries = [{example}, ...] and delete"
        " INDUSTRIES from it"
    )
