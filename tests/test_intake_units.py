"""The intake's building blocks on real files: links, secret, rate limits, audit, rebuilds, storage."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import threading
import time
import tomllib
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from test_intake_support import PROFILES, SECRET, CountingBuild, make_registry, png_bytes

from alliance_portal.intake.admin_password import (
    PasswordError,
    check_password,
    password_fingerprint,
    set_password,
)
from alliance_portal.intake.config import SECRET_ENV, RateLimit
from alliance_portal.intake.links import LINK_SALT, LinkError, LinkSigner, LinkVersions
from alliance_portal.intake.ratelimit import RateLimiter
from alliance_portal.intake.rebuild import RebuildCoordinator
from alliance_portal.intake.secret_key import SecretError, ensure_secret, load_secret
from alliance_portal.intake.storage import AllianceStore, StorageError
from alliance_portal.registry.audit import AuditLog, sha256_hex
from alliance_portal.registry.banner_rules import check_banner_file

DAY = dt.timedelta(days=1)


# -- links ---------------------------------------------------------------------------------
def signer(tmp_path: Path, max_age: dt.timedelta = DAY) -> LinkSigner:
    return LinkSigner(SECRET, LinkVersions(tmp_path / "links.json"), max_age)


def test_link_round_trip_names_the_alliance(tmp_path: Path) -> None:
    s = signer(tmp_path)
    token = s.make_token("smart-motor")
    assert s.verify(token) == ("smart-motor", 1)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),
        lambda t: t[5:],
        lambda t: "x",
    ],
)
def test_tampered_link_is_bad(tmp_path: Path, mangle) -> None:  # type: ignore[no-untyped-def]
    s = signer(tmp_path)
    with pytest.raises(LinkError) as err:
        s.verify(mangle(s.make_token("smart-motor")))
    assert err.value.kind == "bad"


def test_link_signed_with_another_secret_is_bad(tmp_path: Path) -> None:
    other = LinkSigner(b"another-secret-" + b"y" * 40, LinkVersions(tmp_path / "l.json"), DAY)
    with pytest.raises(LinkError) as err:
        signer(tmp_path).verify(other.make_token("smart-motor"))
    assert err.value.kind == "bad"


def test_expired_link_says_expired_and_names_the_alliance(tmp_path: Path) -> None:
    s = signer(tmp_path)
    s.versions.issue("smart-motor")
    old = URLSafeTimedSerializer(SECRET, salt=LINK_SALT)
    # A token signed two days ago (itsdangerous takes the time from its signer's clock).
    old_signer = old.make_signer(LINK_SALT)
    old_signer.get_timestamp = lambda: int(time.time()) - 2 * 86400  # type: ignore[method-assign]
    payload = old.dump_payload({"s": "smart-motor", "v": 1})
    token = old_signer.sign(payload).decode()
    with pytest.raises(LinkError) as err:
        s.verify(token)
    assert (err.value.kind, err.value.slug) == ("expired", "smart-motor")


def test_revoke_kills_old_links_only_for_that_alliance(tmp_path: Path) -> None:
    s = signer(tmp_path)
    motor, chem = s.make_token("smart-motor"), s.make_token("green-chem")
    assert s.versions.revoke("smart-motor") == 2
    with pytest.raises(LinkError) as err:
        s.verify(motor)
    assert (err.value.kind, err.value.slug) == ("revoked", "smart-motor")
    assert s.verify(chem) == ("green-chem", 1)
    assert s.verify(s.make_token("smart-motor")) == ("smart-motor", 2)


def test_link_for_never_issued_alliance_is_refused(tmp_path: Path) -> None:
    forged_elsewhere = URLSafeTimedSerializer(SECRET, salt=LINK_SALT).dumps({"s": "x", "v": 1})
    with pytest.raises(LinkError):
        signer(tmp_path).verify(forged_elsewhere)


# -- secret --------------------------------------------------------------------------------
def test_secret_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "intake-secret"
    secret, created = ensure_secret(path, env={})
    assert created and len(secret) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secret(path, env={}) == (secret, False)
    assert load_secret(path, env={}) == secret


def test_secret_from_environment_wins(tmp_path: Path) -> None:
    value = "e" * 40
    assert load_secret(tmp_path / "missing", env={SECRET_ENV: value}) == value.encode()
    assert ensure_secret(tmp_path / "missing", env={SECRET_ENV: value}) == (value.encode(), False)
    assert not (tmp_path / "missing").exists()


def test_secret_problems_are_explained(tmp_path: Path) -> None:
    path = tmp_path / "intake-secret"
    with pytest.raises(SecretError, match="intake links"):
        load_secret(path, env={})
    path.write_text("short")
    path.chmod(0o600)
    with pytest.raises(SecretError, match="at least 32"):
        load_secret(path, env={})
    path.write_text("z" * 40)
    path.chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        load_secret(path, env={})
    with pytest.raises(SecretError, match=SECRET_ENV):
        load_secret(path, env={SECRET_ENV: "tiny"})


# -- office password -----------------------------------------------------------------------
def test_admin_password_is_stored_hashed(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    assert not check_password(path, "")  # nothing set: nobody gets in
    set_password(path, "correct horse battery")
    assert "correct horse battery" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert check_password(path, "correct horse battery")
    assert not check_password(path, "correct horse batterY")
    before = password_fingerprint(path)
    set_password(path, "another long password")
    assert password_fingerprint(path) != before
    with pytest.raises(PasswordError, match="at least 12"):
        set_password(path, "short")


# -- rate limits ---------------------------------------------------------------------------
def test_rate_limit_counts_per_bucket_and_resets(tmp_path: Path) -> None:
    limiter = RateLimiter(tmp_path / "rl.sqlite3")
    limit = RateLimit(3, 60)
    now = 1_000_020.0
    assert [limiter.hit("a", limit, now=now) for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("a", limit, now=now) > 0
    assert limiter.over("a", limit, now=now) > 0
    assert limiter.hit("b", limit, now=now) == 0  # other buckets are independent
    # Shared through the file: a second limiter (another process) sees the same counts.
    assert RateLimiter(tmp_path / "rl.sqlite3").over("a", limit, now=now) > 0
    assert limiter.hit("a", limit, now=now + 60) == 0  # next window


# -- audit log -----------------------------------------------------------------------------
def test_audit_log_appends_complete_lines_and_skips_a_torn_one(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record(actor="alliance:a", action="profile.save", slug="a", sha256="1" * 64)
    log.record(actor="office", action="banner.restore", slug="b", remote_addr="127.0.0.1")
    with (tmp_path / "audit.jsonl").open("a") as fh:
        fh.write('{"time": "2026')  # a crash mid-write
    entries = list(log.entries())
    assert [(e.slug, e.action) for e in entries] == [("a", "profile.save"), ("b", "banner.restore")]
    assert json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[0])["sha256"] == "1" * 64
    assert set(log.last_change_by_slug()) == {"a", "b"}


# -- rebuild coordinator -------------------------------------------------------------------
def test_rebuild_coalesces_a_burst_into_one_more_build() -> None:
    build = CountingBuild()
    build.hold.clear()
    coord = RebuildCoordinator(build)
    try:
        first = coord.request()
        assert build.started.wait(10)
        burst = [coord.request() for _ in range(5)]  # all arrive while build 1 runs
        assert coord.status(burst[-1]) == "building"
        build.hold.set()
        assert coord.wait(burst[-1], 30) == "live"
        assert coord.status(first) == "live"
        assert build.calls == 2
    finally:
        coord.close()


def test_rebuild_runs_one_build_at_a_time() -> None:
    running = 0
    peak = 0
    guard = threading.Lock()

    def slow() -> None:
        nonlocal running, peak
        with guard:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with guard:
            running -= 1

    coord = RebuildCoordinator(slow)
    try:
        threads = [threading.Thread(target=coord.request) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert coord.wait(8, 30) == "live"
        assert peak == 1
    finally:
        coord.close()


def test_failed_rebuild_is_reported_and_the_next_save_retries() -> None:
    outcomes = [RuntimeError("pelican exploded"), None]

    def flaky() -> None:
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome

    coord = RebuildCoordinator(flaky)
    try:
        gen = coord.request()
        assert coord.wait(gen, 30) == "failed"
        assert "pelican exploded" in coord.last_error
        gen2 = coord.request()
        assert coord.wait(gen2, 30) == "live"
        assert coord.status(gen) == "live"  # the later full build published it too
    finally:
        coord.close()


def test_rebuild_disabled_without_a_build_function() -> None:
    coord = RebuildCoordinator(None)
    assert coord.status(coord.request()) == "disabled"


# -- storage -------------------------------------------------------------------------------
def store_in(tmp_path: Path) -> AllianceStore:
    content, banners, var = make_registry(tmp_path)
    return AllianceStore(content, banners, var_dir=var, audit=AuditLog(var / "audit.jsonl"))


def test_profile_save_keeps_history_and_audits(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    path = store.profile_path("smart-motor")
    before = path.read_bytes()
    fields = {k: str(v) for k, v in PROFILES["smart-motor"].items()} | {"intro": "新的簡介"}
    outcome = store.save_profile(
        "smart-motor", fields, actor="alliance:smart-motor", remote_addr="127.0.0.9"
    )
    assert outcome.changed and not outcome.problems
    assert tomllib.loads(path.read_text())["intro"] == "新的簡介"
    history = list(store.history_dir("profile", "smart-motor").glob("*.toml"))
    assert [h.read_bytes() for h in history] == [before]
    entry = list(store.audit.entries())[-1]
    assert (entry.actor, entry.action, entry.remote_addr) == (
        "alliance:smart-motor",
        "profile.save",
        "127.0.0.9",
    )
    assert entry.sha256 == sha256_hex(path.read_bytes())
    assert entry.file == "content/alliances/smart-motor.toml"
    # Saving the same values again writes nothing and adds no version.
    again = store.save_profile("smart-motor", fields, actor="x")
    assert not again.changed
    assert len(list(store.history_dir("profile", "smart-motor").glob("*.toml"))) == 1


def test_profile_save_keeps_keys_the_form_does_not_edit(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    path = store.profile_path("green-chem")
    path.write_text(path.read_text() + "active = false\n")
    fields = {k: str(v) for k, v in PROFILES["green-chem"].items()} | {"pi": "王教授"}
    assert store.save_profile("green-chem", fields, actor="x").changed
    saved = tomllib.loads(path.read_text())
    assert saved["active"] is False and saved["pi"] == "王教授"


def test_invalid_profile_writes_nothing(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    path = store.profile_path("smart-motor")
    before = path.read_bytes()
    fields = {k: str(v) for k, v in PROFILES["smart-motor"].items()} | {
        "website": "motor.example",
        "name": "",
    }
    outcome = store.save_profile("smart-motor", fields, actor="x")
    assert {p.field for p in outcome.problems} == {"website", "name"}
    assert path.read_bytes() == before
    assert not store.history_dir("profile", "smart-motor").exists()
    assert list(store.audit.entries()) == []


def test_slug_never_becomes_a_path_outside_the_registry(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    for bad in ("../var/x", "a/b", "UPPER", ""):
        with pytest.raises(StorageError):
            store.profile_path(bad)


def test_banner_stage_confirm_restore(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    red, blue = png_bytes((255, 0, 0)), png_bytes((0, 0, 255))
    pending, report = store.stage_banner("smart-motor", red)
    assert pending is not None and report.ok and (pending.width, pending.height) == (222, 112)
    assert pending.path.parent == tmp_path / "var" / "intake-pending" / "smart-motor"
    store.confirm_banner("smart-motor", pending.key, actor="a")
    assert not pending.path.exists()
    first = store.banner_path("smart-motor").read_bytes()
    pending2, _ = store.stage_banner("smart-motor", blue)
    assert pending2 is not None
    store.confirm_banner("smart-motor", pending2.key, actor="a")
    versions = [v for v in store.versions("smart-motor") if v.kind == "banner"]
    assert [v.current for v in versions] == [False, True]
    assert versions[0].path.read_bytes() == first
    store.restore("smart-motor", versions[0].name, actor="cli:office")
    assert store.banner_path("smart-motor").read_bytes() == first
    assert check_banner_file(store.banner_path("smart-motor")).ok
    assert len([v for v in store.versions("smart-motor") if v.kind == "banner"]) == 3
    last = list(store.audit.entries())[-1]
    assert (last.action, last.detail) == ("banner.restore", f"restored {versions[0].name}")


def test_bad_upload_is_not_staged(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    pending, report = store.stage_banner("smart-motor", png_bytes(size=(444, 224)))
    assert pending is None and not report.ok
    assert not (tmp_path / "var" / "intake-pending").exists()


def test_pending_key_from_elsewhere_is_refused(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    with pytest.raises(StorageError, match="upload the banner again"):
        store.confirm_banner("smart-motor", "../../../../etc/passwd", actor="a")
    with pytest.raises(StorageError):
        store.confirm_banner("smart-motor", "A" * 32, actor="a")


def test_restore_profile_and_unknown_version(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    original = store.profile_path("smart-motor").read_bytes()
    fields = {k: str(v) for k, v in PROFILES["smart-motor"].items()} | {"pi": "新主持人"}
    store.save_profile("smart-motor", fields, actor="x")
    (old,) = [v for v in store.versions("smart-motor") if v.kind == "profile" and not v.current]
    store.restore("smart-motor", old.path.stem, actor="cli:x")  # name without suffix works
    assert store.profile_path("smart-motor").read_bytes() == original
    with pytest.raises(StorageError, match="intake history smart-motor"):
        store.restore("smart-motor", "20000101T000000Z", actor="x")


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    pending, _ = store.stage_banner("green-chem", png_bytes())
    assert pending is not None
    store.confirm_banner("green-chem", pending.key, actor="a")
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    assert [p for p in os.listdir(tmp_path / "banners") if not p.startswith(".")] == [
        "green-chem.png"
    ]
