"""The tests ``make test`` runs alone, after the parallel run, and the files that hold them.

``make test`` runs the suite in parallel (pytest-xdist, one file per worker at a time), then the
``serial`` tests by themselves (docs/PERFORMANCE.md, "The test suite's wall time"). A test is
``serial`` when what it measures depends on the machine being otherwise idle: a memory budget
read from /proc while Chromium grows, or a render racing its own time-out. Listed here by node
id because their files belong to the monitor's fetching work.

This is the one definition of them: tests/conftest.py marks the tests :func:`is_serial` says
(the parallel step deselects them with ``-m "not serial"``), and the serial step collects only
the files ``python -m tests.support.serial`` prints (:func:`serial_files`) instead of the whole
suite, since collecting every file to run a few of them took 25-80 s on CI.
tests/test_serial_step.py checks that the two steps still split the suite between them.
"""

from __future__ import annotations

#: Node ids (relative to the repository; a file's path for all of its tests) of the tests
#: ``make test`` runs after the parallel run.
SERIAL_TESTS = frozenset(
    {
        # the crawl's process tree under 1.5 GiB PSS while three hostile pages grow: beside
        # other Chromiums its pages are killed for time before memory, and the evidence changes
        "tests/test_hostile_crawl.py::test_hostile_pages_are_closed_within_the_memory_budget_and_the_crawl_goes_on",
        # a renderer killed under a tracer wedges its browser; the pages after it must render
        # in a new browser within an 8 s render time-out, and the fake "zygote" is watched on
        # a clock: a busy machine is what these tests must not be mistaken for
        "tests/test_hostile_crawl.py::test_after_a_renderer_kill_wedges_the_browser_the_crawls_other_sites_are_still_rendered",
        "tests/test_render_wedge.py",
        # a quick page must render while a slow one waits 4 s for its data, a stop must come
        # before a 5 s answer: beside a second suite (load 20-24) the quick render took longer
        "tests/test_render_pool.py",
    }
)


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def is_serial(nodeid: str) -> bool:
    """Whether the test with this node id runs in the serial step: its test (any of its
    parameters) or its whole file is in :data:`SERIAL_TESTS`."""
    test = nodeid.split("[", 1)[0]
    return test in SERIAL_TESTS or _file_of(test) in SERIAL_TESTS


def serial_files() -> list[str]:
    """The files the serial step collects, sorted: every file that holds a serial test, so no
    test :func:`is_serial` picks can be left out of both steps."""
    return sorted({_file_of(entry) for entry in SERIAL_TESTS})


def main() -> None:
    """Print the serial step's files on one line, for the Makefile's ``pytest ... $(...)``."""
    print(" ".join(serial_files()))


if __name__ == "__main__":
    main()
