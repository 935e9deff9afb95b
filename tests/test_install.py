"""Works from an install, not only a checkout (issue 18.6): a wheel installed into a fresh venv
builds the portal from another folder, with the theme from the package and the settings from
the office's folder; and ``alliance`` starts without loading what its command does not need.

Nothing is downloaded: the wheel is built without build isolation, installed with
``--no-index --no-deps``, and the fresh venv finds the dependencies in this venv's
site-packages through a ``.pth`` line (which does not run this checkout's editable finder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "output", "var", "reports", "build", "dist",
    "*.egg-info", "__pycache__", ".pytest_cache", "tests", "bench", "docs", "test-artifacts",
)  # fmt: skip


def _run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        cmd, cwd=cwd, env=clean | env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def _setuptools_is_new_enough() -> bool:
    try:
        from importlib.metadata import version

        return int(version("setuptools").split(".")[0]) >= 77
    except Exception:
        return False


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the project's wheel installed; returns its bin/ folder."""
    if not _setuptools_is_new_enough():
        pytest.skip("building the wheel needs setuptools>=77 here: pip install -e '.[dev]'")
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE)
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", str(src), "-w", str(work / "dist")],
        cwd=work,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("alliance_portal-*.whl")
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work
    ).stdout.strip()
    # the dependencies, from this venv (a plain path line: this checkout's editable finder stays off)
    Path(purelib, "_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    done = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        cwd=work,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return venv / "bin"


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """The office's folder: a registry and banners, no pelicanconf.py, far from the checkout."""
    folder = tmp_path / "office"
    shutil.copytree(ROOT / "content", folder / "content")
    shutil.copytree(ROOT / "banners", folder / "banners")
    return folder


def test_the_installed_package_is_the_wheel(installed: Path, office: Path) -> None:
    where = _run(
        [
            str(installed / "python"),
            "-c",
            "import alliance_portal; print(alliance_portal.__file__)",
        ],
        cwd=office,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.parent), where.stdout
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)


def test_an_installed_alliance_builds_the_portal_from_another_folder(
    installed: Path, office: Path
) -> None:
    result = _run([str(installed / "alliance"), "build"], cwd=office)
    assert result.returncode == 0, result.stdout + result.stderr
    home = (office / "output" / "index.html").read_text(encoding="utf-8")
    assert "產學小聯盟入口網" in home  # the built-in settings
    assert (office / "output" / "theme" / "css" / "portal.css").is_file()  # the package's theme
    assert (office / "output" / "pagefind").is_dir()


def test_the_offices_own_settings_are_read_from_its_folder(installed: Path, office: Path) -> None:
    """The office's pelicanconf.py (built-in settings imported, its industries' names changed)."""
    (office / "pelicanconf.py").write_text(
        "from alliance_portal.portal.pelicanconf import *  # noqa: F403\n"
        "INDUSTRIES = [(k, zh + '（辦公室）', en) for k, zh, en in INDUSTRIES]  # noqa: F405\n",
        encoding="utf-8",
    )
    result = _run([str(installed / "alliance"), "build", "--no-search"], cwd=office)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "資通訊（辦公室）" in (office / "output" / "index.html").read_text(encoding="utf-8")


def test_the_command_line_starts_without_what_its_command_does_not_need() -> None:
    """`alliance --help` and every command's parser load no Pillow, Flask, Pelican, scheduler
    or browser."""
    probe = (
        "import sys\n"
        "from alliance_portal import cli\n"
        "cli.build_parser()\n"
        "heavy = ('PIL', 'flask', 'pelican', 'playwright', 'openpyxl', 'lxml', 'bs4', 'requests',"
        " 'apscheduler')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    result = _run([sys.executable, "-c", probe], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
