"""Two people saving the same alliance at once, against a real waitress server on loopback."""

from __future__ import annotations

import threading
from pathlib import Path

import requests
from test_intake_support import (
    app_for,
    csrf_of,
    make_config,
    png_bytes,
    profile_form,
    running_server,
    services_of,
)

from alliance_portal.registry.banner_rules import check_banner_bytes, check_banner_file, clean_png

TIMEOUT = 20


def open_session(base: str, token: str) -> tuple[requests.Session, str]:
    s = requests.Session()
    resp = s.get(f"{base}/link/{token}", timeout=TIMEOUT)
    assert resp.status_code == 200 and resp.url.endswith("/alliance/")
    return s, csrf_of(resp.text)


def test_two_concurrent_banner_uploads_keep_both_and_never_expose_a_partial_file(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path)
    target = tmp_path / "banners" / "smart-motor.png"
    original = clean_png(png_bytes((0, 0, 0)))
    target.write_bytes(original)
    colours = [(255, 0, 0), (0, 0, 255)]
    uploads = [png_bytes(c) for c in colours]
    with app_for(config) as app, running_server(app) as base:
        signer = services_of(app).signer
        sessions = [open_session(base, signer.make_token("smart-motor")) for _ in uploads]
        for (s, csrf), data in zip(sessions, uploads, strict=True):
            resp = s.post(
                f"{base}/alliance/banner",
                data={"csrf_token": csrf},
                files={"banner": ("b.png", data, "image/png")},
                timeout=TIMEOUT,
            )
            assert resp.status_code == 200 and "/alliance/banner/preview" in resp.url

        barrier = threading.Barrier(len(sessions) + 1)
        results: list[int] = []
        bad_reads: list[str] = []
        stop = threading.Event()

        def confirm(s: requests.Session, csrf: str) -> None:
            barrier.wait(10)
            r = s.post(
                f"{base}/alliance/banner/confirm", data={"csrf_token": csrf}, timeout=TIMEOUT
            )
            results.append(r.status_code)

        def reader() -> None:
            barrier.wait(10)
            for _ in range(2000):  # bounded; stops early once both saves are done
                if stop.is_set():
                    break
                data = target.read_bytes()
                if not check_banner_bytes(data).ok:
                    bad_reads.append(f"{len(data)} bytes")

        threads = [threading.Thread(target=confirm, args=sc) for sc in sessions]
        threads.append(threading.Thread(target=reader))
        for t in threads:
            t.start()
        for t in threads[:-1]:
            t.join(TIMEOUT)
        stop.set()
        threads[-1].join(TIMEOUT)

        assert results == [200, 200]  # both redirected to the form
        assert bad_reads == []
        store = services_of(app).store
        versions = [v for v in store.versions("smart-motor") if v.kind == "banner"]
        cleaned = {clean_png(d) for d in uploads}
        current = target.read_bytes()
        assert current in cleaned and check_banner_file(target).ok
        # History: the original, then whichever upload was saved first; current is the other.
        history = [v.path.read_bytes() for v in versions if not v.current]
        assert history[0] == original
        assert set(history[1:]) | {current} == cleaned and len(history) == 2
        saves = [e for e in services_of(app).audit.entries() if e.action == "banner.save"]
        assert len(saves) == 2 and saves[-1].sha256 == versions[-1].sha256
        assert {e.remote_addr for e in saves} == {"127.0.0.1"}
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_two_concurrent_profile_saves_both_land_in_history(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    path = tmp_path / "content" / "alliances" / "green-chem.toml"
    with app_for(config) as app, running_server(app) as base:
        signer = services_of(app).signer
        sessions = [open_session(base, signer.make_token("green-chem")) for _ in range(2)]
        barrier = threading.Barrier(2)
        codes: list[int] = []

        def save(s: requests.Session, csrf: str, pi: str) -> None:
            barrier.wait(10)
            form = {"csrf_token": csrf, **profile_form("green-chem", pi=pi)}
            codes.append(s.post(f"{base}/alliance/profile", data=form, timeout=TIMEOUT).status_code)

        threads = [
            threading.Thread(target=save, args=(*sc, pi))
            for sc, pi in zip(sessions, ("甲教授", "乙教授"), strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        assert codes == [200, 200]
        store = services_of(app).store
        profiles = [v for v in store.versions("green-chem") if v.kind == "profile"]
        texts = [v.path.read_text(encoding="utf-8") for v in profiles]
        assert len(profiles) == 3  # the original, the first save, the current second save
        assert "pi" not in texts[0]
        assert {("甲教授" in t, "乙教授" in t) for t in texts[1:]} == {(True, False), (False, True)}
        assert path.read_text(encoding="utf-8") == texts[-1]
