"""What the office and the alliances met walking through a programme year as the office guide
describes it (docs/guide-office.md), each fixed and kept fixed here."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from test_intake_support import (
    CountingBuild,
    app_for,
    make_config,
    running_server,
    services_of,
)


@pytest.mark.browser
def test_a_save_never_says_the_portal_is_updating_when_the_office_publishes_by_hand(
    tmp_path: Path, page: Any
) -> None:
    """With hand publishing (the demo, ``[publish]`` without ``auto``), the build after a save
    is only the office's preview: while it runs, the PI must read that the change waits for
    the office's publication, never "the portal is being updated, about a minute"."""
    build = CountingBuild()
    build.hold.clear()
    config = dataclasses.replace(make_config(tmp_path, rebuild=build), rebuild_is_public=False)
    with app_for(config) as app, running_server(app) as url:
        token = services_of(app).signer.make_token("smart-motor")
        page.goto(f"{url}/link/{token}")
        page.locator("#f-pi").fill("李國維")
        page.get_by_role("button", name="儲存基本資料 Save profile").click()
        assert build.started.wait(10)
        told = page.locator("#publish-status").inner_text()
        build.hold.set()
        assert services_of(app).rebuilder.wait(1, 30) == "built"
    assert "入口網正在更新" not in told and "being updated" not in told
    assert "計畫辦公室下次發布入口網後" in told and "next publishes" in told
