"""The signed-in person is read once per request and kept in ``flask.g`` (issue 18.5): the
decorator, the view and the templates ask again, the session store and the people file do not
answer again."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_intake_support import app_for, make_config, sign_in

from alliance_portal.intake.links import LinkSigner, LinkVersions
from alliance_portal.intake.sessions import EndedSessions


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each store behind a sign-in is read (every call counted, the answer kept)."""
    counts: Counter[str] = Counter()
    for cls, name in (
        (LinkVersions, "current"),
        (LinkSigner, "person_valid"),
        (EndedSessions, "is_ended"),
    ):
        original = getattr(cls, name)

        def counted(self: Any, *args: Any, _original: Any = original, _name: str = name) -> Any:
            counts[_name] += 1
            return _original(self, *args)

        monkeypatch.setattr(cls, name, counted)
    return counts


def test_an_alliance_page_reads_the_sign_in_once(tmp_path: Path, reads: Counter[str]) -> None:
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        sign_in(client, app, "smart-motor")
        for page in ("/alliance/", "/alliance/banner/current.png", "/"):
            reads.clear()
            resp = client.get(page, follow_redirects=False)
            assert resp.status_code in (200, 302, 303, 404), page
            assert reads == Counter(current=1, person_valid=1, is_ended=1), page
