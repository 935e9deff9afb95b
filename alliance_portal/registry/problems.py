"""What is wrong with a profile, as typed data: a stable code and text in both languages.

Why a code and a :class:`Bilingual` from the start: the command line prints the English, the
upload form shows the zh-TW and the English next to the field, and the importer names the
spreadsheet column. Each reader takes what it needs from the same record; nothing parses the
wording back (rewording a message cannot change what a program decides), the way the monitor's
findings carry a :class:`monitor.model.Code`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from alliance_portal.registry.bilingual import Bilingual

Severity = Literal["error", "warning"]

#: Problems reported for one file at most; the rest are counted in one last problem. A
#: hand-edited file with 400,000 unknown keys must not print 400,000 lines (or take 45 s).
MAX_PROBLEMS_PER_FILE = 20


class ProblemCode(StrEnum):
    """Every kind of registry problem, as a stable key (tests hold the form to each one)."""

    # the file as a whole
    FOLDER_MISSING = "folder-missing"
    NOT_TOML_FILE = "not-toml-file"
    DUPLICATE_SLUG = "duplicate-slug"
    BAD_SLUG = "bad-slug"
    UNREADABLE = "unreadable"
    NOT_REGULAR_FILE = "not-regular-file"
    FILE_TOO_LARGE = "file-too-large"
    NOT_UTF8 = "not-utf8"
    NOT_TOML = "not-toml"
    TOO_DEEP = "too-deep"
    TOO_MANY_PROBLEMS = "too-many-problems"
    # one field
    UNKNOWN_KEY = "unknown-key"
    REQUIRED = "required"
    NOT_BOOLEAN = "not-boolean"
    NOT_YEAR = "not-year"
    YEAR_RANGE = "year-range"
    NOT_TEXT = "not-text"
    TOO_LONG = "too-long"
    CONTROL_CHARACTER = "control-character"
    BAD_WEBSITE = "bad-website"
    BAD_EMAIL = "bad-email"
    UNKNOWN_INDUSTRY = "unknown-industry"
    # banners beside the profiles
    BAD_BANNER = "bad-banner"
    ORPHAN_BANNER = "orphan-banner"


_NO_TEXT = Bilingual("", "")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the registry. ``field`` is None for whole-file problems.

    ``message`` says what is wrong, ``hint`` how to fix it in the file (the CLI's words: "add a
    line such as ..."); both in zh-TW and English. ``text`` (and ``str()``) is the English
    one-line form the CLI prints: ``path: field: message (hint)``.
    """

    path: str
    field: str | None
    code: ProblemCode
    message: Bilingual
    hint: Bilingual = _NO_TEXT
    severity: Severity = "error"

    @property
    def text(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else self.path
        text = f"{where}: {self.message.en}"
        # a hint the message already says (a bad website's fix) is not said twice
        return f"{text} ({self.hint.en})" if self.hint.en not in self.message.en else text

    def __str__(self) -> str:
        return self.text


def capped(problems: list[Problem], path: str) -> list[Problem]:
    """At most :data:`MAX_PROBLEMS_PER_FILE` problems, the last one counting those left out."""
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    kept = problems[: MAX_PROBLEMS_PER_FILE - 1]
    more = len(problems) - len(kept)
    worst: Severity = (
        "error" if any(p.severity == "error" for p in problems[len(kept) :]) else "warning"
    )
    kept.append(
        Problem(
            path,
            None,
            ProblemCode.TOO_MANY_PROBLEMS,
            Bilingual(f"另有 {more} 個問題未列出", f"{more} more problem(s) not shown"),
            Bilingual("請先修正上面的問題", "fix the ones above first"),
            worst,
        )
    )
    return kept
