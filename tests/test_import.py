"""``alliance import FILE``: spreadsheets (CSV in UTF-8/Big5/UTF-16, XLSX) into profiles."""

from __future__ import annotations

import hashlib
import threading
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from alliance_portal.cli import main
from alliance_portal.registry.audit import AuditLog
from alliance_portal.registry.history import keep_previous_version, list_versions
from alliance_portal.registry.locking import file_lock
from alliance_portal.registry.profiles import load_registry

ZH_HEADER = "時間戳記,代號,聯盟名稱,學校,產業別,網站,主持人,Email,成立年度,簡介"
SMART = (
    "2026/1/5 10:00,smart-motor,智慧馬達聯盟,國立成功大學,機電材料,"
    'https://motor.example.edu.tw/,王大明,wang@example.edu.tw,110,"馬達控制\n與驅動"'
)
GREEN = (
    "2026/1/6 11:00,green-chem,綠色化學聯盟,國立清華大學,民生化工,https://green.example.edu.tw/,,,,"
)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with an empty content/alliances and no pelicanconf.py."""
    (tmp_path / "content" / "alliances").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    """Exit code and everything printed (an error that refuses the file is on stderr)."""
    code = main(["import", *map(str, argv)])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def profile(work: Path, slug: str) -> dict[str, object]:
    return tomllib.loads((work / "content" / "alliances" / f"{slug}.toml").read_text("utf-8"))


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_chinese_headers_in_utf8_csv_create_valid_profiles(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(work / "form.csv", [ZH_HEADER, SMART, GREEN])
    code, out = run(capsys, source)
    assert code == 0, out
    assert f"read {source} as UTF-8 with BOM" in out
    assert "ignored columns: '時間戳記'" in out
    assert "row 2 smart-motor: created" in out and "row 3 green-chem: created" in out
    assert "2 created, 0 updated, 0 unchanged, 0 failed" in out
    assert profile(work, "smart-motor") == {
        "name": "智慧馬達聯盟",
        "university": "國立成功大學",
        "industry": "mechatronics",
        "website": "https://motor.example.edu.tw/",
        "pi": "王大明",
        "intro": "馬達控制\n與驅動",
        "since": 2021,  # ROC year 110
        "contact_email": "wang@example.edu.tw",
    }
    result = load_registry(work / "content")
    assert result.errors == []
    assert [a.slug for a in result.alliances] == ["green-chem", "smart-motor"]


def test_big5_csv_from_excel_is_read_and_the_encoding_named(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(work / "excel.csv", [ZH_HEADER, SMART], encoding="cp950")
    code, out = run(capsys, source)
    assert code == 0, out
    assert "as cp950 (Big5" in out
    assert profile(work, "smart-motor")["name"] == "智慧馬達聯盟"


def test_utf16_tab_separated_text_is_read(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [line.replace(",", "\t") for line in (ZH_HEADER, GREEN)]
    source = write_csv(work / "unicode.txt", lines, encoding="utf-16")
    code, out = run(capsys, source)
    assert code == 0, out
    assert "UTF-16" in out
    assert profile(work, "green-chem")["university"] == "國立清華大學"


def test_text_in_no_known_encoding_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "bad.csv").write_bytes(b"slug,name\n\x81\xff,x\n")
    code, out = run(capsys, work / "bad.csv")
    assert code == 2
    assert "neither UTF-8 nor Big5" in out and "CSV UTF-8" in out


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名單"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_title_row_english_keys_and_row_numbers(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _xlsx(
        work / "list.xlsx",
        [
            ["114年度產學小聯盟名單"],
            ["Slug", "Name", "University", "Industry", "Website", "Active", "Since"],
            [
                "ai-vision",
                "智慧視覺聯盟",
                "國立臺灣大學",
                "ict",
                "https://vision.example/",
                True,
                2019,
            ],
            [None, None, None, None, None, None, None],
            ["bio-med", "生醫聯盟", "國立陽明交通大學", "生醫", "vision.example", "否", 2020.0],
            ["old-one", "舊聯盟", "大學", "Biomedicine", "https://old.example/", "否", "民國99年"],
        ],
    )
    code, out = run(capsys, source)
    assert code == 1
    assert "row 3 ai-vision: created" in out
    assert "row 5 bio-med: ERROR, not imported" in out
    assert "column 'Website' (website): 'vision.example' is not a website address" in out
    assert "row 6 old-one: created" in out
    assert not (work / "content" / "alliances" / "bio-med.toml").exists()
    assert profile(work, "ai-vision")["active"] is True
    assert profile(work, "ai-vision")["since"] == 2019
    assert profile(work, "old-one")["active"] is False
    assert profile(work, "old-one")["since"] == 2010
    assert profile(work, "old-one")["industry"] == "biomed"


def test_xlsx_sheet_option(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _xlsx(work / "list.xlsx", [["slug", "name"], ["a-b", "x"]])
    code, out = run(capsys, source, "--sheet", "missing")
    assert code == 2
    assert "no sheet named 'missing'; sheets: 名單" in out


def test_update_keeps_fields_left_empty_and_keeps_the_previous_version(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, write_csv(work / "a.csv", [ZH_HEADER, SMART]))
    original = (work / "content" / "alliances" / "smart-motor.toml").read_bytes()
    update = write_csv(
        work / "b.csv",
        ["代號,網站,主持人,簡介", "smart-motor,https://new.example.edu.tw/,,"],
    )
    code, out = run(capsys, update)
    assert code == 0, out
    assert "row 2 smart-motor: updated" in out
    assert "website: 'https://motor.example.edu.tw/' -> 'https://new.example.edu.tw/'" in out
    data = profile(work, "smart-motor")
    assert data["website"] == "https://new.example.edu.tw/"
    assert data["pi"] == "王大明" and data["intro"] == "馬達控制\n與驅動"
    kept = list_versions(work / "content" / ".history" / "smart-motor", ".toml")
    assert len(kept) == 1
    assert kept[0].read_bytes() == original
    # Paths are made absolute at start-up (issue 11 item 9), so messages name them in full.
    assert f"previous version kept as {kept[0]}" in out

    code, out = run(capsys, update)  # same data again: nothing to do
    assert "row 2 smart-motor: unchanged" in out
    assert len(list_versions(work / "content" / ".history" / "smart-motor", ".toml")) == 1


def test_written_profiles_are_in_the_audit_log_with_their_hash(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = AuditLog(work / "var" / "intake-audit.jsonl")
    run(capsys, write_csv(work / "a.csv", [ZH_HEADER, SMART]), "--dry-run")
    assert list(log.entries()) == []  # a dry run changes nothing, so records nothing
    run(capsys, write_csv(work / "a.csv", [ZH_HEADER, SMART, GREEN]))
    run(capsys, write_csv(work / "b.csv", ["slug,pi", "smart-motor,林小華", "green-chem,"]))
    entries = list(log.entries())
    assert [(e.action, e.slug, e.detail) for e in entries] == [
        ("profile.import", "smart-motor", "create from a.csv row 2"),
        ("profile.import", "green-chem", "create from a.csv row 3"),
        ("profile.import", "smart-motor", "update from b.csv row 2"),
    ]
    current = (work / "content" / "alliances" / "smart-motor.toml").read_bytes()
    assert entries[-1].sha256 == hashlib.sha256(current).hexdigest()
    assert entries[-1].file == "content/alliances/smart-motor.toml"
    assert entries[-1].actor.startswith("cli")


def test_dry_run_writes_nothing_and_shows_the_changes(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, write_csv(work / "a.csv", [ZH_HEADER, SMART]))
    before = snapshot(work / "content")
    changes = write_csv(
        work / "b.csv",
        ["slug,pi,industry", "smart-motor,林小華,資通訊", "new-one,某人,ict"],
    )
    code, out = run(capsys, changes, "--dry-run")
    assert snapshot(work / "content") == before
    assert "row 2 smart-motor: would update" in out
    assert "pi: '王大明' -> '林小華'" in out
    assert "industry: 'mechatronics' -> 'ict'" in out
    assert "row 3 new-one: ERROR" in out
    assert "name: required key is missing or empty; add a column 'name'" in out
    assert "(dry run: nothing was written)" in out
    assert code == 1


def test_rows_with_errors_are_skipped_and_the_others_written(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = "2026/1/7,bad-one,壞聯盟,某大學,石油,ftp://x.example/,,not-an-address,abc,"
    source = write_csv(work / "f.csv", [ZH_HEADER, SMART, bad, "x,Bad Slug,,,,,,,,", GREEN])
    code, out = run(capsys, source)
    assert code == 1
    assert "row 3 bad-one: ERROR, not imported" in out
    for phrase in (
        "column '產業別' (industry): '石油' is not in the industries list",
        "column '網站' (website): 'ftp://x.example/' is not a website address",
        "column 'Email' (contact_email): 'not-an-address' is not a valid e-mail address",
        "column '成立年度' (since): 'abc' is not a year",
        "row 4 Bad Slug: ERROR",
        "'Bad Slug' is not a valid slug",
        "did you mean 'bad-slug'?",
        "2 created, 0 updated, 0 unchanged, 2 failed",
    ):
        assert phrase in out
    assert sorted(p.name for p in (work / "content" / "alliances").iterdir()) == [
        "green-chem.toml",
        "smart-motor.toml",
    ]


def test_duplicate_slug_rows_are_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(work / "d.csv", [ZH_HEADER, SMART, SMART.replace("王大明", "另一人")])
    code, out = run(capsys, source)
    assert code == 1
    assert "row 3 smart-motor: ERROR" in out
    assert "slug 'smart-motor' already appears in row 2" in out
    assert profile(work, "smart-motor")["pi"] == "王大明"


def test_slug_column_option_and_missing_slug_column(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["英文簡稱,聯盟名稱,學校,產業別,網站", "ai-vision,視覺,臺大,ict,https://v.example/"]
    source = write_csv(work / "s.csv", lines)
    code, out = run(capsys, source)
    assert code == 2
    assert "no slug column" in out and "--slug-column" in out and "nothing was imported" in out
    code, out = run(capsys, source, "--slug-column", "英文簡稱")
    assert code == 0, out
    assert profile(work, "ai-vision")["name"] == "視覺"
    code, out = run(capsys, source, "--slug-column", "nope")
    assert code == 2 and "no column named 'nope'" in out


def test_a_refused_file_is_one_error_line_on_stderr(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["英文簡稱,聯盟名稱,學校,產業別,網站", "ai-vision,視覺,臺大,ict,https://v.example/"]
    source = write_csv(work / "s.csv", lines)
    assert main(["import", str(source)]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.count("\n") == 1 and printed.err.startswith("error: ")
    assert "no slug column" in printed.err and printed.err.rstrip().endswith("nothing was imported")


def test_two_columns_for_the_same_field_are_refused(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(work / "c.csv", ["slug,Email,電子郵件", "a-b,a@x.tw,b@x.tw"])
    code, out = run(capsys, source)
    assert code == 2
    assert "columns 'Email' and '電子郵件' both mean 'contact_email'" in out


def test_unreadable_existing_profile_blocks_only_its_row(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = work / "content" / "alliances" / "smart-motor.toml"
    broken.write_text('name = "unterminated\n', encoding="utf-8")
    code, out = run(capsys, write_csv(work / "a.csv", [ZH_HEADER, SMART, GREEN]))
    assert code == 1
    assert (
        f"the existing profile {work / 'content/alliances/smart-motor.toml'} is not valid TOML"
        in out
    )
    assert "row 3 green-chem: created" in out
    assert broken.read_text("utf-8") == 'name = "unterminated\n'


def test_site_industries_come_from_the_settings_file(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "site.py").write_text('INDUSTRIES = [("food", "食品", "Food")]\n', encoding="utf-8")
    source = write_csv(
        work / "a.csv",
        ["slug,name,university,industry,website", "tasty,美味,大學,食品,https://t.example/"],
    )
    code, out = run(capsys, source, "--settings", work / "site.py")
    assert code == 0, out
    assert profile(work, "tasty")["industry"] == "food"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("old.xls", "Excel 97-2003 format is not supported"),
        ("list.ods", "unknown file type '.ods'"),
        ("missing.csv", "file not found"),
    ],
)
def test_unsupported_files_are_explained(
    work: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    if name != "missing.csv":
        (work / name).write_bytes(b"\xd0\xcf\x11\xe0")
    code, out = run(capsys, work / name)
    assert code == 2
    assert message in out


def test_broken_xlsx_is_explained(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    code, out = run(capsys, work / "broken.xlsx")
    assert code == 2
    assert "not a readable Excel workbook" in out


def test_import_waits_for_the_upload_forms_lock_on_a_profile(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An import must not interleave with a form save of the same alliance."""
    source = write_csv(work / "a.csv", [ZH_HEADER, SMART])
    target = work / "content" / "alliances" / "smart-motor.toml"
    codes: list[int] = []
    with file_lock(work / "var" / "intake-locks" / "smart-motor.lock"):
        worker = threading.Thread(target=lambda: codes.append(main(["import", str(source)])))
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the import did not wait for the lock"
        assert not target.exists()
    worker.join(timeout=60)
    assert codes == [0]
    assert target.exists()
    assert "run `alliance build` to publish the changes" in capsys.readouterr().out


# --- the shared history helper ---------------------------------------------------------------


def test_keep_previous_version_never_overwrites_a_kept_copy(tmp_path: Path) -> None:
    target = tmp_path / "a.toml"
    history = tmp_path / ".history" / "a"
    assert keep_previous_version(target, history) is None
    assert not history.exists()
    moment = datetime(2026, 11, 3, 10, 15, 0, tzinfo=UTC)
    copies = []
    for text in ("one", "two", "three"):
        target.write_text(text, encoding="utf-8")
        copies.append(keep_previous_version(target, history, now=moment))
    assert [p.name for p in copies if p] == [
        "20261103T101500Z.toml",
        "20261103T101500Z-1.toml",
        "20261103T101500Z-2.toml",
    ]
    (history / "notes.toml").write_text("a stray file", encoding="utf-8")
    versions = list_versions(history, ".toml")
    assert versions[0].name == "notes.toml"  # odd names first, never a crash
    assert [p.read_text("utf-8") for p in versions[1:]] == ["one", "two", "three"]
    assert sorted(p.name for p in history.iterdir()) == sorted(
        [p.name for p in copies if p] + ["notes.toml"]
    )


def test_a_cell_error_reads_in_one_language_per_half(work: Path) -> None:
    """The console shows the Chinese half to the office in zh-TW: it must be Chinese only
    (the English reason was pasted into it before), and the English half English only."""
    from alliance_portal.registry.audit import AuditLog
    from alliance_portal.registry.importer import import_file
    from alliance_portal.registry.writer import Actor, RegistryWriter

    header = "代號,聯盟名稱,學校,產業別,網站,成立年度,啟用"
    row = "bad-one,壞聯盟,某大學,機電材料,https://bad.example.edu.tw/,abc,maybe"
    source = write_csv(work / "cells.csv", [header, row])
    writer = RegistryWriter(
        work / "content",
        work / "banners",
        locks_dir=work / "locks",
        audit=AuditLog(work / "audit.jsonl"),
    )
    result = import_file(source, writer, actor=Actor("office"), dry_run=True)
    (outcome,) = result.outcomes
    zh = [e.zh for e in outcome.errors]
    en = [e.en for e in outcome.errors]
    assert any("「成立年度」欄" in t and "不是年份" in t and "民國年" in t for t in zh), zh
    assert any("「啟用」欄" in t and "不是「是」或「否」" in t for t in zh), zh
    for text in zh:
        assert "is not" not in text and "write" not in text, text
    assert any("'abc' is not a year" in t for t in en), en
    assert any("'maybe' is not yes or no" in t for t in en), en
    for text in en:
        assert "不是" not in text and "請填" not in text, text
