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
"""The demo and the benchmark, run as child processes of the workbench.

The workbench imports neither: it runs ``python -m demo`` or ``python -m
benchmark`` in the build's venv (where this project is installed, so no
PYTHONPATH is needed) and hands them the arguments it was given.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List, Sequence

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
