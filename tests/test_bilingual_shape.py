"""Text in two languages has one shape, ``Bilingual`` (issue 18), read from the code with ast.

Fails when the packages hold a tuple of two string literals, the first with Chinese and the
next in Latin letters (a ``(zh, en)`` pair), a string literal or f-string that pre-joins Chinese
and English around " / ", or one text split over two names (``label_zh``/``label_en`` fields of
a class, parameters of a function or keywords of a call). Docstrings are prose and are not read.
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

#: Split names still in use, by (file, the name without _zh/_en). Each says why.
SPLIT_ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        # Industry(key, name_zh, name_en): the Pelican theme's templates and the plugin read
        # these two names on every industry page; a theme change of its own.
        ("alliance_portal/registry/site_settings.py", "name"),
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


def split_names_in(source: str) -> list[tuple[int, str]]:
    """(line, name) of each text split over ``name_zh`` and ``name_en``: a class's fields, a
    function's parameters or a call's keywords."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.ClassDef):
            names = [
                n.target.id
                for n in node.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            ]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = [
                a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
            ]
        elif isinstance(node, ast.Call):
            names = [k.arg for k in node.keywords if k.arg]
        zh = {n.removesuffix("_zh") for n in names if n.endswith("_zh")}
        en = {n.removesuffix("_en") for n in names if n.endswith("_en")}
        found += [(node.lineno, stem) for stem in sorted(zh & en)]
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


def test_the_check_finds_a_text_split_over_two_names() -> None:
    assert split_names_in("class P:\n    label_zh: str\n    label_en: str") == [(1, "label")]
    assert split_names_in("def f(a, title_zh, title_en): pass") == [(1, "title")]
    assert split_names_in("f(x, next_zh='下個月', next_en='next month')") == [(1, "next")]
    assert split_names_in("class P:\n    label: Bilingual\n    name_en: str") == []


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


def test_no_text_split_over_two_names() -> None:
    problems = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for line, stem in split_names_in(path.read_text(encoding="utf-8")):
                if (rel, stem) not in SPLIT_ALLOWED:
                    problems.append(f"{rel}:{line}: {stem}_zh / {stem}_en")
    assert problems == [], "one field of type Bilingual, not two halves:\n" + "\n".join(problems)


def test_split_exceptions_are_still_needed() -> None:
    """An allowed split that is gone must leave SPLIT_ALLOWED, so the list only shrinks."""
    for rel, stem in SPLIT_ALLOWED:
        stems = {s for _, s in split_names_in((ROOT / rel).read_text(encoding="utf-8"))}
        assert stem in stems, f"{rel} no longer splits {stem}: remove it from SPLIT_ALLOWED"


def test_pending_files_still_have_pairs() -> None:
    """A file converted since must leave PENDING, so the list only shrinks."""
    for rel in PENDING:
        found = [
            t
            for _, t in pairs_in((ROOT / rel).read_text(encoding="utf-8"))
            if (rel, t[:20]) not in ALLOWED
        ]
        assert found, f"{rel} has no bilingual pair left: remove it from PENDING"


#: A ('中文', 'English') pair written in a template (not a call such as t("中文", "English")):
#: the template's own table of words, which drifts from the one the report and Python use.
_TEMPLATE_PAIR = re.compile(
    r"""(?<![\w.])\(\s*(['"])[^'"]*[\u4e00-\u9fff][^'"]*\1\s*,\s*(['"])[^'"]*\2\s*\)"""
)


def template_pairs(text: str) -> list[str]:
    return [m.group(0) for m in _TEMPLATE_PAIR.finditer(text)]


def test_the_template_check_finds_a_table_of_pairs_and_not_a_call() -> None:
    table = "{% set kinds = {'recheck': ('重新檢查網站', 'Re-check of a website')} %}"
    assert template_pairs(table) == ["('重新檢查網站', 'Re-check of a website')"]
    assert template_pairs('{{ t("繳交狀況", "Submission status") }}') == []


def test_no_template_keeps_its_own_table_of_bilingual_pairs() -> None:
    """Words such as statuses, check names and job kinds come from Python (report_contract,
    jobs, overview, office_hooks) through the console's template helpers."""
    found = [
        f"{path.relative_to(ROOT)}: {pair[:50]}"
        for package in ("alliance_portal", "monitor")
        for path in sorted((ROOT / package).rglob("*.html"))
        for pair in template_pairs(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "give the words to the template from Python:\n" + "\n".join(found)
