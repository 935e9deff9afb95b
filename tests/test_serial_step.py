"""``make test``'s two steps split the suite between them: no test runs in neither.

The parallel step deselects the tests marked ``serial`` (``-m "not serial"``); the serial step
collects only the files tests/support/serial.py names (``python -m tests.support.serial``) and
runs the ``serial`` ones. A test marked ``serial`` in any other file (a ``@pytest.mark.serial``
written on it, or a :data:`SERIAL_TESTS` entry the files miss) would be left out of both steps
without a word; these tests fail instead.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.browser import ROOT
from tests.support.serial import SERIAL_TESTS, is_serial, serial_files

#: Bound on one collection of the whole suite (25-80 s on CI's two busy cores).
COLLECT_TIMEOUT = 600.0


def _test_names(path: Path) -> set[str]:
    """The names of the module-level test functions and test classes of one test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name.lower().startswith("test")
    }


def _collect(*args: str) -> tuple[list[str], str]:
    """``pytest --collect-only -q`` from the repository: the node ids and the summary line."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COLLECT_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"pytest {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    lines = done.stdout.splitlines()
    ids = [line for line in lines if line.startswith("tests/") and "::" in line]
    summary = next((line for line in lines if "collected" in line), "")
    return ids, summary


def test_every_serial_entry_names_a_test_file_and_a_test_in_it() -> None:
    for entry in sorted(SERIAL_TESTS):
        file, _, test = entry.partition("::")
        path = ROOT / file
        assert path.is_file(), f"SERIAL_TESTS names {file}, which does not exist: fix the entry"
        if test:
            assert test in _test_names(path), (
                f"SERIAL_TESTS names {test}, which {file} does not define: fix the entry"
            )


def test_only_a_file_the_serial_step_collects_can_hold_a_serial_test() -> None:
    files = set(serial_files())
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        file = path.relative_to(ROOT).as_posix()
        for name in _test_names(path):
            for nodeid in (f"{file}::{name}", f"{file}::{name}[case]"):
                assert not is_serial(nodeid) or file in files, nodeid


def test_make_test_runs_every_test_but_the_serial_ones_then_the_serial_files(
    tmp_path: Path,
) -> None:
    """``make test``'s real recipe with ``PY`` standing in for Python: it records each command
    and prints the serial files (the real helper's answer) but runs no test."""
    log = tmp_path / "commands.jsonl"
    stub = tmp_path / "python"
    stub.write_text(
        f"#!{sys.executable}\n"
        "import json, subprocess, sys\n"
        f"with open({str(log)!r}, 'a', encoding='utf-8') as f:\n"
        "    f.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "if sys.argv[1:3] == ['-m', 'tests.support.serial']:\n"
        f"    sys.exit(subprocess.run([{sys.executable!r}, *sys.argv[1:]]).returncode)\n",
        encoding="utf-8",
    )
    stub.chmod(0o755)
    done = subprocess.run(
        ["make", "--no-print-directory", "-o", "dev", "test", f"PY={stub}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    commands = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    pytests = [c[2:] for c in commands if c[:2] == ["-m", "pytest"]]
    assert len(pytests) == 2, commands
    parallel, serial = pytests
    assert parallel[parallel.index("-m") + 1] == "not serial"
    assert not [a for a in parallel if a.startswith("tests")], parallel  # the whole suite
    assert serial[serial.index("-m") + 1] == "serial"
    assert [a for a in serial if a.startswith("tests")] == serial_files()


def test_every_test_marked_serial_is_in_the_files_the_serial_step_collects() -> None:
    """The whole suite's ``serial`` tests, which the parallel step's ``-m "not serial"``
    deselects, are exactly the ones the serial step collects from its files; every entry picks
    at least one."""
    everywhere, summary = _collect("-m", "serial")
    in_files, _ = _collect("-m", "serial", *serial_files())
    assert everywhere, summary
    assert f"{len(everywhere)}/" in summary, summary  # "16/1752 tests collected (... deselected)"
    missed = sorted(set(everywhere) - set(in_files))
    assert not missed, f"marked serial outside tests/support/serial.py's files: {missed}"
    assert sorted(everywhere) == sorted(in_files)
    assert all(is_serial(nodeid) for nodeid in everywhere)
    for entry in SERIAL_TESTS:
        picked = [n for n in everywhere if entry in (n.split("[", 1)[0], n.split("::", 1)[0])]
        assert picked, f"no collected test is {entry}"
