"""Text in two languages has one shape, ``Bilingual`` (issue 18), read from the code with ast.

Fails when the packages hold a tuple of two string literals, the first with Chinese and the
next in Latin letters (a ``(zh, en)`` pair), or a string literal that pre-joins Chinese and
English around " / ". Docstrings are prose and are not read.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("alliance_portal", "monitor")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")

#: Deliberate exceptions and debts, by (file, the literal's first 20 characters). Each says why.
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        # Keyword lists the rules match page text against: each language's words, not a message
        # in two languages (RULES.md's vocabulary; a tuple mixes zh and English synonyms).
        *(
            ("monitor/rules/vocabulary.py", k)
            for k in (
                "上稿日期",
                "本站自",
                "下午",
                "著作權",
                "今日是",
                "計數",
                "最新消息",
                "新聞",
                "活動",
                "聯盟介紹",
                "關於",
                "施工中",
                "資料庫錯誤",
            )
        ),
        ("monitor/rules/dates.py", "開始"),
        # Spreadsheet column aliases the import accepts (a header may be written either way).
        *(
            ("alliance_portal/registry/spreadsheet.py", k)
            for k in (
                "聯盟英文名稱",
                "執行單位",
                "官網",
                "英文簡介",
            )
        ),
    }
)

#: Still to convert (issue 18 item 2): files listed here are not checked. Empty: every file is.
PENDING: frozenset[str] = frozenset()


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's with ``{}`` for each placeholder."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in node.values
        )
    return None


def pairs_in(source: str) -> list[tuple[int, str]]:
    """(line, literal) of every (zh, en) tuple and pre-joined "中文 / English" literal."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    # an f-string's pieces are read as one text, not each on its own
    pieces = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in pieces:
            continue
        if isinstance(node, ast.Tuple):
            for a, b in zip(node.elts, node.elts[1:], strict=False):
                zh, en = _text(a), _text(b)
                if zh and en and CJK.search(zh) and LATIN.search(en) and not CJK.search(en):
                    found.append((node.lineno, zh))
                    break
        text = _text(node)
        if text and id(node) not in skip and " / " in text:
            left, _, right = text.partition(" / ")
            if CJK.search(left) and LATIN.search(right):
                found.append((node.lineno, text))
    return found


def test_the_check_finds_a_pair_and_a_joined_literal() -> None:
    assert pairs_in('X = ("繳交狀況", "Submissions")') == [(1, "繳交狀況")]
    assert pairs_in('X = "沒有網頁 / no web page"') == [(1, "沒有網頁 / no web page")]
    assert pairs_in('X = f"網頁過大 {n} KiB / page larger than {n} KiB"') == [
        (1, "網頁過大 {} KiB / page larger than {} KiB")
    ]
    assert pairs_in('X = f"{a} / {b}"') == []
    assert pairs_in('X = Bilingual("繳交狀況", "Submissions")') == []
    assert pairs_in('def f():\n    """中文 / English in a docstring."""') == []


def test_no_bilingual_text_outside_bilingual() -> None:
    problems = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in PENDING:
                continue
            for line, text in pairs_in(path.read_text(encoding="utf-8")):
                if (rel, text[:20]) not in ALLOWED:
                    problems.append(f"{rel}:{line}: {text[:60]!r}")
    assert problems == [], "use Bilingual(zh, en), not a pair or a joined string:\n" + "\n".join(
        problems
    )


def test_pending_files_still_have_pairs() -> None:
    """A file converted since must leave PENDING, so the list only shrinks."""
    for rel in PENDING:
        found = [
            t
            for _, t in pairs_in((ROOT / rel).read_text(encoding="utf-8"))
            if (rel, t[:20]) not in ALLOWED
        ]
        assert found, f"{rel} has no bilingual pair left: remove it from PENDING"
