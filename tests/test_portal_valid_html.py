"""Every generated page is valid HTML: the Nu Html Checker (vnu.jar from npm, run offline on
the built files) reports no error on the small registry's pages nor on the 200-alliance sample's."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from alliance_portal.portal.build import build_site
from tests.support.browser import ROOT
from tests.support.portal_fixtures import make_registry
from tests.support.search_sample import write_sample

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def nu_errors(*paths: Path) -> list[dict]:
    """Errors the Nu Html Checker reports for every .html file under ``paths``."""
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail(
            f"the Nu Html Checker needs java (apt-get install default-jre-headless) and {VNU} "
            "(npm ci; make test does both)"
        )
    proc = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json",
         *map(str, paths)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    return [m for m in json.loads(proc.stderr)["messages"] if m.get("type") == "error"]


def test_every_generated_page_is_valid_html(tmp_path):
    small, sample = tmp_path / "small", tmp_path / "sample"
    small.mkdir()
    sample.mkdir()
    content, banners = make_registry(small)
    build_site(content, banners, small / "output", search=False)
    content, banners = write_sample(sample, 200)
    for page in (ROOT / "content" / "pages").glob("*.md"):
        shutil.copy(page, content / "pages" / page.name)
    build_site(content, banners, sample / "output", search=False)
    pages = list((small / "output").rglob("*.html")) + list((sample / "output").rglob("*.html"))
    assert len(pages) > 400
    # A page known to be invalid proves the checker really read the files.
    control = tmp_path / "control" / "bad.html"
    control.parent.mkdir()
    control.write_text('<!DOCTYPE html><html lang="en"><title>x</title><form action=""></form>')
    errors = nu_errors(small / "output", sample / "output", control)
    assert [e for e in errors if not e["url"].endswith("/control/bad.html")] == []
    assert any("action" in e["message"] for e in errors)
