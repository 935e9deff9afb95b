"""The layering of docs/architecture.md, read from the code's own imports.

The registry imports no flow; the portal, the form and the monitor never import each other; only
the composition root (the CLI, its commands and the demo) puts them together; no import cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("alliance_portal", "monitor")

#: Which layer a module belongs to, by the longest matching prefix.
LAYERS: dict[str, str] = {
    "alliance_portal.registry": "registry",
    "alliance_portal.portal": "portal",
    "alliance_portal.intake": "intake",
    "monitor": "monitor",
    "alliance_portal": "root",
}

#: The layers each layer may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "registry": set(),
    "portal": {"registry"},
    "intake": {"registry"},
    "monitor": {"registry"},
    "root": {"registry", "portal", "intake", "monitor"},
}

MAX_LINES = 400

#: Debts being paid off (issue 9): modules still to split, cycles still to break. Empty it.
PENDING_SPLIT: frozenset[str] = frozenset()
PENDING_CYCLES: frozenset[str] = frozenset()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _layer(module: str) -> str:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    raise AssertionError(f"{module} is in no layer of docs/architecture.md")


def _imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every project module ``module`` imports, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            # the deepest project module the name points at
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and name.split(".")[0] in PACKAGES:
                targets.add(name)
    return targets


MODULES = _modules()
GRAPH = {module: _imports(module, path, MODULES) for module, path in MODULES.items()}


def _is_package_init(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def test_every_import_follows_the_layers() -> None:
    wrong = []
    for module, targets in GRAPH.items():
        layer = _layer(module)
        for target in targets:
            other = _layer(target)
            if other != layer and other not in ALLOWED[layer]:
                wrong.append(f"{module} ({layer}) imports {target} ({other})")
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(sorted(wrong))


#: The two web apps inside ``intake/``: each blueprint package may use the shared plumbing of
#: ``intake/`` but never the other app's views (docs/architecture.md).
BLUEPRINT_PACKAGES = ("alliance_portal.intake.form", "alliance_portal.intake.office")


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_form_and_the_console_do_not_import_each_other() -> None:
    wrong = []
    for module, targets in GRAPH.items():
        for mine in BLUEPRINT_PACKAGES:
            if not _in_package(module, mine):
                continue
            for other in BLUEPRINT_PACKAGES:
                wrong += [
                    f"{module} imports {t}"
                    for t in targets
                    if other != mine and _in_package(t, other)
                ]
        if (
            _in_package(module, "alliance_portal.intake")
            and not any(_in_package(module, b) for b in BLUEPRINT_PACKAGES)
            and module != "alliance_portal.intake.app"
        ):
            # shared plumbing serves both apps and imports neither
            wrong += [
                f"{module} (shared plumbing) imports {t}"
                for t in targets
                if any(_in_package(t, b) for b in BLUEPRINT_PACKAGES)
            ]
    assert not wrong, "blueprint walls broken:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles() -> None:
    # A package's __init__ re-exporting its own modules is not a cycle worth breaking.
    graph = {
        module: {t for t in targets if not (_is_package_init(t) and module.startswith(t + "."))}
        for module, targets in GRAPH.items()
    }
    cycles: list[str] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*stack[stack.index(target) :], target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    cycles = [c for c in cycles if c not in PENDING_CYCLES]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_long_modules_say_why(module: str) -> None:
    path = MODULES[module]
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    if lines <= MAX_LINES or module in PENDING_SPLIT:
        return
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert "Why this module is long" in doc, (
        f"{path.relative_to(ROOT)} has {lines} lines (over {MAX_LINES}): split it, or say in its "
        "docstring under 'Why this module is long' why it stays whole"
    )


def test_the_layering_test_sees_a_wrong_import(tmp_path: Path) -> None:
    """The checker itself: an intake module importing the monitor is caught."""
    fake = ROOT / "alliance_portal" / "intake" / "views.py"
    source = tmp_path / "views.py"
    source.write_text("from monitor.crawl import run_crawl\n", encoding="utf-8")
    targets = _imports("alliance_portal.intake.views", source, MODULES)
    assert targets == {"monitor.crawl"}
    assert _layer("alliance_portal.intake.views") == "intake"
    assert "monitor" not in ALLOWED["intake"]
    assert fake.parent.is_dir()


#: What the monitor writes and the console reads (the month folder's file names, the status
#: words, the office's time zone), each written once in the registry layer (issue 18.3).
CONTRACT_MODULES = {
    "alliance_portal.registry.report_contract",
    "alliance_portal.registry.clock",
}
_CONTRACT_WORDS = ("report.json", "report.csv", "report.xlsx", "Asia/Taipei", "未通過", "待確認")
_CONTRACT_PREFIXES = ("snapshots/", "screenshots/", "notices/")


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module's code (docstrings are prose, not copies)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _contract_copies(module: str, path: Path) -> list[str]:
    found = []
    for line, text in _code_strings(path):
        words = [w for w in _CONTRACT_WORDS if w in text and text.strip() == w]
        if words or text.startswith(_CONTRACT_PREFIXES):
            found.append(f"{module}:{line} {text!r}")
    return found


def test_the_report_contract_is_written_once() -> None:
    copies = [
        copy
        for module, path in MODULES.items()
        if module not in CONTRACT_MODULES
        for copy in _contract_copies(module, path)
    ]
    assert not copies, (
        "a report file name, status word or the time zone written outside "
        "alliance_portal/registry/report_contract.py and clock.py:\n" + "\n".join(copies)
    )


def test_the_contract_check_sees_a_copy(tmp_path: Path) -> None:
    source = tmp_path / "copy.py"
    source.write_text(
        '"""report.json in a docstring is prose."""\n'
        'NAME = "report.json"\nSHOT = f"screenshots/{1}.png"\n',
        encoding="utf-8",
    )
    copies = _contract_copies("copy", source)
    assert copies == ["copy:2 'report.json'", "copy:3 'screenshots/'"]
