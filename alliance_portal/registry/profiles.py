"""Load, validate and save alliance profiles (``content/alliances/<slug>.toml``).

Reading a file is :mod:`.profile_file` (bounded), the rules are :mod:`.validation`; this
module puts them together for the whole registry and writes profiles back as TOML.

The registry is the one source of truth for the portal, the intake form and the monitor.
Validation never stops at the first problem: it returns every :class:`Problem` at once, each
naming the file, the field, what is wrong and how to fix it, so the office can fix a
spreadsheet-sized batch of mistakes in one pass. A profile with an error is left out of
:attr:`RegistryResult.alliances`; the others load normally (one broken file never takes the
portal down). A bad contact e-mail (never shown publicly) is only a warning: the alliance stays
listed without it; the form and the import still refuse to save any problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_portal.registry.banner_rules import check_banner_file
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.field_text import check_website
from alliance_portal.registry.problems import Problem, ProblemCode, Severity
from alliance_portal.registry.profile_file import ProfileFileError, read_profile_data
from alliance_portal.registry.site_settings import DEFAULT_INDUSTRIES, KNOWN_KEYS, Industry
from alliance_portal.registry.validation import (
    closest,
    industry_keys,
    shown_value,
    validate_profile,
)

#: Re-exported: callers import the registry's records and rules from here.
__all__ = [
    "Alliance",
    "Problem",
    "ProblemCode",
    "RegistryResult",
    "Severity",
    "check_website",
    "closest",
    "dump_profile",
    "industry_keys",
    "load_profile",
    "load_registry",
    "validate_profile",
]


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


def load_profile(
    path: Path, *, industries: Iterable[Industry] = DEFAULT_INDUSTRIES
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Read (bounded, see :mod:`.profile_file`) and validate one TOML file.

    Returns (clean fields or None, problems); a file that cannot be read is one problem.
    """
    shown = str(path)
    try:
        data = read_profile_data(path)
    except FileNotFoundError:
        return None, [
            Problem(
                shown,
                None,
                ProblemCode.UNREADABLE,
                Bilingual("檔案不存在", "cannot be read: no such file"),
                Bilingual("請檢查檔案是否仍在", "check that the file is still there"),
            )
        ]
    except ProfileFileError as exc:
        return None, [Problem(shown, None, exc.code, exc.message, exc.hint)]
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
                str(folder),
                None,
                ProblemCode.FOLDER_MISSING,
                Bilingual("找不到資料夾", "folder not found"),
                Bilingual(
                    "請建立此資料夾：每個聯盟一個 <代號>.toml",
                    "create it: one <slug>.toml per alliance",
                ),
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
                    ProblemCode.NOT_TOML_FILE,
                    Bilingual(
                        "不是 .toml 聯盟資料檔，已略過", "is not a .toml profile and is ignored"
                    ),
                    Bilingual(
                        "請改名為 <代號>.toml 或移出此資料夾",
                        "rename it to <slug>.toml or move it out",
                    ),
                    "warning",
                )
            )
            continue
        slug = path.stem
        if slug.lower() in seen:
            first = seen[slug.lower()]
            result.problems.append(
                Problem(
                    str(path),
                    None,
                    ProblemCode.DUPLICATE_SLUG,
                    Bilingual(
                        f"代號 {shown_value(slug)} 重複，{first} 已使用",
                        f"duplicate slug {shown_value(slug)}, already used by {first}",
                    ),
                    Bilingual("每個聯盟請用不同的檔名", "give each alliance its own file name"),
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
                                    ProblemCode.BAD_BANNER,
                                    err.text,
                                    Bilingual(
                                        "請上傳 222x112 的 PNG 橫幅；在此之前首頁顯示文字",
                                        "upload a 222x112 PNG banner; a text placeholder is "
                                        "shown until then",
                                    ),
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
                        ProblemCode.ORPHAN_BANNER,
                        Bilingual("橫幅沒有對應的聯盟資料", "banner has no matching profile"),
                        Bilingual(
                            f"請新增 content/alliances/{png.stem}.toml 或移除此橫幅",
                            f"add content/alliances/{png.stem}.toml or remove the banner",
                        ),
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
