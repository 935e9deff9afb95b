"""Validating one profile's values: the rules the form, the import and ``alliance check`` share.

Split from :mod:`alliance_portal.registry.profiles` (reading files, the registry as a whole,
writing TOML) because the rules are the part every flow calls with its own data: the form
with what was typed, the import with a merged row, the loader with a file. Each rule adds a
:class:`~alliance_portal.registry.problems.Problem` with a stable code and text in both
languages; none stops at the first problem.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.field_text import (
    MULTILINE_KEYS,
    check_website,
    control_character,
    suggest_website,
)
from alliance_portal.registry.problems import (
    MAX_PROBLEMS_PER_FILE,
    Problem,
    ProblemCode,
    Severity,
    capped,
)
from alliance_portal.registry.site_settings import (
    DEFAULT_INDUSTRIES,
    KNOWN_KEYS,
    MAX_LENGTHS,
    MAX_SLUG_LENGTH,
    REQUIRED_KEYS,
    SINCE_MIN_YEAR,
    SLUG_PATTERN,
    Industry,
)
from alliance_portal.registry.years import ROC_OFFSET, parse_year, year_as_written

_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")
# Deliberately simple: one @, a dotted domain, no spaces. RFC 5322 accepts far more, but the
# office needs addresses that real mail clients can reach.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
#: Longest value quoted back in a message (a value can be a 200 KB string in a hand-edited file).
SHOWN_CHARS = 60
_NO_HINT = Bilingual("", "")


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


def shown_value(value: Any) -> str:
    """A value as a message quotes it: short, and never the repr of a deep structure."""
    if isinstance(value, str | int | float | bool):
        text = repr(value)
        return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 4] + "...'"
    return f"a {type(value).__name__}"


def _year_range_message(shown: str) -> Bilingual:
    roc = SINCE_MIN_YEAR - ROC_OFFSET
    return Bilingual(
        f"年份 {shown} 不合理，請填 {SINCE_MIN_YEAR} 年（民國 {roc} 年）以後的年份。",
        f"year {shown} is out of range",
    )


def validate_profile(
    slug: str,
    data: Mapping[str, Any],
    *,
    path: str,
    industries: Iterable[Industry] = DEFAULT_INDUSTRIES,
) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one profile's data. Returns the normalised fields and all problems.

    Shared by the registry loader, the upload form and the import so all enforce the same
    rules. At most :data:`~alliance_portal.registry.problems.MAX_PROBLEMS_PER_FILE` problems
    are returned (the last one counts the rest).
    """
    problems: list[Problem] = []
    industries = tuple(industries)

    def add(
        fld: str | None,
        code: ProblemCode,
        message: Bilingual,
        hint: Bilingual = _NO_HINT,
        severity: Severity = "error",
    ) -> None:
        problems.append(Problem(path, fld, code, message, hint, severity))

    if not _SLUG_RE.match(slug):
        add(
            None,
            ProblemCode.BAD_SLUG,
            Bilingual(
                f"檔名 {shown_value(slug)} 不是有效的代號",
                f"file name {shown_value(slug)} is not a valid slug",
            ),
            Bilingual(
                f"檔名只能用小寫英文字母、數字和連字號，最多 {MAX_SLUG_LENGTH} 字，例如 smart-motor.toml",
                "rename the file using only lowercase letters, digits and hyphens "
                f"(at most {MAX_SLUG_LENGTH}), e.g. smart-motor.toml",
            ),
        )
    unknown = [key for key in data if key not in KNOWN_KEYS]
    for number, key in enumerate(unknown):
        # Suggestions cost a string comparison per known key: only for the keys reported.
        guess = closest(key, KNOWN_KEYS) if number < MAX_PROBLEMS_PER_FILE else None
        known = ", ".join(KNOWN_KEYS)
        add(
            key if len(key) <= SHOWN_CHARS else shown_value(key),
            ProblemCode.UNKNOWN_KEY,
            Bilingual("不認得的欄位名稱", "unknown key"),
            Bilingual(f"是否要寫 {guess!r}？", f"did you mean {guess!r}?")
            if guess
            else Bilingual(f"可用的欄位：{known}", f"known keys: {known}"),
        )
    for key in REQUIRED_KEYS:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            add(
                key,
                ProblemCode.REQUIRED,
                Bilingual("此欄為必填。", "required key is missing or empty"),
                Bilingual(f'請加上一行 {key} = "..."', f'add a line such as {key} = "..."'),
            )

    clean: dict[str, Any] = {}
    for key in KNOWN_KEYS:
        if key not in data:
            continue
        value = data[key]
        if key == "active":
            if not isinstance(value, bool):
                add(
                    key,
                    ProblemCode.NOT_BOOLEAN,
                    Bilingual(
                        f"必須是 true 或 false，而不是 {shown_value(value)}",
                        f"must be true or false, not {shown_value(value)}",
                    ),
                    Bilingual(
                        "請寫 active = true 或 active = false",
                        "write active = true or active = false",
                    ),
                )
                continue
        elif key == "since":
            year = parse_year(value)  # the same rule as `alliance import`
            if year is None:
                add(
                    key,
                    ProblemCode.NOT_YEAR,
                    Bilingual(
                        "請填寫年份，例如 2021 或 民國110年。",
                        f"must be a year such as 2021, not {shown_value(value)}",
                    ),
                    Bilingual("請寫 since = 2021", "write since = 2021"),
                )
                continue
            if not SINCE_MIN_YEAR <= year <= 2100:
                add(
                    key,
                    ProblemCode.YEAR_RANGE,
                    _year_range_message(year_as_written(value)[:SHOWN_CHARS]),
                    Bilingual(
                        f"請填 {SINCE_MIN_YEAR} 年以後的年份",
                        f"use a year from {SINCE_MIN_YEAR} on",
                    ),
                )
                continue
            value = year
        else:
            if not isinstance(value, str):
                add(
                    key,
                    ProblemCode.NOT_TEXT,
                    Bilingual(
                        f"必須是文字，而不是 {type(value).__name__}",
                        f"must be text, not {type(value).__name__}",
                    ),
                    Bilingual(
                        f'請把值放在引號中：{key} = "..."',
                        f'put the value in quotes: {key} = "..."',
                    ),
                )
                continue
            multiline = key in MULTILINE_KEYS
            value = value.strip()
            if multiline:
                value = value.replace("\r\n", "\n")
            limit = MAX_LENGTHS.get(key)
            if limit and len(value) > limit:
                add(
                    key,
                    ProblemCode.TOO_LONG,
                    Bilingual(
                        f"目前 {len(value)} 字，上限為 {limit} 字，請縮短。",
                        f"is {len(value)} characters long; the limit is {limit}",
                    ),
                    Bilingual("請縮短", "shorten it"),
                )
                continue
            why = control_character(value, multiline=multiline)
            if why:
                add(key, ProblemCode.CONTROL_CHARACTER, why)
                continue
        clean[key] = value

    website = clean.get("website")
    if website:
        reason = check_website(website)
        if reason:
            # The fix is in the message too, as the form shows messages only (the import and
            # `alliance check` leave out a hint the message already says): the address meant
            # when the missing "https://" is the only fault, else an example.
            meant = suggest_website(website)
            fix = (
                Bilingual(f"請改為 {meant}", f"write {meant}")
                if meant
                else Bilingual(
                    "請填寫以 http:// 或 https:// 開頭的完整網址，例如 https://example.edu.tw/",
                    "write the full address, e.g. https://example.edu.tw/",
                )
            )
            add(
                "website",
                ProblemCode.BAD_WEBSITE,
                Bilingual(
                    f"網址格式不正確（{reason.zh}）：{fix.zh}。",
                    f"{shown_value(website)} is not a website address: {reason.en}; {fix.en}",
                ),
                fix,
            )
            clean.pop("website")
    email = clean.get("contact_email")
    if email and not _EMAIL_RE.match(email):
        add(
            "contact_email",
            ProblemCode.BAD_EMAIL,
            Bilingual(
                "電子郵件地址格式不正確，請填寫一個地址，例如 name@example.edu.tw。",
                f"{shown_value(email)} is not a valid e-mail address",
            ),
            Bilingual(
                "請填寫一個地址，例如 name@example.edu.tw；聯盟仍會顯示在入口網（不顯示信箱），"
                "但通知信無法寄達",
                "write one address such as name@example.edu.tw; the alliance stays on the portal, "
                "which does not show the e-mail, but notices cannot reach it",
            ),
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
                ProblemCode.UNKNOWN_INDUSTRY,
                Bilingual(
                    "請從清單中選擇產業分類。",
                    f"{shown_value(industry)} is not in the industries list",
                ),
                Bilingual(
                    (f"是否要寫 {guess!r}？" if guess else "") + f"請選擇：{listed}",
                    (f"did you mean {guess!r}? " if guess else "") + f"choose one of: {listed}",
                ),
            )
            clean.pop("industry")
        else:
            clean["industry"] = industry_key
    return clean, capped(problems, path)
