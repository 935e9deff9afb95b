"""One piece of user-facing text in zh-TW and English, kept apart.

Why a type of its own: the office's rule is zh-TW first with English, and every flow shows
text in both (the form's messages, a refused banner, a check's finding in the report and the
e-mail to a professor). Kept as two fields, each reader picks the language it needs; the joined
"中文 / English" form exists only for display and for the JSON report's ``reason`` key, and no
code ever splits it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A message in zh-TW (``zh``) and English (``en``)."""

    zh: str
    en: str

    @classmethod
    def same(cls, text: str) -> Bilingual:
        """Text that reads the same in both languages (a number, a URL, an old record)."""
        return cls(text, text)

    def joined(self, sep: str = " / ") -> str:
        """``"中文 / English"`` for one-line display; just one of them when both are equal."""
        if self.zh == self.en or not self.en:
            return self.zh
        if not self.zh:
            return self.en
        return f"{self.zh}{sep}{self.en}"

    def __str__(self) -> str:
        return self.joined()

    def __bool__(self) -> bool:
        return bool(self.zh or self.en)

    def plus(self, other: Bilingual, *, zh_sep: str = "；", en_sep: str = "; ") -> Bilingual:
        """This text followed by ``other``, each language with its own separator."""
        return Bilingual.join((self, other), zh_sep=zh_sep, en_sep=en_sep)

    @staticmethod
    def join(parts: Iterable[Bilingual], *, zh_sep: str = "；", en_sep: str = "; ") -> Bilingual:
        """Several texts as one, each language joined with its own separator (empty parts go)."""
        kept = [p for p in parts if p]
        return Bilingual(
            zh_sep.join(p.zh for p in kept if p.zh), en_sep.join(p.en for p in kept if p.en)
        )

    def to_json(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Bilingual:
        return cls(str(data.get("zh", "")), str(data.get("en", "")))
