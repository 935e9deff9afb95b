"""``alliance intake ...`` commands on a registry in a temporary folder."""

from __future__ import annotations

import csv
import io
import stat
import sys
from pathlib import Path

import pytest
from test_intake_support import make_registry, png_bytes

from alliance_portal.cli import main
from alliance_portal.intake.admin_password import check_password
from alliance_portal.intake.config import LINK_MAX_AGE, SECRET_ENV
from alliance_portal.intake.links import LinkError, LinkSigner, LinkVersions
from alliance_portal.intake.secret_key import load_secret
from alliance_portal.registry.audit import AuditLog


@pytest.fixture
def reg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    make_registry(tmp_path)
    return tmp_path


def paths(root: Path) -> list[str]:
    return [
        "--content",
        str(root / "content"),
        "--banners",
        str(root / "banners"),
        "--var",
        str(root / "var"),
    ]


def signer(root: Path) -> LinkSigner:
    secret = load_secret(root / "var" / "intake-secret", env={})
    return LinkSigner(secret, LinkVersions(root / "var" / "intake-links.json"), LINK_MAX_AGE)


def test_links_creates_secret_and_prints_working_links(
    reg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["intake", "links", *paths(reg), "--base-url", "https://intake.example.tw/"]) == 0
    out = capsys.readouterr()
    assert "created a new intake secret" in out.out
    secret_file = reg / "var" / "intake-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    lines = [line for line in out.out.splitlines() if "\thttps://" in line]
    assert [line.split("\t")[0] for line in lines] == ["green-chem", "smart-motor"]
    for line in lines:
        slug, url = line.split("\t")
        assert url.startswith("https://intake.example.tw/link/")
        assert signer(reg).verify(url.rsplit("/", 1)[1])[0] == slug
    actions = [(e.action, e.slug) for e in AuditLog(reg / "var" / "intake-audit.jsonl").entries()]
    assert ("link.issue", "smart-motor") in actions


def test_links_csv_for_mail_merge(reg: Path) -> None:
    from alliance_portal.intake.people import People

    # The PI's link is paired with the PI's recorded address, never the profile's contact.
    People(reg / "var" / "intake-people.json").set_pi("smart-motor", "wang@example.edu.tw", by="t")
    out = reg / "links.csv"
    assert (
        main(
            [
                "intake",
                "links",
                *paths(reg),
                "smart-motor",
                "--base-url",
                "https://x.tw",
                "--csv",
                str(out),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0]["slug"] == "smart-motor" and rows[0]["name"] == "智慧馬達產學聯盟"
    assert rows[0]["pi_email"] == "wang@example.edu.tw" and "contact_email" not in rows[0]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_links_refuses_bad_input(reg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intake", "links", *paths(reg), "--base-url", "intake.example.tw"]) == 2
    assert "must start with https://" in capsys.readouterr().err
    # one line and exit 1 from alliance_portal.cli.main, no traceback (the error tree)
    assert main(["intake", "links", *paths(reg), "../etc", "--base-url", "https://x.tw"]) == 1
    err = capsys.readouterr().err
    assert "not a valid alliance slug" in err and err.count("\n") == 1


def test_revoke_invalidates_earlier_links(reg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["intake", "links", *paths(reg), "smart-motor", "--base-url", "https://x.tw"])
    old = capsys.readouterr().out.split("/link/")[1].split()[0]
    assert main(["intake", "revoke", *paths(reg), "smart-motor"]) == 0
    assert "version 2" in capsys.readouterr().out
    with pytest.raises(LinkError) as err:
        signer(reg).verify(old)
    assert err.value.kind == "revoked"


def test_set_admin_password_from_stdin(
    reg: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long office password\n"))
    assert main(["intake", "set-admin-password", *paths(reg), "--stdin"]) == 0
    assert check_password(reg / "var" / "intake-admin-password", "a long office password")
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["intake", "set-admin-password", *paths(reg), "--stdin"]) == 1
    assert "at least 12" in capsys.readouterr().err
    assert check_password(reg / "var" / "intake-admin-password", "a long office password")


def test_history_and_restore(reg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from alliance_portal.intake.storage import AllianceStore

    store = AllianceStore(
        reg / "content",
        reg / "banners",
        var_dir=reg / "var",
        audit=AuditLog(reg / "var" / "a.jsonl"),
    )
    for colour in ((1, 1, 1), (2, 2, 2)):
        pending, _ = store.stage_banner("smart-motor", png_bytes(colour))
        assert pending is not None
        store.confirm_banner("smart-motor", pending.key, actor="alliance:smart-motor")
    first_banner = next(
        v for v in store.versions("smart-motor") if v.kind == "banner"
    ).path.read_bytes()

    assert main(["intake", "history", *paths(reg), "smart-motor"]) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines() if line.startswith(("profile", "banner"))]
    assert [(cols[0], cols[1] == "current") for cols in lines] == [
        ("profile", True),
        ("banner", False),
        ("banner", True),
    ]
    version = lines[1][1]
    assert main(["intake", "restore", *paths(reg), "smart-motor", version]) == 0
    assert "restored banner" in capsys.readouterr().out
    assert (reg / "banners" / "smart-motor.png").read_bytes() == first_banner
    entry = list(AuditLog(reg / "var" / "intake-audit.jsonl").entries())[-1]
    assert entry.action == "banner.restore" and entry.actor.startswith("cli")

    assert main(["intake", "restore", *paths(reg), "smart-motor", "19990101T000000Z"]) == 1
    assert "no stored version" in capsys.readouterr().err


def test_serve_without_secret_explains(reg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intake", "serve", *paths(reg), "--port", "0"]) == 2
    assert "alliance intake links" in capsys.readouterr().err


def test_serve_takes_the_deadline_as_a_date(capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    from alliance_portal.cli import build_parser

    args = build_parser().parse_args(["intake", "serve", "--deadline", "2027-04-30"])
    assert args.deadline == dt.date(2027, 4, 30)
    assert build_parser().parse_args(["intake", "serve"]).deadline is None
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["intake", "serve", "--deadline", "30/4"])
    assert exc.value.code == 2
    assert "'30/4' is not a date; write it as YYYY-MM-DD" in capsys.readouterr().err
