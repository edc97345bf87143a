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
"""The demo, the benchmark and the services, run as child processes of
the workbench.

The workbench imports none of them: it runs ``python -m demo``, ``python
-m benchmark`` or ``python -m services`` in the build's venv (where this
project is installed, so no PYTHONPATH is needed) and hands them the
arguments it was given.
"""
from __future__ import annotations

import contextlib
import subprocess
import threading
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from workbench.paths import Paths
from workbench.venv import bin_path

# Upstream ironic, built by ``./wb bench`` beside the series (no series).
UPSTREAM_VERSION = "10.1.7"


def demo_command(paths: Paths, args: Sequence[str] = ()) -> List[str]:
    """How ``./wb demo ARGS`` runs the demo.

    >>> demo_command(Paths(build=Path('/b')), ['--boot'])
    ['/b/venv/bin/python', '-m', 'demo', '--boot']
    """
    return [str(bin_path(paths, "python")), "-m", "demo", *args]


def services_command(paths: Paths, args: Sequence[str] = ()) -> List[str]:
    """How ``./wb services ARGS`` runs the services.

    >>> services_command(Paths(build=Path('/b')), ['status'])
    ['/b/venv/bin/python', '-m', 'services', 'status']
    """
    return [str(bin_path(paths, "python")), "-m", "services", *args]


#: What ``python -m services up`` prints once every service answers.
SERVICES_UP = "[services] up in "


def up_seconds(line: str) -> Optional[float]:
    """The seconds of ``python -m services up``'s up line, or None for
    another line.

    >>> up_seconds('[services] up in 18.7 s on 127.1.2.1: ...')
    18.7
    >>> up_seconds('[services] rabbitmq: up in 5.7 s') is None
    True
    """
    if not line.startswith(SERVICES_UP):
        return None
    return float(line[len(SERVICES_UP):].split()[0])


@contextlib.contextmanager
def services_running(paths: Paths, cwd: Path,
                     log_path: Path) -> Iterator[Optional[float]]:
    """``python -m services up --die-with-parent`` for the block: the
    test steps in it use that set (the services' ``state.json``).

    Its lines go to ``log_path`` and to the terminal until the services
    are up (or it ends); yields the seconds ``up`` reported, or None if
    they did not come up (the tests then skip, saying why). At the end
    of the block (also on Ctrl-C) SIGTERM, and a wait until all stopped;
    a SIGKILLed workbench takes them along (``--die-with-parent``).
    """
    log = open(log_path, "w", encoding="utf-8", errors="replace")
    process = subprocess.Popen(
        services_command(paths, ["up", "--die-with-parent"]), cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True, errors="replace")
    seconds = None
    rest = threading.Thread(target=log.writelines, daemon=True,
                            args=(process.stdout,))
    try:
        for line in process.stdout:
            log.write(line)
            print(line.rstrip("\n"), flush=True)
            seconds = up_seconds(line)
            if seconds is not None:
                break
        rest.start()
        yield seconds
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=180)
        if rest.is_alive():
            rest.join(timeout=10)
        log.close()


def bench_command(paths: Paths, upstream: Paths,
                  args: Sequence[str] = ()) -> List[str]:
    """How ``./wb bench ARGS`` runs the benchmark: one child.

    >>> bench_command(Paths(build=Path('/b')), Paths(build=Path('/u')),
    ...               ['--quick'])  # doctest: +NORMALIZE_WHITESPACE
    ['/b/venv/bin/python', '-m', 'benchmark',
     '--series-python', '/b/venv/bin/python',
     '--upstream-python', '/u/venv/bin/python',
     '--out-dir', '/b/reports', '--quick']
    """
    python = str(bin_path(paths, "python"))
    return [python, "-m", "benchmark", "--series-python", python,
            "--upstream-python", str(bin_path(upstream, "python")),
            "--out-dir", str(paths.reports), *args]


def run(command: Sequence[str], cwd: Path) -> int:
    """Run a child in the foreground; return its exit code.

    Ctrl-C reaches the child too (same process group); it cleans up (VMs,
    tgtd, iLOs) and exits. Wait for that instead of killing it.
    """
    print("run: %s" % " ".join(command), flush=True)
    with subprocess.Popen(list(command), cwd=cwd) as process:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                continue
