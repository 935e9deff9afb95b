"""The console's long jobs (re-check a site, publish the portal): one at a time, in order.

A crawl drives a browser and a publish swaps the live site, so two of them at once would only
compete for the same two cores and the same files. Jobs wait in a queue and one worker thread
runs them in the order they were asked for; a job that waits says which job it waits for.
A second click for the same thing while it is still waiting or running joins that job instead
of queueing a duplicate.

Why a thread and not a process pool: the jobs are the composition root's functions (they call
the monitor and the portal), handed in as callables; one worker thread keeps them strictly one
at a time without any inter-process state.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from alliance_portal.intake.office_hooks import Progress
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import AllianceError

#: What a job of each kind is, as its page's title says it.
JOB_KINDS: dict[str, Bilingual] = {
    "recheck": Bilingual("重新檢查網站", "Re-check of a website"),
    "publish": Bilingual("發布入口網", "Publishing the portal"),
    "crawl": Bilingual("本月網站檢查", "This month’s website check"),
}

log = logging.getLogger(__name__)

JobState = Literal["waiting", "running", "done", "failed"]

#: Finished jobs kept for their pages (older ones are forgotten; the audit log keeps the record).
KEEP_FINISHED = 50


@dataclass(slots=True)
class Job:
    """One job and what it has said so far."""

    id: int
    kind: str  # "recheck" or "publish"
    subject: str  # the alliance's slug, or "portal"
    actor: str
    created: str
    state: JobState = "waiting"
    steps: list[Bilingual] = field(default_factory=list)
    result: object = None
    #: Why the job failed, in each language (None while it has not failed).
    error: Bilingual | None = None
    finished: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)

    @property
    def active(self) -> bool:
        return self.state in ("waiting", "running")


@dataclass(frozen=True, slots=True)
class Tally(Bilingual):
    """A step that counts ("checked 40 of 200 websites"): it replaces the tally just before it
    instead of adding a line, so a month's crawl of 200 sites shows one moving count, not a
    hundred lines of them."""


class JobFailed(AllianceError):
    """A job that ended without doing its work, with a message for the office in each language
    (``text``; the console shows the half the office reads in).

    A job's function raises it (a re-check whose process died, a publish that failed) so the
    job shows as *failed*, never as done.
    """

    def __init__(self, text: Bilingual) -> None:
        super().__init__(text.en)
        self.text = text


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class JobRunner:
    """Runs submitted jobs one at a time in a daemon thread."""

    def __init__(self, *, name: str = "office-jobs") -> None:
        self._name = name
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._jobs: OrderedDict[int, Job] = OrderedDict()
        self._work: dict[int, Callable[[Progress], object]] = {}
        self._thread: threading.Thread | None = None
        self._closing = False

    def submit(
        self, kind: str, subject: str, actor: str, work: Callable[[Progress], object]
    ) -> tuple[Job, bool]:
        """Queue ``work``; returns (job, created). An active job for the same thing is reused."""
        with self._cond:
            for job in self._jobs.values():
                if job.active and job.key == (kind, subject):
                    return job, False
            job = Job(next(self._ids), kind, subject, actor, _now())
            self._jobs[job.id] = job
            self._work[job.id] = work
            self._trim()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return job, True

    def get(self, job_id: int) -> Job | None:
        with self._cond:
            return self._jobs.get(job_id)

    def running(self) -> Job | None:
        with self._cond:
            return next((j for j in self._jobs.values() if j.state == "running"), None)

    def ahead_of(self, job: Job) -> list[Job]:
        """The active jobs that run before ``job`` (empty once it runs)."""
        with self._cond:
            if job.state != "waiting":
                return []
            return [j for j in self._jobs.values() if j.active and j.id < job.id]

    def recent(self, limit: int = 10) -> list[Job]:
        with self._cond:
            return list(self._jobs.values())[-limit:][::-1]

    def latest(self, kind: str, subject: str) -> Job | None:
        with self._cond:
            found = [j for j in self._jobs.values() if j.key == (kind, subject)]
            return found[-1] if found else None

    def wait(self, job_id: int, timeout: float) -> Job | None:
        """Block until the job has finished or ``timeout`` seconds pass (tests, the CLI)."""
        with self._cond:
            self._cond.wait_for(
                lambda: job_id not in self._jobs or not self._jobs[job_id].active, timeout
            )
            return self._jobs.get(job_id)

    def close(self, timeout: float = 30.0) -> None:
        """Let the running job finish; jobs still waiting are dropped."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _trim(self) -> None:
        finished = [j.id for j in self._jobs.values() if not j.active]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job_id]

    def _next(self) -> tuple[Job, Callable[[Progress], object]] | None:
        with self._cond:
            self._cond.wait_for(lambda: self._closing or bool(self._work))
            if self._closing or not self._work:
                return None
            job_id = min(self._work)
            job = self._jobs[job_id]
            job.state = "running"
            self._cond.notify_all()
            return job, self._work.pop(job_id)

    def _run(self) -> None:
        while True:
            picked = self._next()
            if picked is None:
                return
            job, work = picked

            def progress(step: Bilingual, job: Job = job) -> None:
                with self._cond:
                    if isinstance(step, Tally) and job.steps and isinstance(job.steps[-1], Tally):
                        job.steps[-1] = step
                    else:
                        job.steps.append(step)
                    self._cond.notify_all()

            try:
                result = work(progress)
            except Exception as exc:  # a failed job must not stop the worker
                log.exception("office job %s %s failed", job.kind, job.subject)
                with self._cond:
                    job.state = "failed"
                    job.error = (
                        exc.text
                        if isinstance(exc, JobFailed)
                        else Bilingual(  # unforeseen: the detail is the program's own words
                            f"工作未完成（詳情見伺服器紀錄）：{exc}", f"{type(exc).__name__}: {exc}"
                        )
                    )
                    job.finished = _now()
                    self._cond.notify_all()
                continue
            with self._cond:
                job.result = result
                job.state = "done"
                job.finished = _now()
                self._cond.notify_all()
