"""Helpers shared by the intake tests (no tests here): registries, banners, apps, sign-in."""

from __future__ import annotations

import dataclasses
import io
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from alliance_portal.intake import IntakeConfig, create_app
from alliance_portal.intake.services import EXTENSION_KEY, IntakeServices
from alliance_portal.registry.profiles import dump_profile

SECRET = b"test-secret-" + b"x" * 40

PROFILES: dict[str, dict[str, Any]] = {
    "smart-motor": {
        "name": "智慧馬達產學聯盟",
        "name_en": "Smart Motor Alliance",
        "university": "範例大學",
        "industry": "mechatronics",
        "website": "https://motor.example.edu.tw/",
        "contact_email": "motor@example.edu.tw",
        "intro": "馬達控制與驅動。",
    },
    "green-chem": {
        "name": "綠色化學產學聯盟",
        "university": "範例科大",
        "industry": "chemistry",
        "website": "https://chem.example.edu.tw/",
        "intro": "綠色製程。",
    },
}


def png_bytes(
    color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (222, 112)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def make_registry(
    root: Path, profiles: dict[str, dict[str, Any]] | None = None
) -> tuple[Path, Path, Path]:
    """content/, banners/ and var/ under ``root`` with the given profiles (default PROFILES)."""
    content, banners, var = root / "content", root / "banners", root / "var"
    (content / "alliances").mkdir(parents=True)
    banners.mkdir()
    var.mkdir()
    for slug, data in (PROFILES if profiles is None else profiles).items():
        (content / "alliances" / f"{slug}.toml").write_text(dump_profile(data), encoding="utf-8")
    return content, banners, var


def make_config(root: Path, **changes: Any) -> IntakeConfig:
    content, banners, var = make_registry(root)
    config = IntakeConfig(
        content_dir=content,
        banners_dir=banners,
        var_dir=var,
        secret=SECRET,
        flask_overrides={"TESTING": True},
    )
    return dataclasses.replace(config, **changes)


def services_of(app: Any) -> IntakeServices:
    found: IntakeServices = app.extensions[EXTENSION_KEY]
    return found


_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: Any, app: Any, slug: str) -> str:
    """Trade a fresh personal link for a session; returns the form page's CSRF token."""
    token = services_of(app).signer.make_token(slug)
    resp = client.get(f"/link/{token}")
    assert resp.status_code == 303, resp.get_data(as_text=True)
    page = client.get("/alliance/")
    assert page.status_code == 200
    return csrf_of(page.get_data(as_text=True))


def profile_form(slug: str, **changes: str) -> dict[str, str]:
    data = {k: str(v) for k, v in PROFILES[slug].items()}
    data.update(changes)
    return data


class CountingBuild:
    """A real build stand-in: records each call and can be held until released."""

    def __init__(self, action: Callable[[], object] | None = None) -> None:
        self.calls = 0
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()
        self.action = action
        self._lock = threading.Lock()

    def __call__(self) -> object:
        with self._lock:
            self.calls += 1
        self.started.set()
        assert self.hold.wait(30), "build held for too long"
        return self.action() if self.action else None


@contextmanager
def app_for(config: IntakeConfig) -> Iterator[Any]:
    app = create_app(config)
    try:
        yield app
    finally:
        services_of(app).rebuilder.close()


@contextmanager
def running_server(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """The app under a real waitress server on a free loopback port; yields its base URL."""
    from alliance_portal.intake.server import BackgroundServer

    server = BackgroundServer(app, host, 0).start()
    try:
        yield server.url
    finally:
        server.stop()
