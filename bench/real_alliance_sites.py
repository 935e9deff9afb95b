"""Judge real Taiwanese alliance and lab websites, served byte for byte on loopback, against
labels a person wrote by looking at each site (docs/PERFORMANCE.md "Real Taiwanese alliance and
lab sites").

Not a test and not part of the suite: the sites are other people's work, most without a licence,
so they are not in this repository. The script takes a folder that holds them::

    FOLDER/sites.json     {"sites": [{"slug": "yflin", "root": "yflin", "home": "/yflin_web/",
                                      "mount": "/yflin_web", "repo": "owner/name (main 2cf707b)",
                                      "todays": ["2026-08-06", "2026-06-12"]}, ...]}
    FOLDER/labels.json    {"yflin": {"loads": "pass", "credit": "fail", "latest_date": "2026-06-13",
                                     "latest_by_today": {"2026-06-12": "2026-06-12"},
                                     "why": "..."}, ...}   (written BEFORE running ``judge``)
    FOLDER/<root>/...     the site's files as its repository (or its gh-pages branch) holds them

The labels say what a visitor's browser shows, with the internet: a page that a script from
another host (jQuery from a CDN) fills is labelled with what it shows once filled, although
here, served alone, it stays blank (the monitor refuses other hosts' scripts, so such a miss is
the monitor's). The run of 2026-12-08 and its repositories: docs/PERFORMANCE.md "Real Taiwanese
alliance and lab sites".

``mount`` is the path the site is published under when it is a GitHub project page (its built
files name ``/it-blog/css/...``); ``home`` is the address a visitor opens. ``todays`` are the
fixed dates the site is judged on (a few months after its newest date, a year after, and probes
before a post to check that future dates are not counted); ``latest_by_today`` gives the label's
latest date for such a probe, ``latest_date`` for every other ``today``. ``loads`` "fail" means
credit and updates are not checked (the monitor reports them as failing "not checked").

Each site is served from 127.0.0.x (one address per site, so the sites are different hosts),
exactly as stored: no file is changed, nothing is stripped. Nothing leaves the machine:

* the monitor's fetcher gets a resolver that answers only for 127.0.0.0/8 addresses and
  records every other host it was asked for (a name the site links to fails as a DNS failure
  would);
* the monitor's renderer already refuses every request to another host (monitor/fetching/
  render.py) and counts them; the ``shots`` step does the same with its own route handler;
* each server logs every path it was asked for, printed with ``--verbose``.

Steps::

    bench/real_alliance_sites.py shots FOLDER OUT     # full-page PNG + visible text per site,
                                                      # to look at before labelling
    bench/real_alliance_sites.py judge FOLDER [--out results.json] [--static] [--repeat N]

``judge`` runs the real per-site check of the monthly crawl (:func:`monitor.visit.check_site`,
Chromium from Debian's package, as the crawl does; ``--static`` adds the no-browser fallback) once
per ``today`` of each site and prints, per verdict, the label, the monitor's answer and whether
they agree: loads status, credit status, the latest date found, and the updates status (the
label's date turned into pass/warn/fail by RULES.md's 90/180-day window for that ``today``).
"""

from __future__ import annotations

import argparse
import http.server
import json
import mimetypes
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alliance_portal.registry.profiles import Alliance
from monitor.fetching.fetch import Fetcher, FetchOptions
from monitor.fetching.guard import AddressPolicy
from monitor.fetching.render import Renderer, find_chromium
from monitor.model import SiteResult
from monitor.visit import CrawlContext, check_site

FIRST_ADDRESS = 70  # sites on 127.0.0.70, .71, ...
PORT = 8765


# -- serving -------------------------------------------------------------------------------------


@dataclass
class StaticSite:
    """One site's folder served as stored, on its own loopback address."""

    slug: str
    root: Path
    host: str
    port: int = PORT
    #: the path the site is published under (a GitHub project page: "/netdb-web")
    mount: str = ""
    log: list[str] = field(default_factory=list)
    _server: http.server.ThreadingHTTPServer | None = None

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> StaticSite:
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.log.append(self.path)
                target = site.file_for(self.path)
                if target is None:
                    body = b"<html><body><h1>404 Not Found</h1></body></html>"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                else:
                    body = target.read_bytes()
                    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                    self.send_response(200)
                    self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET

        self._server = http.server.ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def file_for(self, raw_path: str) -> Path | None:
        """The stored file a path names, never outside root, as GitHub Pages finds it: a folder
        means its index.html, and ``/posts`` is ``posts.html`` when there is no such folder
        index (a Next.js or Gatsby export links its pages without the extension)."""
        path = unquote(urlsplit(raw_path).path)
        if self.mount:
            if not path.startswith(self.mount + "/"):
                return None
            path = path[len(self.mount) :]
        candidate = (self.root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root.resolve()):
            return None
        if candidate.is_dir():
            for name in ("index.html", "index.htm"):
                if (candidate / name).is_file():
                    return candidate / name
        if candidate.is_file():
            return candidate
        page = candidate.with_name(candidate.name + ".html")
        return page if candidate.name and page.is_file() else None


@dataclass(frozen=True)
class SiteSpec:
    slug: str
    root: str
    home: str
    repo: str
    todays: tuple[date, ...]
    mount: str = ""


def load_specs(folder: Path) -> list[SiteSpec]:
    data = json.loads((folder / "sites.json").read_text(encoding="utf-8"))
    return [
        SiteSpec(
            slug=s["slug"],
            root=s["root"],
            home=s.get("home", "/"),
            repo=s.get("repo", ""),
            todays=tuple(date.fromisoformat(t) for t in s.get("todays", [])),
            mount=s.get("mount", ""),
        )
        for s in data["sites"]
    ]


@contextmanager
def serving(folder: Path, specs: Sequence[SiteSpec]) -> Iterator[dict[str, StaticSite]]:
    sites = {
        spec.slug: StaticSite(
            spec.slug, folder / spec.root, f"127.0.0.{FIRST_ADDRESS + i}", mount=spec.mount
        )
        for i, spec in enumerate(specs)
    }
    for site in sites.values():
        site.start()
    try:
        yield sites
    finally:
        for site in sites.values():
            site.stop()


# -- looking at the sites ------------------------------------------------------------------------


def take_shots(folder: Path, out: Path) -> None:
    """A full-page screenshot and the visible text of each homepage, for a person to label."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    specs = load_specs(folder)
    exe = find_chromium()
    with serving(folder, specs) as sites, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=exe, args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.*"]
        )
        for spec in specs:
            site = sites[spec.slug]
            blocked: list[str] = []
            ctx = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 900})

            def route(
                r: Any,
                _request: Any = None,
                *,
                site: StaticSite = site,
                blocked: list[str] = blocked,
            ) -> None:
                if urlsplit(r.request.url).hostname == site.host:
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            ctx.route("**/*", route)
            page = ctx.new_page()
            try:
                page.goto(site.url(spec.home), wait_until="load", timeout=20000)
                page.wait_for_timeout(1500)
                for y in range(0, 20000, 700):  # scroll like a visitor (scroll-reveal boxes)
                    page.evaluate(f"window.scrollTo(0, {y})")
                    page.wait_for_timeout(60)
                page.screenshot(path=str(out / f"{spec.slug}.png"), full_page=True)
                (out / f"{spec.slug}.txt").write_text(page.inner_text("body"), encoding="utf-8")
            except Exception as exc:  # a bench: say which site and go on
                print(f"{spec.slug}: {type(exc).__name__}: {exc}")
            ctx.close()
            print(f"{spec.slug}: {len(site.log)} local requests, {len(blocked)} other-host blocked")
        browser.close()


# -- judging -------------------------------------------------------------------------------------


class LoopbackOnly:
    """A resolver for the monitor's fetcher: 127.0.0.0/8 literals only; other names are
    recorded and fail as an unknown name would."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        if host.startswith("127."):
            return [host]
        self.refused.append(host)
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: not resolved (loopback bench)")


def window_status(latest: str | None, today: date) -> str:
    """RULES.md "updates": pass up to 90 days, warn 91-180, fail older or none."""
    if not latest:
        return "fail"
    age = (today - date.fromisoformat(latest)).days
    if age < 0:
        return "?"
    return "pass" if age <= 90 else "warn" if age <= 180 else "fail"


def judge_one(
    url: str, slug: str, today: date, exe: str | None, resolver: LoopbackOnly
) -> SiteResult:
    fetcher = Fetcher(
        FetchOptions(
            connect_timeout=3,
            read_timeout=6,
            deadline=10,
            retries=1,
            backoff_base=0.05,
            max_retry_after=0.2,
            policy=AddressPolicy(allow_private=True, resolve=resolver),
        )
    )
    renderer = Renderer(fetcher, executable=exe, timeout=20)
    if exe is None:
        renderer.executable = None
    ctx = CrawlContext(fetcher=fetcher, renderer=renderer, today=today)
    alliance = Alliance(slug=slug, name=slug, university="", industry="other", website=url)
    try:
        return check_site(alliance, ctx, previous_fingerprint=None).result
    finally:
        ctx.close()


def judge(folder: Path, out: Path | None, *, static: bool, verbose: bool, repeat: int = 1) -> int:
    specs = load_specs(folder)
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    exe = find_chromium()
    if exe is None:
        print("no Chromium (apt-get install chromium, or set CHROMIUM)")
        return 2
    modes = [("chromium", exe)] + ([("static", None)] if static else [])
    rows: list[dict[str, Any]] = []
    agree: dict[str, list[int]] = {}
    resolver = LoopbackOnly()
    seen: dict[tuple[str, str, str], set[str]] = {}  # the verdicts each (site, today, mode) got
    with serving(folder, specs) as sites:
        for spec in [s for _ in range(repeat) for s in specs]:
            label = labels[spec.slug]
            for today in spec.todays:
                for mode, executable in modes:
                    started = time.monotonic()
                    r = judge_one(
                        sites[spec.slug].url(spec.home), spec.slug, today, executable, resolver
                    )
                    seconds = time.monotonic() - started
                    got = {
                        "loads": r.loads.status,
                        "credit": r.credit.status,
                        "latest_date": r.updates.details.get("latest_date"),
                        "updates": r.updates.status,
                    }
                    # the newest date <= today: a probe today before the newest post has its own
                    latest = label.get("latest_by_today", {}).get(
                        today.isoformat(), label.get("latest_date")
                    )
                    want = {
                        "loads": label["loads"],
                        "credit": label["credit"],
                        "latest_date": latest,
                        "updates": window_status(latest, today),
                    }
                    for key in want:
                        counts = agree.setdefault(f"{mode}:{key}", [0, 0])
                        counts[0] += got[key] == want[key]
                        counts[1] += 1
                    rows.append(
                        {
                            "slug": spec.slug,
                            "today": today.isoformat(),
                            "mode": mode,
                            "seconds": round(seconds, 2),
                            "want": want,
                            "got": got,
                            "credit_evidence": r.credit.evidence,
                            "updates_evidence": r.updates.evidence,
                            "loads_evidence": r.loads.evidence,
                        }
                    )
                    diff = [k for k in want if got[k] != want[k]]
                    seen.setdefault((spec.slug, today.isoformat(), mode), set()).add(
                        json.dumps(got, sort_keys=True)
                    )
                    print(
                        f"{spec.slug:12} {today} {mode:8} {seconds:5.1f}s "
                        + " ".join(f"{k}={got[k]}" for k in got)
                        + (f"   DIFFERS {diff} (label {[want[k] for k in diff]})" if diff else "")
                    )
            if verbose:
                print(f"  {spec.slug}: {len(sites[spec.slug].log)} requests served")
    print("\nagreement with the labels:")
    for key, (ok, n) in agree.items():
        print(f"  {key:22} {ok}/{n}")
    unstable = {k: sorted(v) for k, v in seen.items() if len(v) > 1}
    if repeat > 1:
        print(f"verdicts that changed between the {repeat} runs: {len(unstable)}")
        for (slug, today_s, mode), answers in unstable.items():
            print(f"  {slug} {today_s} {mode}: " + " | ".join(answers))
    print(f"hosts the fetcher was refused (never contacted): {sorted(set(resolver.refused))}")
    if out is not None:
        out.write_text(json.dumps({"rows": rows, "agreement": agree}, ensure_ascii=False, indent=1))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    shots = sub.add_parser("shots", help="screenshots and visible text, for labelling")
    shots.add_argument("folder", type=Path)
    shots.add_argument("out", type=Path)
    run = sub.add_parser("judge", help="run the monitor's check and compare with labels.json")
    run.add_argument("folder", type=Path)
    run.add_argument("--out", type=Path)
    run.add_argument("--static", action="store_true", help="also judge without a browser")
    run.add_argument("--verbose", action="store_true")
    run.add_argument("--repeat", type=int, default=1, help="judge every site N times (flakiness)")
    args = parser.parse_args(argv)
    if args.step == "shots":
        take_shots(args.folder, args.out)
        return 0
    return judge(
        args.folder, args.out, static=args.static, verbose=args.verbose, repeat=args.repeat
    )


if __name__ == "__main__":
    raise SystemExit(main())
