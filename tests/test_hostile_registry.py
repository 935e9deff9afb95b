"""Hostile registry input (issue 17: items 4, 9, 10, 14, 16, 17, 18, 19; issue 18: item 2).

Real files in a real project folder, the real ``alliance`` command run from that folder as the
office runs it, and the real Flask app through its test client. Commands that read a hostile
file run under a memory ceiling (``RLIMIT_AS``) inside a small wrapper process, which reports
its child's peak RSS: a command that reads without bound dies or reports gigabytes instead of
taking the test machine down.
"""

from __future__ import annotations

import csv
import html
import json
import os
import resource
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alliance_portal.intake.admin_password import set_password
from alliance_portal.registry.problems import ProblemCode
from alliance_portal.registry.profiles import dump_profile, load_registry, validate_profile
from tests.support.portal_fixtures import make_registry
from tests.test_intake_support import app_for, csrf_of, make_config, profile_form, sign_in

ALLIANCE = Path(sys.executable).parent / "alliance"
#: Address-space ceiling for a command reading hostile input; normal runs stay far below it.
MEMORY_CEILING = 1536 * 1024 * 1024
#: A command reading one hostile file must stay under this peak RSS (a normal check is ~60 MB).
PEAK_RSS_LIMIT_MB = 400
#: Generous bound so a regression ends the test instead of hanging the suite (not a timing test).
DEADLINE_S = 240

_WRAPPER = """
import json, resource, subprocess, sys
limit = int(sys.argv[1])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
done = subprocess.run(sys.argv[2:], capture_output=True, text=True, preexec_fn=cap,
                      timeout=%d)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(json.dumps({"rc": done.returncode, "out": done.stdout, "err": done.stderr, "peak": peak}))
"""


class Run:
    """One finished command: exit status, output, and the child's peak RSS in MiB."""

    def __init__(self, rc: int, out: str, err: str, peak_mb: int) -> None:
        self.rc, self.out, self.err, self.peak_mb = rc, out, err, peak_mb

    @property
    def text(self) -> str:
        return self.out + self.err


def alliance(project: Path, *args: str | Path) -> Run:
    """``alliance ARGS`` run from ``project`` under the memory ceiling."""
    wrapper = [sys.executable, "-c", _WRAPPER % DEADLINE_S, str(MEMORY_CEILING)]
    done = subprocess.run(
        [*wrapper, str(ALLIANCE), *map(str, args)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S + 30,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # the wrapper itself never fails
    got = json.loads(done.stdout)
    return Run(got["rc"], got["out"], got["err"], got["peak"])


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.text, run.text[-3000:]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The office's project folder: content/ and banners/ with four good alliances."""
    make_registry(tmp_path)
    return tmp_path


def write_profile(project: Path, slug: str, text: str | bytes) -> Path:
    path = project / "content" / "alliances" / f"{slug}.toml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


GOOD = {
    "name": "測試聯盟",
    "university": "測試大學",
    "industry": "ict",
    "website": "https://test.example.edu.tw/",
}

#: Every kind of invisible character a single-line field must refuse.
CONTROLS = {
    "LF": "\n",
    "CR": "\r",
    "NUL": "\x00",
    "ESC": "\x1b",
    "TAB": "\t",
    "DEL": "\x7f",
    "NEL (C1)": "\x85",
    "CSI (C1)": "\x9b",
    "LINE SEPARATOR": "\u2028",
    "PARAGRAPH SEPARATOR": "\u2029",
}
SINGLE_LINE = ("name", "name_en", "university", "university_en", "pi", "pi_en", "contact_email")


# -- item 4: control characters and line breaks --------------------------------------------
@pytest.mark.parametrize("label", CONTROLS)
def test_registry_refuses_control_characters_in_single_line_fields(label: str) -> None:
    char = CONTROLS[label]
    for key in SINGLE_LINE:
        value = f"a{char}Bcc: x@example.tw" if key != "contact_email" else f"a@b.tw{char}x"
        _, problems = validate_profile("x", GOOD | {key: value}, path="x.toml")
        codes = {(p.field, p.code) for p in problems}
        assert (key, ProblemCode.CONTROL_CHARACTER) in codes, (key, label, problems)
        [problem] = [p for p in problems if p.field == key]
        assert f"U+{ord(char):04X}" in problem.message.en and problem.severity == "error"


def test_intros_keep_line_breaks_but_not_other_controls() -> None:
    clean, problems = validate_profile(
        "x", GOOD | {"intro": "第一段\n\n- 清單\r\n- 兩項", "intro_en": "a\tb"}, path="x.toml"
    )
    assert problems == [] and clean["intro"] == "第一段\n\n- 清單\n- 兩項"
    for char in ("\x1b", "\x00", "\x85", "\u2028", "\r"):
        _, problems = validate_profile("x", GOOD | {"intro": f"a{char}b"}, path="x.toml")
        assert [p.code for p in problems] == [ProblemCode.CONTROL_CHARACTER], repr(char)


def test_form_refuses_a_name_with_a_line_break_and_writes_nothing(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        path = tmp_path / "content" / "alliances" / "smart-motor.toml"
        before = path.read_bytes()
        for key, value in (
            ("name", "智慧馬達聯盟\nBcc: victim@example.tw"),
            ("pi", "王\x1b[31m小明"),
            ("university_en", "Univ\u2028ersity"),
            ("intro", "簡介\x00"),
        ):
            form = profile_form("smart-motor", **{key: value})
            resp = client.post("/alliance/profile", data={"csrf_token": csrf, **form})
            assert resp.status_code == 422, (key, resp.status_code)
            body = html.unescape(resp.get_data(as_text=True))
            block = body.split(f'id="e-{key}"', 1)[1].split("</div>", 1)[0]
            assert "控制字元" in block or "換行" in block, (key, block)
            assert path.read_bytes() == before


def test_check_and_build_refuse_a_name_with_a_line_break(project: Path) -> None:
    write_profile(project, "bcc", dump_profile(GOOD | {"name": "聯盟\nBcc: x@example.tw"}))
    check = alliance(project, "check")
    assert_no_traceback(check)
    assert check.rc == 1
    assert "bcc.toml: name: contains a line break (U+000A at character 3)" in check.out
    build = alliance(project, "build", "--no-search", "--output", project / "out")
    assert_no_traceback(build)
    assert build.rc == 0 and (project / "out" / "alliances" / "smart-motor").is_dir()
    assert not (project / "out" / "alliances" / "bcc").exists()


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEADER = ["slug", "name", "university", "industry", "website"]


def test_import_refuses_control_characters_and_imports_the_good_rows(project: Path) -> None:
    sheet = _csv(
        project / "sheet.csv",
        [
            HEADER,
            ["good-one", "好聯盟", "好大學", "ict", "https://good.example.edu.tw/"],
            ["bcc-row", "聯盟\nBcc: x@example.tw", "大學", "ict", "https://b.example.edu.tw/"],
            ["esc-row", "聯盟", "大\x1b[2J學", "ict", "https://e.example.edu.tw/"],
        ],
    )
    run = alliance(project, "import", sheet)
    assert_no_traceback(run)
    assert run.rc == 1, run.text
    assert "row 2 good-one: created" in run.out
    assert "row 3 bcc-row: ERROR, not imported" in run.out
    assert "column 'name' (name): contains a line break" in run.out
    assert "row 4 esc-row: ERROR, not imported" in run.out
    assert "control character (U+001B" in run.out
    folder = project / "content" / "alliances"
    assert (folder / "good-one.toml").exists()
    assert not (folder / "bcc-row.toml").exists() and not (folder / "esc-row.toml").exists()


# -- items 9 and 18: website addresses ------------------------------------------------------
BAD_WEBSITES = {
    "http://[::1": "malformed host name",
    "http://[::1/": "malformed host name",
    "https://example.edu.tw:0/": "invalid port number (0)",
    "https://example.edu.tw:99999/": "invalid port number",
    "https://exa\x00mple.edu.tw/": "control character",
    "https://example.edu.tw/%00": "control character",
    # names no DNS look-up can take (the crawl's IDNA encoding refuses them)
    "https://www..example.edu.tw/": "two dots in a row",
    "https://" + "a" * 64 + ".example.edu.tw/": "over 63 characters",
}


def test_every_bad_website_is_a_field_problem() -> None:
    for url, why in BAD_WEBSITES.items():
        _, problems = validate_profile("x", GOOD | {"website": url}, path="x.toml")
        [problem] = problems
        assert problem.field == "website", url
        assert problem.code in (ProblemCode.BAD_WEBSITE, ProblemCode.CONTROL_CHARACTER), url
        assert why in problem.message.en, (url, problem.message.en)


def test_form_shows_a_field_error_for_an_unclosed_ipv6_address(tmp_path: Path) -> None:
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        for url in BAD_WEBSITES:
            form = profile_form("smart-motor", website=url)
            resp = client.post("/alliance/profile", data={"csrf_token": csrf, **form})
            assert resp.status_code == 422, (url, resp.status_code)
            body = html.unescape(resp.get_data(as_text=True))
            block = body.split('id="e-website"', 1)[1].split("</div>", 1)[0]
            assert "網址格式不正確" in block or "控制字元" in block, (url, block)


def test_import_check_and_build_survive_bad_websites(project: Path) -> None:
    rows = [HEADER, ["good-one", "好聯盟", "好大學", "ict", "https://good.example.edu.tw/"]]
    for n, url in enumerate(BAD_WEBSITES):
        rows.append([f"bad-{n}", "聯盟", "大學", "ict", url])
    run = alliance(project, "import", _csv(project / "sheet.csv", rows))
    assert_no_traceback(run)
    assert run.rc == 1 and "row 2 good-one: created" in run.out
    for n in range(len(BAD_WEBSITES)):
        assert f"row {n + 3} bad-{n}: ERROR, not imported" in run.out
    assert run.out.count("(website): ") == len(BAD_WEBSITES)
    write_profile(project, "ipv6", dump_profile(GOOD | {"website": "http://[::1"}))
    check = alliance(project, "check")
    assert_no_traceback(check)
    assert check.rc == 1
    assert "ipv6.toml: website: 'http://[::1' is not a website address" in check.out
    build = alliance(project, "build", "--no-search", "--output", project / "out")
    assert_no_traceback(build)
    assert build.rc == 0 and (project / "out" / "alliances" / "good-one").is_dir()


# -- items 17 and 19: hostile profile files -------------------------------------------------
BOMBS: dict[str, bytes] = {
    "nesting": b"name = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "inline-nesting": b"name = " + b"{a=" * 60_000 + b"1" + b"}" * 60_000 + b"\n",
    "dotted-key": b"a" + b".a" * 100_000 + b" = 1\n",
    "dotted-table": b"[a" + b".a" * 100_000 + b"]\n",
    "unknown-keys": b"".join(b"k%d = 1\n" % i for i in range(20_000)),  # under the size cap
    "huge": b'name = "' + b"x" * (2 * 1024 * 1024) + b'"\n',
}


def test_toml_bombs_cost_one_problem_each_and_the_others_still_build(project: Path) -> None:
    for name, data in BOMBS.items():
        write_profile(project, name, data)
    check = alliance(project, "check")
    assert_no_traceback(check)
    assert check.rc == 1
    assert check.peak_mb < PEAK_RSS_LIMIT_MB, check.peak_mb
    lines = check.out.splitlines()
    assert len(lines) < 100, f"{len(lines)} lines"  # not one per unknown key
    assert "4 profile(s) valid" in check.out
    for name in BOMBS:
        assert f"{name}.toml" in check.out, name
    assert "nesting.toml: is nested too deeply" in check.out
    assert "dotted-key.toml: has a dotted key of more than 16 parts" in check.out
    assert "huge.toml: is larger than 256 KiB" in check.out
    assert "more problem(s) not shown" in check.out
    build = alliance(project, "build", "--no-search", "--output", project / "out")
    assert_no_traceback(build)
    assert build.rc == 0, build.text[-2000:]
    assert build.peak_mb < PEAK_RSS_LIMIT_MB, build.peak_mb
    assert (project / "out" / "alliances" / "smart-motor" / "index.html").exists()


def test_a_profile_linked_to_a_device_or_a_pipe_is_refused_unread(project: Path) -> None:
    folder = project / "content" / "alliances"
    (folder / "zero.toml").symlink_to("/dev/zero")
    (folder / "urandom.toml").symlink_to("/dev/urandom")
    os.mkfifo(folder / "pipe.toml")  # nobody ever writes: a blocking open would hang
    banner = project / "banners" / "smart-motor.png"
    banner.unlink()
    os.mkfifo(banner)  # a banner that is a pipe must not hang the check either
    check = alliance(project, "check")
    assert_no_traceback(check)
    assert check.rc == 1 and check.peak_mb < PEAK_RSS_LIMIT_MB, check.peak_mb
    for name in ("zero", "urandom", "pipe"):
        assert f"{name}.toml: is not a regular file" in check.out, check.out
    assert "4 profile(s) valid" in check.out
    assert "smart-motor.png: is not a regular file" in check.out
    build = alliance(project, "build", "--no-search", "--output", project / "out")
    assert_no_traceback(build)
    assert build.rc == 0 and build.peak_mb < PEAK_RSS_LIMIT_MB
    assert (project / "out" / "alliances" / "smart-motor" / "index.html").exists()


def _office_client(app: Any, config: Any) -> Any:
    set_password(config.paths.admin_password, "office password 2026")
    client = app.test_client()
    csrf = csrf_of(client.get("/office/login").get_data(as_text=True))
    resp = client.post(
        "/office/login", data={"csrf_token": csrf, "password": "office password 2026"}
    )
    assert resp.status_code == 303
    return client


@pytest.fixture
def memory_ceiling() -> Iterator[None]:
    """This test process may grow by 1.5 GiB at most while the test runs (the app runs in it):
    a read without bound ends in MemoryError (a 500) instead of the machine's OOM killer."""
    status = Path("/proc/self/status").read_text()
    size_kb = int(
        next(line.split()[1] for line in status.splitlines() if line.startswith("VmSize"))
    )
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (size_kb * 1024 + MEMORY_CEILING, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.usefixtures("memory_ceiling")
def test_console_lists_hostile_profiles_instead_of_failing(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    folder = tmp_path / "content" / "alliances"
    (folder / "nesting.toml").write_bytes(BOMBS["nesting"])
    (folder / "unknown-keys.toml").write_bytes(BOMBS["unknown-keys"])
    (folder / "zero.toml").symlink_to("/dev/zero")
    with app_for(config) as app:
        client = _office_client(app, config)
        resp = client.get("/office/")
        assert resp.status_code == 200
        page = html.unescape(resp.get_data(as_text=True))
        assert "is nested too deeply" in page and "is not a regular file" in page
        assert page.count("unknown key") <= 20  # not 20,000 lines
        assert "smart-motor" in page
        for slug in ("nesting", "zero"):
            resp = client.get(f"/office/alliances/{slug}")
            assert resp.status_code in (200, 404), (slug, resp.status_code)


# -- issue 18 item 2: the form reads the registry's own bilingual messages ------------------
#: One input per field problem the registry can produce (the set is checked against the codes).
FIELD_CASES: dict[ProblemCode, tuple[str, str]] = {
    ProblemCode.REQUIRED: ("name", ""),
    ProblemCode.TOO_LONG: ("intro", "長" * 3001),
    ProblemCode.CONTROL_CHARACTER: ("pi", "王\x1b小明"),
    ProblemCode.NOT_YEAR: ("since", "soon"),
    ProblemCode.YEAR_RANGE: ("since", "1800"),
    ProblemCode.BAD_WEBSITE: ("website", "http://[::1"),
    ProblemCode.BAD_EMAIL: ("contact_email", "not an address"),
    ProblemCode.UNKNOWN_INDUSTRY: ("industry", "rockets"),
}
#: Field problems only a hand-edited file can have (the form sends text for known keys).
FILE_ONLY = {ProblemCode.UNKNOWN_KEY, ProblemCode.NOT_BOOLEAN, ProblemCode.NOT_TEXT}


def test_every_field_problem_has_its_own_chinese_message_on_the_form(tmp_path: Path) -> None:
    whole_file = {
        ProblemCode.FOLDER_MISSING,
        ProblemCode.NOT_TOML_FILE,
        ProblemCode.DUPLICATE_SLUG,
        ProblemCode.BAD_SLUG,
        ProblemCode.UNREADABLE,
        ProblemCode.NOT_REGULAR_FILE,
        ProblemCode.FILE_TOO_LARGE,
        ProblemCode.NOT_UTF8,
        ProblemCode.NOT_TOML,
        ProblemCode.TOO_DEEP,
        ProblemCode.TOO_MANY_PROBLEMS,
        ProblemCode.BAD_BANNER,
        ProblemCode.ORPHAN_BANNER,
    }
    # A new problem code must come with a case here (or be declared file-only/whole-file).
    assert set(ProblemCode) == set(FIELD_CASES) | FILE_ONLY | whole_file
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        csrf = sign_in(client, app, "smart-motor")
        for code, (key, value) in FIELD_CASES.items():
            form = profile_form("smart-motor", **{key: value})
            _, expected = validate_profile("smart-motor", form, path="x")
            [problem] = [p for p in expected if p.code == code]
            zh = problem.message.zh
            assert zh and zh != problem.message.en and any("\u4e00" <= c <= "\u9fff" for c in zh)
            resp = client.post("/alliance/profile", data={"csrf_token": csrf, **form})
            assert resp.status_code == 422, code
            body = html.unescape(resp.get_data(as_text=True))
            block = body.split(f'id="e-{key}"', 1)[1].split("</div>", 1)[0]
            assert zh in block, (code, block)
            assert "此欄內容不正確" not in body  # the old generic fallback


def test_file_problems_carry_chinese_text_too(project: Path) -> None:
    write_profile(project, "file-only", b'name = 1\nactive = "yes"\nemial = "a@b.tw"\n')
    write_profile(project, "Bad_Slug", dump_profile(GOOD))
    write_profile(project, "latin", b'name = "caf\xe9"\n')
    result = load_registry(project / "content", project / "banners")
    seen = {p.code for p in result.problems}
    assert {ProblemCode.NOT_TEXT, ProblemCode.NOT_BOOLEAN, ProblemCode.UNKNOWN_KEY} <= seen
    assert {ProblemCode.BAD_SLUG, ProblemCode.NOT_UTF8} <= seen
    for problem in result.problems:
        assert any("\u4e00" <= c <= "\u9fff" for c in problem.message.zh), problem


# -- item 14: slugs that cannot exist --------------------------------------------------------
def test_console_answers_404_for_a_slug_too_long_to_exist(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    long_slug = "a" * 300
    with app_for(config) as app:
        client = _office_client(app, config)
        csrf = csrf_of(client.get("/office/people/").get_data(as_text=True))
        gets = [f"/office/alliances/{long_slug}", f"/office/banners/{long_slug}.png"]
        posts = [
            f"/office/people/{long_slug}/pi",
            f"/office/people/{long_slug}/send",
            f"/office/people/{long_slug}/revoke",
            f"/office/people/{long_slug}/p1/remove",
            f"/office/alliances/{long_slug}/recheck",
        ]
        for url in gets:
            assert client.get(url).status_code == 404, url
        for url in posts:
            resp = client.post(url, data={"csrf_token": csrf, "email": "pi@example.edu.tw"})
            assert resp.status_code == 404, (url, resp.status_code)


# -- item 10: spreadsheets without bound ----------------------------------------------------
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{dtd}'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="{dimension}"/><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _row(number: int, cells: list[str]) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    inner = "".join(
        f'<c r="{letters[i]}{number}" t="inlineStr"><is><t>{html.escape(v)}</t></is></c>'
        for i, v in enumerate(cells)
    )
    return f'<row r="{number}">{inner}</row>'


def hostile_xlsx(
    path: Path,
    rows: list[list[str]],
    *,
    dimension: str = "A1:E3",
    dtd: str = "",
    extra_rows: tuple[int, str] | None = None,
) -> Path:
    """A real .xlsx written part by part; ``extra_rows`` = (count, row XML with {n}) streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.format(dtd=dtd, dimension=dimension).encode())
            for number, cells in enumerate(rows, start=1):
                sheet.write(_row(number, cells).encode())
            if extra_rows:
                count, template = extra_rows
                start = len(rows) + 1
                for first in range(start, start + count, 10_000):
                    last = min(first + 10_000, start + count)
                    if "{n}" in template:
                        chunk = "".join(template.format(n=n) for n in range(first, last))
                    else:
                        chunk = template * (last - first)
                    sheet.write(chunk.encode())
            sheet.write(_SHEET_TAIL.encode())
    return path


XLSX_ROWS = [
    HEADER,
    ["sheet-one", "表單聯盟", "表單大學", "ict", "https://one.example.edu.tw/"],
    ["sheet-two", "表單二聯盟", "表單大學", "biomed", "https://two.example.edu.tw/"],
]


def test_xlsx_declaring_the_whole_grid_imports_in_little_memory(project: Path) -> None:
    # 20,000 rows holding one blank cell each: openpyxl pads every row it reads to the declared
    # 16,384 columns (128 KiB a row), so trusting the dimension costs gigabytes.
    blank = '<row><c t="inlineStr"><is><t> </t></is></c></row>'
    book = hostile_xlsx(
        project / "grid.xlsx", XLSX_ROWS, dimension="A1:XFD1048576", extra_rows=(20_000, blank)
    )
    assert book.stat().st_size < 128 * 1024
    run = alliance(project, "import", book)
    assert_no_traceback(run)
    assert run.rc == 0, run.text[-2000:]
    assert run.peak_mb < PEAK_RSS_LIMIT_MB, run.peak_mb
    assert "row 2 sheet-one: created" in run.out and "row 3 sheet-two: created" in run.out


def test_xlsx_with_too_many_rows_is_refused_whole(project: Path) -> None:
    row = '<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>x</t></is></c></row>'
    book = hostile_xlsx(project / "rows.xlsx", XLSX_ROWS, extra_rows=(200_000, row))
    run = alliance(project, "import", book)
    assert_no_traceback(run)
    assert run.rc == 2, run.text[-2000:]
    assert "has more than 2,000 rows" in run.err and "nothing was imported" in run.err
    assert len(run.out.splitlines()) < 10
    assert not (project / "content" / "alliances" / "sheet-one.toml").exists()


def test_xlsx_with_five_million_rows_is_refused_in_little_memory(project: Path) -> None:
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'  # numbered by position
    book = hostile_xlsx(project / "huge.xlsx", XLSX_ROWS, extra_rows=(5_000_000, row))
    assert book.stat().st_size < 16 * 1024 * 1024  # under the file cap: the rows must be bounded
    run = alliance(project, "import", book)
    assert_no_traceback(run)
    assert run.rc == 2 and run.peak_mb < PEAK_RSS_LIMIT_MB, (run.peak_mb, run.text[-2000:])
    assert "unpacks to" in run.err and "nothing was imported" in run.err


def test_xlsx_with_a_dtd_or_entity_bomb_gets_a_clear_error(project: Path) -> None:
    laughs = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    cases = {
        "bomb": f"<!DOCTYPE worksheet [{laughs}]>",
        "plain-dtd": '<!DOCTYPE worksheet SYSTEM "file:///etc/passwd">',
    }
    for name, dtd in cases.items():
        rows = [*XLSX_ROWS, ["sheet-three", "&a9;", "大學", "ict", "https://3.example.edu.tw/"]]
        book = hostile_xlsx(project / f"{name}.xlsx", rows, dtd=dtd)
        raw = book.read_bytes()
        if name == "bomb":  # html.escape turned the reference into text: put it back
            with zipfile.ZipFile(book) as archive:
                parts = {n: archive.read(n) for n in archive.namelist()}
            key = "xl/worksheets/sheet1.xml"
            parts[key] = parts[key].replace(b"&amp;a9;", b"&a9;")
            with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as archive:
                for part, data in parts.items():
                    archive.writestr(part, data)
            assert book.read_bytes() != raw
        run = alliance(project, "import", book)
        assert_no_traceback(run)
        assert run.rc == 2, (name, run.text[-2000:])
        assert "declares a DTD" in run.err and "nothing was imported" in run.err, run.err
        assert run.peak_mb < PEAK_RSS_LIMIT_MB
    assert not (project / "content" / "alliances" / "sheet-one.toml").exists()


def test_spreadsheet_files_are_bounded_in_size_and_kind(project: Path) -> None:
    big = project / "big.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(",".join(HEADER) + "\n")
        line = "x," * 40 + "\n"
        for _ in range((17 * 1024 * 1024) // len(line)):
            fh.write(line)
    run = alliance(project, "import", big)
    assert_no_traceback(run)
    assert run.rc == 2 and "the limit is 16 MiB" in run.err, run.text[-2000:]
    (project / "zero.csv").symlink_to("/dev/zero")
    run = alliance(project, "import", "zero.csv")
    assert_no_traceback(run)
    assert run.rc == 2 and run.peak_mb < PEAK_RSS_LIMIT_MB
    assert "nothing was imported" in run.err


def test_csv_with_too_many_rows_is_refused_and_wide_rows_are_cut(project: Path) -> None:
    rows = [[*HEADER, *(f"extra{i}" for i in range(5000))]]
    rows.append(["wide-one", "寬聯盟", "大學", "ict", "https://w.example.edu.tw/", *["z"] * 5000])
    run = alliance(project, "import", _csv(project / "wide.csv", rows))
    assert_no_traceback(run)
    assert run.rc == 0 and "row 2 wide-one: created" in run.out, run.text[-2000:]
    assert run.out.count("extra") <= 50  # the ignored columns it names are bounded too
    long = [HEADER] + [
        [f"r-{n}", "聯盟", "大學", "ict", "https://r.example.edu.tw/"] for n in range(3000)
    ]
    run = alliance(project, "import", _csv(project / "long.csv", long))
    assert_no_traceback(run)
    assert run.rc == 2 and "has more than 2,000 rows" in run.err
    assert not (project / "content" / "alliances" / "r-1.toml").exists()


# -- item 16: a build onto a full disk -----------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB filesystem (tmpfs) mounted in the test folder; unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> None:
    """Fill the filesystem holding ``folder`` to the last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 10, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(fd)


def test_build_onto_a_full_disk_says_so_in_one_line_and_keeps_the_site(
    project: Path, small_disk: Path
) -> None:
    out = small_disk / "out"
    first = alliance(project, "build", "--no-search", "--output", out)
    assert first.rc == 0, first.text[-2000:]
    published = (out / "index.html").read_bytes()
    _fill(small_disk)
    write_profile(project, "new-one", dump_profile(GOOD))  # something new to write
    run = alliance(project, "build", "--no-search", "--output", out)
    assert_no_traceback(run)
    assert run.rc == 1
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert f"the disk holding {small_disk} is full" in errors[0]
    assert "free some space" in errors[0] and "No space left on device" in errors[0]
    assert (out / "index.html").read_bytes() == published
    assert not (out / "alliances" / "new-one").exists()
    # staging folders of the failed build are gone (the build lock's file stays on purpose)
    leftovers = [
        p.name
        for p in small_disk.iterdir()
        if p.name.startswith(".out") and p.name != ".out.build.lock"
    ]
    assert leftovers == []
