"""``alliance banner check FILE...``: one line per file, exit 1 if any fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from alliance_portal.cli import main


def write_png(path: Path, size: tuple[int, int] = (222, 112), **save: object) -> Path:
    Image.new("RGB", size, (20, 90, 160)).save(path, "PNG", **save)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "an editor")
    jpeg = tmp_path / "photo.png"
    Image.new("RGB", (222, 112)).save(jpeg, "JPEG")
    broken = tmp_path / "cut.png"
    broken.write_bytes(write_png(tmp_path / "whole.png").read_bytes()[:60])
    return {
        "good": write_png(tmp_path / "good.png"),
        "meta": write_png(tmp_path / "meta.png", pnginfo=info),
        "double": write_png(tmp_path / "double.png", (444, 224)),
        "jpeg": jpeg,
        "cut": broken,
    }


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, list[str]]:
    code = main(["banner", "check", *map(str, argv)])
    return code, capsys.readouterr().out.splitlines()


def test_all_good_files_exit_0_with_one_ok_line_each(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, lines = run(capsys, files["good"], files["meta"])
    assert code == 0
    assert lines == [
        f"{files['good']}: OK 222x112 PNG (RGB 8-bit)",
        f"{files['meta']}: OK 222x112 PNG (RGB 8-bit); stored without tEXt",
    ]


def test_any_failure_exits_1_and_every_file_gets_its_reason(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.png"
    code, lines = run(
        capsys, files["good"], files["double"], files["jpeg"], files["cut"], missing, tmp_path
    )
    assert code == 1
    assert len(lines) == 6, lines
    good, double, jpeg, cut, gone, folder = lines
    assert good.endswith("OK 222x112 PNG (RGB 8-bit)")
    assert double.startswith(f"{files['double']}: FAIL ")
    assert "scale it to 50%" in double and "請縮放為 50%" in double
    assert "this is a JPEG file named .png: export it as PNG" in jpeg
    assert "cut off at byte 60" in cut and "不完整" in cut
    assert gone == f"{missing}: FAIL cannot be read: No such file or directory"
    assert folder == f"{tmp_path}: FAIL is a folder, not a file"


def test_max_bytes_option(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    size = files["good"].stat().st_size
    code, lines = run(capsys, "--max-bytes", str(size - 1), files["good"])
    assert code == 1
    assert f"the file is {size:,} bytes; the limit is {size - 1:,} bytes" in lines[0]


def test_console_command_runs_as_a_program(files: dict[str, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "alliance_portal.cli", "banner", "check", str(files["double"])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "444x224 is exactly 2 times the required size: scale it to 50%" in done.stdout


def test_missing_file_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["banner", "check"])
    assert stop.value.code == 2
    assert "FILE" in capsys.readouterr().err
