"""The console's 「立即執行本月檢查」: the whole month's crawl as a background job.

The crawl runs as ``alliance crawl`` in a process of its own, never inside the form's server: a
hostile website (issue 17.1) or a crash of the browser can then cost the crawl, not the form the
alliances are using on deadline day. The job reports progress by reading the run's stored
results (the crawl commits each site as soon as it is judged). If the server stops, the crawl
process carries on and writes the month's reports itself; if the crawl is killed, its run stays
unfinished and is not a finished month until ``alliance schedule`` (or ``crawl --resume``)
completes it.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from alliance_portal.intake.jobs import Tally
from alliance_portal.intake.office_hooks import MonthCrawl, Progress
from alliance_portal.registry.bilingual import Bilingual

if TYPE_CHECKING:
    from alliance_portal.registry.settings import MonitorSettings

#: How often the job looks at the crawl's stored results, in seconds.
POLL_SECONDS = 2.0
#: The crawl's own messages, kept for the job's error line.
LOG_NAME = "console-crawl.log"


def crawl_command(content_dir: Path, monitor: MonitorSettings) -> list[str]:
    """``alliance crawl`` with the console's settings spelled out (nothing guessed)."""
    paths, crawl = monitor.paths, monitor.crawl
    command = [
        sys.executable,
        "-m",
        "alliance_portal.cli",
        "crawl",
        "--content",
        str(content_dir),
        "--db",
        str(paths.db),
        "--reports",
        str(paths.reports),
        "--timeout",
        str(crawl.timeout),
        "--retries",
        str(crawl.retries),
        "--concurrency",
        str(crawl.concurrency),
        "--render-pool",
        str(crawl.render_pool),
        "--render-timeout",
        str(crawl.render_timeout),
    ]
    if crawl.allow_private:
        command.append("--allow-private")
    return command


def crawl_month(
    *, content_dir: Path, var_dir: Path, monitor: MonitorSettings, progress: Progress
) -> MonthCrawl:
    """Run the month's crawl in its own process and report how far it got."""
    from monitor.store import Store

    month = dt.date.today().strftime("%Y-%m")
    log_path = Path(var_dir) / LOG_NAME
    progress(Bilingual("正在檢查每個啟用中聯盟的網站", "checking every active alliance's website"))
    with log_path.open("wb") as log:
        child = subprocess.Popen(
            crawl_command(content_dir, monitor),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a stop of the form's server does not stop the crawl
        )
        store = Store(monitor.paths.db)
        said = -1
        while child.poll() is None:
            time.sleep(POLL_SECONDS)
            run = store.unfinished_run()
            if run is None or run.month != month:
                continue
            done = len(store.done_slugs(run.id))
            if done != said:
                said = done
                total = len(run.planned)
                progress(
                    Tally(f"已檢查 {done}／{total} 個網站", f"checked {done} of {total} websites")
                )
    if child.returncode != 0:
        lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        last = lines[-1] if lines else f"exit status {child.returncode}"
        raise RuntimeError(f"the crawl stopped: {last[:300]}")
    run = store.latest_run_for_month(month, kind="month")
    if run is None:
        raise RuntimeError(f"the crawl finished but stored no run for {month}")
    results = store.results(run.id)
    counts: Counter[str] = Counter(str(r.overall) for r in results)
    progress(Bilingual("報告已更新", "the month's report is written"))
    return MonthCrawl(
        month=month,
        checked=len(results),
        planned=len(run.planned),
        finished=run.finished,
        counts=dict(counts),
    )
