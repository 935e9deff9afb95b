"""Benchmark the portal build against a plain Pelican build of the same size.

    python bench/build.py --alliances 1000 [--repeat 3]

Makes N profiles and N banners in a temporary folder and times, each as a fresh process (as a
user runs them): ``alliance build --no-search``; Pagefind indexing of that output on its own;
the whole ``alliance build`` with search; and plain ``pelican`` writing N Markdown pages with
the simple theme and ``DISPLAY_PAGES_ON_MENU = False``. Prints the median wall time and the
peak memory (max RSS of the process tree) of each. Figures go to docs/PERFORMANCE.md.
Targets (issue): ours without search <= 1.5x plain Pelican; with search < 4 s; peak < 500 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alliance_portal.registry.profiles import dump_profile
from alliance_portal.registry.site_settings import DEFAULT_INDUSTRIES

BIN = Path(sys.executable).parent
WORDS_ZH = [
    "馬達",
    "感測",
    "晶片",
    "材料",
    "能源",
    "醫療",
    "檢測",
    "驅動",
    "智慧",
    "製造",
    "控制",
    "網路",
    "光電",
    "節能",
    "環境",
    "生技",
]
WORDS_EN = [
    "motor",
    "sensing",
    "chip",
    "material",
    "energy",
    "medical",
    "testing",
    "drive",
    "smart",
    "manufacturing",
    "control",
    "network",
]


def make_registry(root: Path, n: int) -> tuple[Path, Path]:
    rng = random.Random(42)
    content, banners = root / "content", root / "banners"
    (content / "alliances").mkdir(parents=True)
    banners.mkdir()
    for i in range(n):
        slug = f"alliance-{i:04d}"
        ind = DEFAULT_INDUSTRIES[i % len(DEFAULT_INDUSTRIES)]
        intro = "".join(rng.choice(WORDS_ZH) for _ in range(60))
        intro_en = " ".join(rng.choice(WORDS_EN) for _ in range(60))
        data = {
            "name": f"{rng.choice(WORDS_ZH)}{rng.choice(WORDS_ZH)}產學聯盟{i}",
            "name_en": f"{rng.choice(WORDS_EN).title()} Alliance {i}",
            "university": "範例大學",
            "university_en": "Sample University",
            "pi": "王大明",
            "industry": ind.key,
            "website": f"https://a{i}.example.edu.tw/",
            "intro": f"{intro}\n\n- 服務一\n- 服務二\n",
            "intro_en": f"{intro_en}\n\n- service one\n- service two\n",
            "since": 2010 + i % 15,
        }
        (content / "alliances" / f"{slug}.toml").write_text(dump_profile(data), encoding="utf-8")
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        Image.new("RGB", (222, 112), colour).save(banners / f"{slug}.png")
    return content, banners


def make_plain_pelican(root: Path, n: int) -> Path:
    rng = random.Random(7)
    pages = root / "plain" / "content" / "pages"
    pages.mkdir(parents=True)
    for i in range(n):
        body = " ".join(rng.choice(WORDS_EN) for _ in range(120))
        (pages / f"page-{i:04d}.md").write_text(f"Title: Page {i}\n\n{body}\n", encoding="utf-8")
    conf = root / "plain" / "pelicanconf.py"
    conf.write_text(
        'SITENAME = "plain"\nPATH = "content"\nDISPLAY_PAGES_ON_MENU = False\n'
        "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nTIMEZONE = 'UTC'\n"
        "RELATIVE_URLS = True\nCACHE_CONTENT = False\nLOAD_CONTENT_CACHE = False\n",
        encoding="utf-8",
    )
    return conf


def measure(cmd: list[str], cwd: Path, repeat: int) -> tuple[float, float]:
    """Median wall time and peak RSS over ``repeat`` runs, measured in a clean helper process."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "cmd = json.loads(sys.argv[1]); times = []\n"
        "for _ in range(int(sys.argv[2])):\n"
        "    t = time.perf_counter(); p = subprocess.run(cmd, capture_output=True, text=True)\n"
        "    times.append(time.perf_counter() - t)\n"
        "    if p.returncode: sys.exit(p.stdout + p.stderr)\n"
        "print(json.dumps([times, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))\n"
    )
    import json

    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(cmd), str(repeat)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    times, peak_mb = json.loads(out)
    return statistics.median(times), peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alliances", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.alliances
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = Path(tmp)
        content, banners = make_registry(root, n)
        conf = make_plain_pelican(root, n)
        repo = Path(__file__).resolve().parent.parent
        alliance = [
            str(BIN / "alliance"),
            "build",
            "--content",
            str(content),
            "--banners",
            str(banners),
            "--settings",
            str(repo / "pelicanconf.py"),
        ]
        ours_no_search = measure(
            [*alliance, "--output", str(root / "out-a"), "--no-search"], root, args.repeat
        )
        search_only = measure(
            [sys.executable, "-m", "pagefind", "--site", str(root / "out-a"), "--silent"],
            root,
            args.repeat,
        )
        ours_full = measure([*alliance, "--output", str(root / "out-b")], root, args.repeat)
        plain = measure(
            [str(BIN / "pelican"), "content", "-s", str(conf), "-o", str(root / "plain-out"), "-q"],
            conf.parent,
            args.repeat,
        )
        pages = sum(1 for _ in (root / "out-b").rglob("*.html"))
        plain_pages = sum(1 for _ in (root / "plain-out").rglob("*.html"))
    print(f"alliances: {n}; our build wrote {pages} HTML pages, plain Pelican {plain_pages}")
    print(
        f"cpu: {os.cpu_count()} cores; python {sys.version.split()[0]}; median of {args.repeat} runs"
    )
    rows = [
        ("plain Pelican, N Markdown pages (simple theme)", plain),
        ("alliance build --no-search", ours_no_search),
        ("Pagefind indexing alone", search_only),
        ("alliance build (with search)", ours_full),
    ]
    for label, (wall, peak) in rows:
        print(f"  {label:<50} {wall:6.2f} s   peak {peak:6.0f} MB")
    ratio = ours_no_search[0] / plain[0]
    print(f"ratio ours(no search) / plain Pelican: {ratio:.2f}x (target <= 1.5x)")
    print(f"whole build with search: {ours_full[0]:.2f} s (target < 4 s)")
    print(f"peak memory: {max(p for _, (_, p) in rows):.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
