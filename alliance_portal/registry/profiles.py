"""Load, validate and save alliance profiles (``content/alliances/<slug>.toml``).

The registry is the one source of truth for the portal, the intake form and the monitor.
Validation never stops at the first problem: it returns every :class:`Problem` at once, each
naming the file, the field, what is wrong and how to fix it, so the office can fix a
spreadsheet-sized batch of mistakes in one pass. A profile with an error is left out of
:attr:`RegistryResult.alliances`; the others load normally (one broken file never takes the
portal down). A bad contact e-mail (never shown publicly) is only a warning: the alliance stays
listed without it; the form and the import still refuse to save any problem.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from alliance_portal.registry.banner_rules import check_banner_file
from alliance_portal.registry.site_settings import (
    DEFAULT_INDUSTRIES,
    KNOWN_KEYS,
    MAX_LENGTHS,
    REQUIRED_KEYS,
    SINCE_MIN_YEAR,
    SLUG_PATTERN,
    Industry,
)
from alliance_portal.registry.years import parse_year, year_as_written

Severity = Literal["error", "warning"]

_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")
# Deliberately simple: one @, a dotted domain, no spaces. RFC 5322 accepts far more, but the
# office needs addresses that real mail clients can reach.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the registry. ``field`` is None for whole-file problems."""

    path: str
    field: str | None
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else self.path
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True, slots=True)
class Alliance:
    """A validated alliance profile. ``banner`` is the validated banner file, if any."""

    slug: str
    name: str
    university: str
    industry: str
    website: str
    name_en: str = ""
    university_en: str = ""
    pi: str = ""
    pi_en: str = ""
    intro: str = ""
    intro_en: str = ""
    active: bool = True
    since: int | None = None
    contact_email: str = ""
    source: Path | None = None
    banner: Path | None = None

    @property
    def display_name_en(self) -> str:
        """English name, falling back to the Chinese one so a page is never blank."""
        return self.name_en or self.name


@dataclass(slots=True)
class RegistryResult:
    """Every valid alliance (sorted by slug) and every problem found."""

    alliances: list[Alliance] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def by_slug(self) -> dict[str, Alliance]:
        return {a.slug: a for a in self.alliances}


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like ``word`` (for "did you mean ...?"), or None if nothing is close.

    Also compares with the last part of compound keys, so "email" suggests "contact_email".
    """
    best, best_score = None, 0.0
    lowered = word.lower()
    for choice in choices:
        tail = choice.rsplit("_", 1)[-1]
        score = max(
            difflib.SequenceMatcher(None, lowered, choice.lower()).ratio(),
            difflib.SequenceMatcher(None, lowered, tail.lower()).ratio() - 0.05,
            0.8 if len(lowered) >= 3 and choice.startswith(lowered) else 0.0,  # abbreviations
        )
        if score > best_score:
            best, best_score = choice, score
    return best if best_score >= 0.6 else None


def industry_keys(industries: Iterable[Industry]) -> dict[str, str]:
    """Map every accepted spelling of an industry (key, zh-TW name, English name) to its key."""
    mapping: dict[str, str] = {}
    for ind in industries:
        for spelling in (ind.key, ind.name_zh, ind.name_en, ind.name_en.lower()):
            mapping[spelling] = ind.key
    return mapping


def check_website(url: str) -> str | None:
    """Why ``url`` is not a usable http(s) website address, or None if it is."""
    if any(c.isspace() for c in url):
        return "contains spaces"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"must start with http:// or https:// (found {parts.scheme + ':' if parts.scheme else 'no scheme'})"
    if not parts.hostname:
        return "has no host name"
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "has an invalid port number"
    return None


def validate_profile(
    slug: str,
    data: Mapping[str, Any],
    *,
    path: str,
    industries: Iterable[Industry] = DEFAULT_INDUSTRIES,
) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one profile's data. Returns the normalised fields and all problems.

    Shared by the registry loader and the upload form so both enforce the same rules.
    """
    problems: list[Problem] = []
    industries = tuple(industries)

    def add(fld: str | None, message: str, hint: str = "", severity: Severity = "error") -> None:
        problems.append(Problem(path, fld, message, hint, severity))

    if not _SLUG_RE.match(slug):
        add(
            None,
            f"file name {slug!r} is not a valid slug",
            "rename the file using only lowercase letters, digits and hyphens, e.g. smart-motor.toml",
        )
    for key in data:
        if key not in KNOWN_KEYS:
            guess = closest(key, KNOWN_KEYS)
            add(
                key,
                "unknown key",
                f"did you mean {guess!r}?" if guess else f"known keys: {', '.join(KNOWN_KEYS)}",
            )
    for key in REQUIRED_KEYS:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            add(key, "required key is missing or empty", f'add a line such as {key} = "..."')

    clean: dict[str, Any] = {}
    for key in KNOWN_KEYS:
        if key not in data:
            continue
        value = data[key]
        if key == "active":
            if not isinstance(value, bool):
                add(
                    key,
                    f"must be true or false, not {value!r}",
                    "write active = true or active = false",
                )
                continue
        elif key == "since":
            year = parse_year(value)  # the same rule as `alliance import`
            if year is None:
                add(key, f"must be a year such as 2021, not {value!r}", "write since = 2021")
                continue
            if not SINCE_MIN_YEAR <= year <= 2100:
                shown = year_as_written(value)
                add(key, f"year {shown} is out of range", f"use a year from {SINCE_MIN_YEAR} on")
                continue
            value = year
        else:
            if not isinstance(value, str):
                add(
                    key,
                    f"must be text, not {type(value).__name__}",
                    f'put the value in quotes: {key} = "..."',
                )
                continue
            value = value.strip()
            limit = MAX_LENGTHS.get(key)
            if limit and len(value) > limit:
                add(key, f"is {len(value)} characters long; the limit is {limit}", "shorten it")
                continue
        clean[key] = value

    website = clean.get("website")
    if website:
        why = check_website(website)
        if why:
            add(
                "website",
                f"{website!r} is not a website address: {why}",
                "write the full address, e.g. https://example.edu.tw/",
            )
            clean.pop("website")
    email = clean.get("contact_email")
    if email and not _EMAIL_RE.match(email):
        add(
            "contact_email",
            f"{email!r} is not a valid e-mail address",
            "write one address such as name@example.edu.tw; the alliance stays on the portal, "
            "which does not show the e-mail, but notices cannot reach it",
            "warning",
        )
        clean.pop("contact_email")
    industry = clean.get("industry")
    if industry:
        mapping = industry_keys(industries)
        industry_key = mapping.get(industry) or mapping.get(industry.lower())
        if industry_key is None:
            guess = closest(industry, [i.key for i in industries] + [i.name_zh for i in industries])
            listed = ", ".join(f"{i.key} ({i.name_zh})" for i in industries)
            add(
                "industry",
                f"{industry!r} is not in the industries list",
                (f"did you mean {guess!r}? " if guess else "") + f"choose one of: {listed}",
            )
            clean.pop("industry")
        else:
            clean["industry"] = industry_key
    return clean, problems


def load_profile(
    path: Path, *, industries: Iterable[Industry] = DEFAULT_INDUSTRIES
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse and validate one TOML file. Returns (clean fields or None, problems)."""
    shown = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [
            Problem(shown, None, f"cannot be read: {exc.strerror}", "check the file's permissions")
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(shown, None, f"is not UTF-8 text (byte {exc.start})", "save the file as UTF-8")
        ]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [
            Problem(
                shown, None, f"is not valid TOML: {exc}", 'each line should look like key = "value"'
            )
        ]
    clean, problems = validate_profile(path.stem, data, path=shown, industries=industries)
    return (None if any(p.severity == "error" for p in problems) else clean), problems


def load_registry(
    content_dir: Path,
    banners_dir: Path | None = None,
    *,
    industries: Iterable[Industry] = DEFAULT_INDUSTRIES,
    check_banners: bool = True,
) -> RegistryResult:
    """Load every profile under ``content_dir/alliances`` and check each one's banner.

    A profile with errors is left out; a bad banner or contact e-mail only drops that file or
    field (warning): the homepage shows a text placeholder for alliances without a banner.
    """
    industries = tuple(industries)
    result = RegistryResult()
    folder = content_dir / "alliances"
    if not folder.is_dir():
        result.problems.append(
            Problem(
                str(folder), None, "folder not found", "create it: one <slug>.toml per alliance"
            )
        )
        return result
    seen: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() != ".toml":
            result.problems.append(
                Problem(
                    str(path),
                    None,
                    "is not a .toml profile and is ignored",
                    "rename it to <slug>.toml or move it out",
                    "warning",
                )
            )
            continue
        slug = path.stem
        if slug.lower() in seen:
            result.problems.append(
                Problem(
                    str(path),
                    None,
                    f"duplicate slug {slug!r}, already used by {seen[slug.lower()]}",
                    "give each alliance its own file name",
                )
            )
            continue
        seen[slug.lower()] = path
        clean, problems = load_profile(path, industries=industries)
        result.problems.extend(problems)
        if clean is None:
            continue
        banner: Path | None = None
        if banners_dir is not None:
            candidate = banners_dir / f"{slug}.png"
            if candidate.exists():
                if check_banners:
                    report = check_banner_file(candidate)
                    if report.ok:
                        banner = candidate
                    else:
                        for err in report.errors:
                            result.problems.append(
                                Problem(
                                    str(candidate),
                                    None,
                                    err.message_en,
                                    "upload a 222x112 PNG banner; a text placeholder is shown until then",
                                    "warning",
                                )
                            )
                else:
                    banner = candidate
        result.alliances.append(Alliance(slug=slug, source=path, banner=banner, **clean))
    if banners_dir is not None and banners_dir.is_dir():
        for png in sorted(banners_dir.glob("*.png")):
            if png.stem.lower() not in seen:
                result.problems.append(
                    Problem(
                        str(png),
                        None,
                        "banner has no matching profile",
                        f"add content/alliances/{png.stem}.toml or remove the banner",
                        "warning",
                    )
                )
    return result


def _toml_string(value: str) -> str:
    """A TOML basic string; text with line breaks uses the triple-quoted form to stay readable."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    body = value.replace("\\", "\\\\")
    # Control characters other than tab and newline are not allowed raw in TOML strings.
    body = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", body)
    if "\n" in value:
        return '"""\n' + body.replace('"""', '""\\"') + '"""'
    return '"' + body.replace('"', '\\"').replace("\n", "\\n") + '"'


def dump_profile(data: Mapping[str, Any]) -> str:
    """Serialise profile fields as TOML in a stable, human-friendly order."""
    lines = []
    for key in KNOWN_KEYS:
        if key not in data or data[key] is None or data[key] == "":
            continue
        value = data[key]
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {_toml_string(str(value))}")
    return "\n".join(lines) + "\n"
