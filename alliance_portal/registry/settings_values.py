"""How one value of the settings file is read and checked: a number, true/false, text, a path.

Why apart from :mod:`alliance_portal.registry.settings`: these readers are the same for every
section (and for the environment variables), and every error they raise has one shape:
``<file>: [<section>] <key> <what is wrong>; <what to write>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import UsageError
from alliance_portal.registry.site_settings import (
    DEFAULT_PORTAL_NAME,
    PORTAL_NAME_MAX,
    PORTAL_TAGLINE_MAX,
    SLUG_PATTERN,
    Industry,
)


class ConfigError(UsageError, ValueError):
    """alliance.toml, the environment or a command-line option has a value we cannot use."""


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a table of values comes from, for error messages: ``alliance.toml: [crawl]``."""

    where: str

    def error(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"{self.where} {key} {problem}; {fix}")


def number(kind: type[T], minimum: float, example: str) -> Callable[[Source, str, Any], T]:
    def read(src: Source, key: str, value: Any) -> T:
        if isinstance(value, str) and value.strip():  # from the environment
            with suppress(ValueError):
                value = kind(value.strip())  # type: ignore[call-arg]
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if kind is int and isinstance(value, float):
            ok = False
        if not ok:
            raise src.error(
                key, f"must be a number, not {value!r}", f"write e.g. {key} = {example}"
            )
        if value < minimum:
            raise src.error(
                key, f"must be {minimum:g} or more, not {value!r}", f"write e.g. {key} = {example}"
            )
        return cast(T, kind(value))  # type: ignore[call-arg]

    return read


def boolean(src: Source, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise src.error(key, f"must be true or false, not {value!r}", f"write {key} = true or false")


def text(src: Source, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise src.error(key, f"must be text in quotes, not {value!r}", f'write {key} = "..."')
    return value


def path(src: Source, key: str, value: Any) -> Path:
    written = text(src, key, value)
    if not written.strip():
        raise src.error(
            key, "is empty", f'write a folder or file, e.g. {key} = "var/monitor.sqlite3"'
        )
    return Path(written)


_INDUSTRY_EXAMPLE = (
    'write e.g. industries = [{key = "biomed", zh = "生醫", en = "Biomedicine"}, ...]'
)


def industries(src: Source, key: str, value: Any) -> tuple[Industry, ...]:
    """``[portal] industries``: a list of ``{key = ..., zh = ..., en = ...}`` tables, keys unique
    and slug-shaped (profiles write them in ``industry`` and the portal's URLs use them)."""
    if not isinstance(value, list) or not value:
        raise src.error(key, f"must be a list of industry tables, not {value!r}", _INDUSTRY_EXAMPLE)
    found: list[Industry] = []
    for n, item in enumerate(value, start=1):
        where = f"{key} (industry {n})"
        if not isinstance(item, dict) or set(item) != {"key", "zh", "en"}:
            raise src.error(
                where, f"must have exactly key, zh and en, not {item!r}", _INDUSTRY_EXAMPLE
            )
        if not all(isinstance(v, str) and v.strip() for v in item.values()):
            raise src.error(where, f"key, zh and en must be text, not {item!r}", _INDUSTRY_EXAMPLE)
        if not re.fullmatch(SLUG_PATTERN, item["key"]):
            raise src.error(
                where,
                f"key {item['key']!r} is not lowercase letters, digits and hyphens",
                'write e.g. key = "civil-energy"',
            )
        if any(i.key == item["key"] for i in found):
            raise src.error(
                where, f"key {item['key']!r} appears twice", "give each industry its own key"
            )
        found.append(Industry(item["key"], item["zh"].strip(), item["en"].strip()))
    return tuple(found)


def bilingual_line(max_chars: int, example: Bilingual) -> Callable[[Source, str, Any], Bilingual]:
    """A one-line text in both languages, ``{zh = "...", en = "..."}`` (``[portal] name``,
    ``tagline``): both given (the portal is zh-TW with English), each on one line and at most
    ``max_chars`` characters."""
    write = f'write e.g. {{key}} = {{{{zh = "{example.zh}", en = "{example.en}"}}}}'

    def read(src: Source, key: str, value: Any) -> Bilingual:
        fix = write.format(key=key)
        if not isinstance(value, dict) or set(value) != {"zh", "en"}:
            raise src.error(key, f"must have exactly zh and en, not {value!r}", fix)
        found = {}
        for lang in ("zh", "en"):
            text = value[lang]
            if not isinstance(text, str) or not text.strip():
                raise src.error(key, f"{lang} must be text, not {text!r}", fix)
            if "\n" in text or "\r" in text:
                raise src.error(key, f"{lang} must be one line, not {text!r}", fix)
            if len(text.strip()) > max_chars:
                raise src.error(
                    key,
                    f"{lang} is {len(text.strip())} characters, more than {max_chars}",
                    f"shorten it to {max_chars} characters or fewer",
                )
            found[lang] = text.strip()
        return Bilingual(found["zh"], found["en"])

    return read


#: ``[portal] name`` and ``tagline``: the portal's name and the line under it.
portal_name = bilingual_line(PORTAL_NAME_MAX, DEFAULT_PORTAL_NAME)
portal_tagline = bilingual_line(
    PORTAL_TAGLINE_MAX, Bilingual("國科會補助之產學小聯盟", "Alliances funded by NSTC")
)
