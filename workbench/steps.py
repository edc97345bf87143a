# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""Long work as named steps: a start line, progress, a log per step.

Each step is a child process. Its whole output (stdout and stderr) goes
to ``<reports>/<step>.log``; the terminal gets one start line, saying
what runs and in which venv, and then, while the step runs, one progress
line every ``interval`` seconds with the results counted so far (lines
of the child's output that ``counter`` recognises) or what it waits for.
:data:`current` names the running step, so Ctrl-C can say which one it
stopped.
"""
from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

from workbench.errors import WorkbenchError

#: Seconds between progress lines.
INTERVAL = 30.0

#: The step running now, and its log: what Ctrl-C stopped.
current: Dict[str, str] = {}

# A stestr (subunit-trace) result line: "{0} test.id [0.1s] ... ok".
_STESTR = re.compile(r"^\{\d+\} \S+ .*\.\.\. (ok|FAILED|SKIPPED)")
# pytest -v: one line a test, "tests/x.py::test_a PASSED    [ 42%]", or
# with pytest-xdist "[gw1] [ 42%] PASSED tests/x.py::test_a" (-q would
# put a whole row of results on one line, which ends only when the row
# is full: too late for progress).
_PYTEST = re.compile(r"::\S.* (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b"
                     r"|^\[gw\d+\] \[ *\d+%\] (PASSED|FAILED|ERROR|SKIPPED"
                     r"|XFAIL|XPASS) \S+::")
# pip: a package it is about to install.
_PIP = re.compile(r"^(Collecting|Processing|Obtaining) ")


def stestr_results(line: str) -> int:
    """Tests a line of ``stestr run`` output reports.

    >>> stestr_results('{1} ironic.tests.unit.x.T.test_a [0.2s] ... ok')
    1
    >>> stestr_results('Totals')
    0
    """
    return 1 if _STESTR.match(line) else 0


def pytest_results(line: str) -> int:
    """Tests a line of ``pytest -v`` output reports.

    >>> pytest_results('tests/x.py::test_a[9-chap] PASSED       [ 42%]')
    1
    >>> pytest_results('tests/x.py::T::test_b XFAIL (stale CHAP)  [ 50%]')
    1
    >>> pytest_results('[gw2] [  8%] PASSED tests/x.py::test_c[gen9] ')
    1
    >>> pytest_results('tests/x.py:3: error')
    0
    """
    return 1 if _PYTEST.search(line) else 0


def pip_results(line: str) -> int:
    """Packages a line of pip output starts on.

    >>> pip_results('Collecting six==1.17.0')
    1
    """
    return 1 if _PIP.match(line) else 0


@dataclasses.dataclass
class StepRun:
    """What one step did."""

    name: str
    returncode: int
    log: Path
    output: str
    counted: int
    seconds: float


def _pump(stream, log, counter, state: dict, lines: list) -> None:
    for line in stream:
        log.write(line)
        log.flush()
        lines.append(line)
        if counter is not None:
            state["count"] += counter(line.rstrip("\n"))


def run(name: str, argv: Sequence[str], *, reports: Path,
        where: str = "", cwd: Optional[Path] = None,
        env: Optional[Dict[str, str]] = None,
        counter: Optional[Callable[[str], int]] = None,
        unit: str = "tests done", waiting: str = "",
        interval: Optional[float] = None, quiet: bool = False) -> StepRun:
    """Run ``argv`` as step ``name``; return what it did.

    :param where: the venv (or other context) named in the start line.
    :param counter: how many results a line of output reports.
    :param unit: what the counted results are, for progress lines.
    :param waiting: what the step waits for, for progress lines when
        nothing is counted.
    :param quiet: no start line (for short, inner steps).
    """
    interval = INTERVAL if interval is None else interval
    reports.mkdir(parents=True, exist_ok=True)
    log_path = reports / (re.sub(r"[^\w.-]+", "-", name) + ".log")
    if not quiet:
        print("[%s] start: %s%s (log: %s)" % (
            name, " ".join(str(a) for a in argv),
            " in " + where if where else "", log_path), flush=True)
    current.update(name=name, log=str(log_path))
    state = {"count": 0}
    lines: list = []
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            [str(a) for a in argv], cwd=cwd,
            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as error:
        current.clear()
        raise WorkbenchError("step %s cannot start %s: %s" % (
            name, argv[0], error.strerror or error))
    with open(log_path, "w", encoding="utf-8", errors="replace") as log, \
            process:
        pump = threading.Thread(target=_pump, daemon=True, args=(
            process.stdout, log, counter, state, lines))
        pump.start()
        try:
            while True:
                try:
                    returncode = process.wait(timeout=interval)
                    break
                except subprocess.TimeoutExpired:
                    elapsed = time.monotonic() - start
                    what = ("%d %s" % (state["count"], unit)
                            if counter is not None else
                            waiting or "still running")
                    print("[%s] %.0f s: %s" % (name, elapsed, what),
                          flush=True)
        except KeyboardInterrupt:
            # The child got the same SIGINT (same process group); give it
            # a moment to stop, then make sure.
            try:
                process.wait(timeout=10)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                process.kill()
            raise
        pump.join()
    current.clear()
    return StepRun(name, returncode, log_path, "".join(lines),
                   state["count"], time.monotonic() - start)


def interrupted() -> str:
    """The line Ctrl-C prints: the step it stopped and its log."""
    if not current:
        return "wb: interrupted"
    return "wb: interrupted during step %s (its output so far: %s)" % (
        current["name"], current["log"])
