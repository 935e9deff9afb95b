"""Every registry validation error names the file and field, says what is wrong and how to fix it."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.profiles import dump_profile, load_registry, validate_profile

GOOD = {
    "name": "智慧馬達驅動產學聯盟",
    "university": "範例大學",
    "industry": "mechatronics",
    "website": "https://motor.example.edu.tw/",
}


def write(folder: Path, slug: str, text: str) -> Path:
    path = folder / "alliances" / f"{slug}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(data: dict, slug: str = "motor") -> list:
    _, problems = validate_profile(slug, data, path=f"content/alliances/{slug}.toml")
    return problems


def test_good_profile_has_no_problems():
    assert problems_of(GOOD) == []


@pytest.mark.parametrize("key", ["name", "university", "industry", "website"])
def test_missing_required_key(key):
    data = {k: v for k, v in GOOD.items() if k != key}
    [problem] = problems_of(data)
    assert problem.field == key
    assert "missing" in problem.message.en
    assert key in problem.hint.en
    assert str(problem).startswith("content/alliances/motor.toml: " + key)


def test_empty_required_value_is_missing():
    [problem] = problems_of(GOOD | {"name": "   "})
    assert problem.field == "name" and "missing or empty" in problem.message.en


def test_unknown_key_suggests_closest():
    [problem] = problems_of(GOOD | {"websit": "x"})
    assert problem.field == "websit" and problem.message.en == "unknown key"
    assert problem.hint.en == "did you mean 'website'?"
    [problem] = problems_of(GOOD | {"intro_eng": "y"})
    assert problem.hint.en == "did you mean 'intro_en'?"


def test_unknown_key_without_close_match_lists_known_keys():
    [problem] = problems_of(GOOD | {"zzzzzz": "y"})
    assert "known keys:" in problem.hint.en and "contact_email" in problem.hint.en


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("motor.example.edu.tw", "must start with http:// or https://"),
        ("ftp://motor.example.edu.tw/", "must start with http:// or https:// (found ftp:)"),
        ("https://", "has no host name"),
        ("https://motor.example.edu.tw:99999/", "invalid port"),
        ("https://motor example.edu.tw/", "contains spaces"),
        ("javascript:alert(1)", "must start with http:// or https://"),
    ],
)
def test_bad_website(url, why):
    [problem] = problems_of(GOOD | {"website": url})
    assert problem.field == "website"
    assert why in problem.message.en
    assert "https://" in problem.hint.en


def test_industry_not_in_list_suggests_closest():
    [problem] = problems_of(GOOD | {"industry": "mechatronic"})
    assert problem.field == "industry"
    assert "not in the industries list" in problem.message.en
    assert "did you mean 'mechatronics'?" in problem.hint.en
    assert "biomed (生醫)" in problem.hint.en


@pytest.mark.parametrize("spelling", ["機電材料", "Mechatronics & Materials", "mechatronics"])
def test_industry_accepts_key_and_names(spelling):
    clean, problems = validate_profile("motor", GOOD | {"industry": spelling}, path="p")
    assert problems == [] and clean["industry"] == "mechatronics"


@pytest.mark.parametrize("email", ["office", "a@b", "a b@example.org", "x@@example.org"])
def test_bad_email(email):
    [problem] = problems_of(GOOD | {"contact_email": email})
    assert problem.field == "contact_email" and "not a valid e-mail address" in problem.message.en


def test_good_email_accepted():
    assert problems_of(GOOD | {"contact_email": "motor.lab@example.edu.tw"}) == []


def test_over_long_text():
    [problem] = problems_of(GOOD | {"name": "聯" * 81})
    assert problem.field == "name"
    assert "81 characters long; the limit is 80" in problem.message.en
    assert problem.hint.en == "shorten it"


@pytest.mark.parametrize(
    ("value", "message"),
    [("soon", "must be a year"), (1800, "out of range"), (True, "must be a year")],
)
def test_bad_since(value, message):
    [problem] = problems_of(GOOD | {"since": value})
    assert problem.field == "since" and message in problem.message.en


def test_bad_active_and_non_text_value():
    problems = problems_of(GOOD | {"active": "yes", "pi": 42})
    assert {(p.field, p.message.en.split(",")[0]) for p in problems} == {
        ("active", "must be true or false"),
        ("pi", "must be text"),
    }


def test_bad_slug():
    problems = problems_of(GOOD, slug="Smart_Motor")
    assert problems[0].field is None and "not a valid slug" in problems[0].message.en


def test_all_problems_reported_at_once():
    problems = problems_of({"name": "", "websit": "x", "industry": "food", "contact_email": "bad"})
    fields = [p.field for p in problems]
    for expected in ("websit", "name", "university", "website", "contact_email", "industry"):
        assert expected in fields


def test_load_registry_reports_every_file_and_keeps_good_ones(tmp_path):
    write(tmp_path, "good", dump_profile(GOOD))
    write(tmp_path, "broken-toml", 'name = "unterminated\n')
    write(tmp_path, "typo", dump_profile(GOOD).replace("website", "websit"))
    (tmp_path / "alliances" / "notes.txt").write_text("x")
    (tmp_path / "alliances" / "latin1.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    result = load_registry(tmp_path, None)
    assert [a.slug for a in result.alliances] == ["good"]
    text = "\n".join(str(p) for p in result.problems)
    assert "broken-toml.toml: is not valid TOML" in text
    assert "typo.toml: websit: unknown key (did you mean 'website'?)" in text
    assert "typo.toml: website: required key is missing" in text
    assert "notes.txt: is not a .toml profile" in text
    assert "latin1.toml: is not UTF-8 text" in text


def test_duplicate_slug_differing_only_in_case(tmp_path):
    write(tmp_path, "motor", dump_profile(GOOD))
    write(tmp_path, "Motor", dump_profile(GOOD))
    result = load_registry(tmp_path, None)
    dupes = [p for p in result.problems if "duplicate slug" in p.message.en]
    assert len(dupes) == 1 and "already used by" in dupes[0].message.en


def test_missing_alliances_folder(tmp_path):
    result = load_registry(tmp_path, None)
    assert result.alliances == [] and "folder not found" in str(result.problems[0])


def test_banner_wrong_size_and_not_png_are_reported_and_dropped(tmp_path):
    banners = tmp_path / "banners"
    banners.mkdir()
    for slug in ("big", "jpeg", "ok"):
        write(tmp_path, slug, dump_profile(GOOD))
    Image.new("RGB", (444, 224), "red").save(banners / "big.png")
    Image.new("RGB", (222, 112), "red").save(banners / "jpeg.png", format="JPEG")
    Image.new("RGB", (222, 112), "red").save(banners / "ok.png")
    Image.new("RGB", (222, 112), "red").save(banners / "orphan.png")
    result = load_registry(tmp_path, banners)
    by_slug = result.by_slug()
    assert by_slug["ok"].banner == banners / "ok.png"
    assert by_slug["big"].banner is None and by_slug["jpeg"].banner is None
    text = "\n".join(str(p) for p in result.problems)
    assert "big.png: 444x224 is exactly 2 times the required size: scale it to 50%" in text
    assert "jpeg.png: this is a JPEG file named .png: export it as PNG" in text
    assert "orphan.png: banner has no matching profile" in text
    assert all(p.severity == "warning" for p in result.problems)


def test_dump_profile_round_trips_awkward_text():
    data = GOOD | {
        "intro": '第一段 "引號" \\ 反斜線\n\n"""三引號"""\n',
        "name_en": 'Quote " and tab\t',
        "active": False,
        "since": 2019,
    }
    assert tomllib.loads(dump_profile(data)) == data


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("email", "contact_email"),
        ("Name", "name"),
        ("univ", "university"),
        ("intro-en", "intro_en"),
        ("pi_eng", "pi_en"),
    ],
)
def test_unknown_key_suggestions(typo, expected):
    [problem] = problems_of(GOOD | {typo: "x"})
    assert problem.hint.en == f"did you mean {expected!r}?"


def test_atomic_write_modes(tmp_path):
    """Saved profiles stay readable by the portal build; secrets are private from the start."""
    profile = tmp_path / "alliances" / "a.toml"
    atomic_write(profile, b"name = 'a'\n")
    assert stat.S_IMODE(profile.stat().st_mode) == 0o644
    profile.chmod(0o640)
    atomic_write(profile, b"name = 'b'\n")
    assert stat.S_IMODE(profile.stat().st_mode) == 0o640
    assert profile.read_bytes() == b"name = 'b'\n"
    secret = tmp_path / "secret"
    atomic_write(secret, b"s", mode=0o600)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_text_in_two_languages_has_one_shape() -> None:
    """Issue 18.2: labels are Bilingual, never (zh, en) tuples or pre-joined "中文 English"."""
    from alliance_portal.registry.banner_rules import size_hint
    from alliance_portal.registry.bilingual import Bilingual
    from monitor.reports import labels

    tables = (
        labels.CHECK_LABELS,
        labels.STATUS_LABELS,
        labels.CHANGE_LABELS,
        labels.CREDIT_WHERE,
        labels.FOUND_IN,
        labels.FACT_LABELS,
    )
    for table in tables:
        for key, value in table.items():
            assert isinstance(value, Bilingual), (key, value)
    from monitor.reports.sheets import COLUMNS

    assert all(isinstance(header, Bilingual) for header, _ in COLUMNS)
    assert size_hint(444, 224) == Bilingual(
        "444x224 剛好是規定尺寸的 2 倍：請縮放為 50%",
        "444x224 is exactly 2 times the required size: scale it to 50%",
    )
