"""The error tree (issue 18.4): one root, and one place that turns an error into a line and an
exit code (``alliance_portal.cli.main``)."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from alliance_portal import cli
from alliance_portal.registry.errors import EXIT_BUG, AllianceError, UsageError

ROOT = Path(__file__).resolve().parent.parent

#: Exceptions that steer control flow inside their module and never reach a person
#: (registry/errors.py says why they are outside the tree).
INTERNAL = {
    "monitor.fetching.page_waits.DomTooLarge",
    "monitor.fetching.browser_page.PageCrashed",
    "monitor.fetching.errors.Attempt",
    "monitor.fetching.guard.BlockedAddress",
    "monitor.fetching.guard.BlockedConnectionError",
    "monitor.fetching.wire.HeadersCut",
    "monitor.visit_context.Stopped",
}


def _exception_classes() -> list[str]:
    """Every class in the packages whose bases name an Exception/Error (by the source)."""
    found = []
    for package in ("alliance_portal", "monitor"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                    ast.unparse(b).endswith(("Error", "Exception", "Rejected", "Fault"))
                    for b in node.bases
                ):
                    found.append(f"{module}.{node.name}")
    return found


def test_every_error_class_has_the_one_root() -> None:
    import importlib

    outside = []
    for dotted in _exception_classes():
        module, _, name = dotted.rpartition(".")
        if dotted in INTERNAL or name.startswith("_"):
            continue
        cls = getattr(importlib.import_module(module), name)
        if not issubclass(cls, AllianceError):
            outside.append(dotted)
    assert not outside, "error classes outside alliance_portal.registry.errors:\n" + "\n".join(
        outside
    )


def _run_raising(monkeypatch: pytest.MonkeyPatch, exc: BaseException, *argv: str) -> int:
    def boom(args: argparse.Namespace) -> int:
        raise exc

    parser = argparse.ArgumentParser(prog="alliance")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(func=boom)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    return cli.main(list(argv))


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UsageError("monitor.toml: [crawl] timeout must be a number"), 2),
        (AllianceError("var/monitor.sqlite3 is damaged; restore a backup"), 1),
        (PermissionError(13, "Permission denied", "reports/2026-05/index.html"), 1),
    ],
)
def test_an_error_is_one_line_and_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], exc: Exception, code: int
) -> None:
    assert _run_raising(monkeypatch, exc) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert str(exc) in err


def test_a_bug_is_one_line_without_traceback_and_v_shows_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run_raising(monkeypatch, KeyError("slug")) == EXIT_BUG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "KeyError" in err and "-v" in err
    with pytest.raises(KeyError):
        _run_raising(monkeypatch, KeyError("slug"), "-v")


def test_a_real_command_with_bad_settings_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "monitor.toml"
    bad.write_text("[crawl]\ntimeout = 'soon'\n", encoding="utf-8")
    assert cli.main(["crawl", "--config", str(bad), "--db", str(tmp_path / "m.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "timeout" in err and str(bad) in err


def _error_lines_written_by_hand(path: Path) -> list[str]:
    """Where ``path`` spells an ``error:`` line itself, or stops with ``SystemExit("...")``.

    A string or f-string whose text starts with ``error:`` is a second copy of the one shape
    (:func:`alliance_portal.registry.errors.error_line`); ``SystemExit`` with a message prints
    it without the exit code its error class carries.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            text = node.value
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
        if text is not None and text.lstrip().lower().startswith("error:"):
            found.append(f"{path.name}:{node.lineno}: {text.strip()[:40]!r}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "SystemExit"
            and any(
                isinstance(a, ast.JoinedStr)
                or (isinstance(a, ast.Constant) and isinstance(a.value, str))
                for a in node.args
            )
        ):
            found.append(f"{path.name}:{node.lineno}: SystemExit with a message")
    return found


def test_commands_never_write_an_error_line_themselves() -> None:
    """Issue 18.4: the command line prints ``error:`` in one place; commands raise an
    AllianceError, or report one item of several through ``options.report_problem``."""
    package = ROOT / "alliance_portal"
    files = [package / "cli.py", *(package / "commands").glob("*.py")]
    found = [hit for path in sorted(files) for hit in _error_lines_written_by_hand(path)]
    assert not found, "raise an AllianceError or use report_problem:\n" + "\n".join(found)


def test_the_check_finds_a_hand_written_error_line(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sys\n\n\ndef run(exc):\n"
        '    print(f"error: {exc}", file=sys.stderr)\n'
        '    print("Error: no profiles")\n'
        '    raise SystemExit(f"stopped: {exc}")\n',
        encoding="utf-8",
    )
    assert sorted(hit.split(": ", 1)[0] for hit in _error_lines_written_by_hand(sample)) == [
        "sample.py:5",
        "sample.py:6",
        "sample.py:7",
    ]
