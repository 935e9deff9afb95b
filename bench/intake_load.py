"""Deadline day on the upload form: many alliances at once against the real server.

    python bench/intake_load.py [--alliances 200] [--clients 50] [--threads 8]

On 30 April most alliances upload at the last minute. This makes a portal of N alliances (with
banners) in a temporary project folder, starts ``alliance intake serve`` there exactly as the
office does (relative defaults, the real portal rebuild after saves, waitress), issues links
with ``alliance intake links``, and lets C alliances at once each

1. open their personal link (and the form behind it),
2. upload a new banner (and see the preview),
3. confirm it,
4. save a changed profile,

while the server rebuilds the portal in the background. It reports p50/p95/max latency per
step, the errors (target 0), how long after the last save the last change is live on the
portal, and the server's peak memory (VmHWM of the server process, plus the largest Pagefind
child seen). Then it checks that nothing was lost: every save is in the audit log, every
replaced file is in the history, the files on disk are the ones the audit log names, and every
change reached the built portal. Figures go to docs/PERFORMANCE.md.

Every loop here is bounded in count and time; the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.build import make_registry

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
STEPS = ("open link", "upload banner", "confirm banner", "save profile")
TIMEOUT = 120.0
#: How long the bench waits for the last change to go live (a build of N alliances).
LIVE_WAIT = 600.0
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def banner_png(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (222, 112), ((n * 53) % 256, (n * 97) % 256, (n * 29) % 256)).save(
        out, format="PNG"
    )
    return out.getvalue()


def csrf(html: str) -> str:
    match = _CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def form_fields(html: str) -> dict[str, str]:
    """The profile form's current values, as a browser would submit them."""
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input [^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', html):
        fields[name] = value
    for name, value in re.findall(
        r'<textarea [^>]*name="([a-z_]+)"[^>]*>(.*?)</textarea>', html, re.S
    ):
        fields[name] = value
    for name, block in re.findall(r'<select [^>]*name="([a-z_]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', block)
        if chosen:
            fields[name] = chosen.group(1)
    fields.pop("csrf_token", None)
    import html as html_lib

    return {k: html_lib.unescape(v) for k, v in fields.items()}


class Memory:
    """Polls the server's peak RSS (VmHWM) and its children's RSS until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.server_peak_kb = 0
        self.child_peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    @staticmethod
    def _field(pid: int, name: str) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(name + ":"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def _children(self) -> list[int]:
        """Every descendant of the server (Pagefind runs under a small wrapper)."""
        found: list[int] = []
        todo = [self.pid]
        while todo and len(found) < 1000:
            pid = todo.pop()
            kids: list[int] = []
            # Children belong to the thread that started them (the build runs in a thread).
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    kids += [int(p) for p in task.read_text().split()]
                except OSError:
                    continue
            found += kids
            todo += kids
        return found

    def _poll(self) -> None:
        deadline = time.monotonic() + 3600
        while not self._stop.is_set() and time.monotonic() < deadline:
            self.server_peak_kb = max(self.server_peak_kb, self._field(self.pid, "VmHWM"))
            for child in self._children():
                self.child_peak_kb = max(self.child_peak_kb, self._field(child, "VmRSS"))
            self._stop.wait(0.2)

    def start(self) -> Memory:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def one_alliance(
    base: str,
    slug: str,
    token: str,
    n: int,
    results: dict[str, list[float]],
    errors: list[str],
    start: threading.Barrier,
) -> requests.Session | None:
    """The four steps of one alliance; returns its session (to ask about publishing)."""
    session = requests.Session()
    marker = f"deadline-day-{slug}"

    def timed(step: str, call):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        resp = call()
        results[step].append(time.perf_counter() - t)
        return resp

    try:
        start.wait(60)
        home = timed("open link", lambda: session.get(f"{base}/link/{token}", timeout=TIMEOUT))
        if home.status_code != 200 or "/alliance/" not in home.url:
            errors.append(f"{slug}: open link -> {home.status_code}")
            return None
        preview = timed(
            "upload banner",
            lambda: session.post(
                f"{base}/alliance/banner",
                data={"csrf_token": csrf(home.text)},
                files={"banner": ("banner.png", banner_png(n), "image/png")},
                timeout=TIMEOUT,
            ),
        )
        if preview.status_code != 200 or "preview" not in preview.url:
            errors.append(f"{slug}: upload -> {preview.status_code}")
            return None
        confirmed = timed(
            "confirm banner",
            lambda: session.post(
                f"{base}/alliance/banner/confirm",
                data={"csrf_token": csrf(preview.text)},
                timeout=TIMEOUT,
            ),
        )
        if confirmed.status_code != 200:
            errors.append(f"{slug}: confirm -> {confirmed.status_code}")
            return None
        fields = form_fields(confirmed.text)
        fields["intro"] = f"{fields.get('intro', '')}\n\n{marker}"
        saved = timed(
            "save profile",
            lambda: session.post(
                f"{base}/alliance/profile",
                data={"csrf_token": csrf(confirmed.text), **fields},
                timeout=TIMEOUT,
            ),
        )
        if saved.status_code != 200 or "資料未儲存" in saved.text:
            errors.append(f"{slug}: save -> {saved.status_code}")
            return None
    except (requests.RequestException, RuntimeError, threading.BrokenBarrierError) as exc:
        errors.append(f"{slug}: {type(exc).__name__}: {exc}")
        return None
    return session


def verify(project: Path, slugs: list[str], had_banner: set[str]) -> list[str]:
    """Nothing lost: audit log, history and the files on disk account for every save.

    An alliance that had a banner before the run must have exactly that one kept in history;
    one that had none has nothing to keep.
    """
    problems: list[str] = []
    entries = [
        json.loads(line)
        for line in (project / "var" / "intake-audit.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    by_slug: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for e in entries:
        by_slug[e["slug"]][e["action"]].append(e)
    for slug in slugs:
        for action, path, history, suffix in (
            ("profile.save", project / "content/alliances" / f"{slug}.toml",
             project / "content/.history" / slug, ".toml"),
            ("banner.save", project / "banners" / f"{slug}.png",
             project / "banners/.history" / slug, ".png"),
        ):  # fmt: skip
            saves = by_slug[slug][action]
            if len(saves) != 1:
                problems.append(f"{slug}: {len(saves)} audit entries for {action}, expected 1")
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != saves[0]["sha256"]:
                problems.append(f"{slug}: {path.name} is not the file the audit log names")
            kept = [p for p in history.glob(f"*{suffix}")] if history.is_dir() else []
            expected = 1 if suffix == ".toml" or slug in had_banner else 0
            if len(kept) != expected:
                problems.append(
                    f"{slug}: {len(kept)} earlier {suffix} versions kept, expected {expected}"
                )
        if f"deadline-day-{slug}" not in (project / "content/alliances" / f"{slug}.toml").read_text(
            "utf-8"
        ):
            problems.append(f"{slug}: the saved profile lacks the change")
        built = list((project / "output").rglob(f"{slug}*")) + list(
            (project / "output").rglob(f"*/{slug}/index.html")
        )
        text = " ".join(p.read_text("utf-8", "replace") for p in built if p.suffix == ".html")
        if f"deadline-day-{slug}" not in text:
            problems.append(f"{slug}: the change is not on the built portal")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alliances", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        project = Path(tmp)
        make_registry(project, args.alliances)
        (project / "pelicanconf.py").write_text((REPO / "pelicanconf.py").read_text("utf-8"))
        for folder in ("content/pages",):  # the theme comes from the package
            src = REPO / folder
            if src.is_dir():
                subprocess.run(["cp", "-r", str(src), str(project / folder)], check=True)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        alliance = [str(BIN / "alliance")]
        t0 = time.perf_counter()
        subprocess.run([*alliance, "build"], cwd=project, env=env, check=True, capture_output=True)
        first_build = time.perf_counter() - t0
        port = free_port()
        links = subprocess.run(
            [*alliance, "intake", "links", "--base-url", f"http://127.0.0.1:{port}"],
            cwd=project, env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        tokens = dict(line.split("\t") for line in links.splitlines() if "\t" in line)
        slugs = sorted(tokens)[: args.clients]
        had_banner = {s for s in slugs if (project / "banners" / f"{s}.png").exists()}
        log = (project / "server.log").open("w")  # a file: a full pipe would stall the server
        server = subprocess.Popen(
            [*alliance, "intake", "serve", "--port", str(port), "--threads", str(args.threads)],
            cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        memory = Memory(server.pid).start()
        try:
            for _ in range(600):  # up to 60 s for the server to listen
                try:
                    requests.get(base + "/", timeout=2)
                    break
                except requests.ConnectionError:
                    if server.poll() is not None:
                        break
                    time.sleep(0.1)
            else:
                server.kill()
            if server.poll() is not None:
                log.flush()
                sys.exit("the server did not start:\n" + (project / "server.log").read_text())
            results: dict[str, list[float]] = {step: [] for step in STEPS}
            errors: list[str] = []
            barrier = threading.Barrier(len(slugs))
            sessions: dict[str, requests.Session | None] = {}

            def run(n: int, slug: str) -> None:
                sessions[slug] = one_alliance(
                    base, slug, tokens[slug].rsplit("/link/", 1)[1], n, results, errors, barrier
                )

            workers = [threading.Thread(target=run, args=(n, slug)) for n, slug in enumerate(slugs)]
            started = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join(LIVE_WAIT)
            last_save = time.perf_counter()
            wall = last_save - started
            # Time until the last change is live: every alliance's status says "live".
            live_after = None
            deadline = time.monotonic() + LIVE_WAIT
            pending = {s: sess for s, sess in sessions.items() if sess is not None}
            while pending and time.monotonic() < deadline:
                for slug, sess in list(pending.items()):
                    status = sess.get(f"{base}/alliance/publish-status", timeout=TIMEOUT).json()
                    if status.get("status") == "live":
                        del pending[slug]
                    elif status.get("status") == "failed":
                        errors.append(f"{slug}: the portal build failed")
                        del pending[slug]
                if pending:
                    time.sleep(0.5)
            if not pending:
                live_after = time.perf_counter() - last_save
            else:
                errors.append(f"{len(pending)} changes not live after {LIVE_WAIT:.0f} s")
        finally:
            memory.stop()
            server.terminate()
            try:
                server.wait(180)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
        lost = verify(project, slugs, had_banner)
        server_log = (project / "server.log").read_text("utf-8", "replace")
        builds = len(re.findall(r'Writing "[^"]*/404\.html"', server_log))  # one per build
        if os.environ.get("BENCH_SHOW_LOG"):
            print(server_log[-3000:])

    print(f"alliances: {args.alliances}; concurrent clients: {len(slugs)}; "
          f"waitress threads: {args.threads}; cpu: {os.cpu_count()} cores")  # fmt: skip
    print(f"first full build: {first_build:.1f} s; all clients done in {wall:.1f} s")
    for step in STEPS:
        times = sorted(results[step])
        if not times:
            print(f"  {step:<16} no successful requests")
            continue
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"  {step:<16} n={len(times):3d}  p50 {statistics.median(times) * 1000:7.0f} ms  "
            f"p95 {p95 * 1000:7.0f} ms  max {times[-1] * 1000:7.0f} ms"
        )
    print(f"errors: {len(errors)}" + "".join(f"\n  {e}" for e in errors[:20]))
    live = f"{live_after:.1f} s" if live_after is not None else "not reached"
    print(f"last change live {live} after the last save; portal builds during the run: {builds}")
    print(
        f"peak memory: server {memory.server_peak_kb / 1024:.0f} MB (VmHWM), "
        f"largest descendant (Pagefind) {memory.child_peak_kb / 1024:.0f} MB"
    )
    print(f"nothing lost: {'yes' if not lost else 'NO'}" + "".join(f"\n  {p}" for p in lost[:20]))
    sys.exit(1 if errors or lost else 0)


if __name__ == "__main__":
    main()
