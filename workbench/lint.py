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

"""The gate's style checks, judged on what the series changes.

flake8 (with hacking and flake8-import-order, under the base's own
``[flake8]`` settings, ``import-order-style = pep8`` among them) on the
lines the series adds; doc8 and a Sphinx HTML build on the .rst files it
changes; ``reno lint`` on the release notes.
"""
from __future__ import annotations

import re
import tarfile
import tempfile
from pathlib import Path
from typing import Dict, List, Set

from workbench import git, steps
from workbench.paths import Paths
from workbench.venv import bin_path

_HUNK = re.compile(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", re.M)


def added_lines(diff: str) -> Set[int]:
    """Line numbers a ``git diff -U0`` of one file adds.

    >>> sorted(added_lines('@@ -1,0 +2,2 @@\\n+a\\n+b\\n@@ -9 +10 @@\\n'))
    [2, 3, 10]
    """
    lines: Set[int] = set()
    for start, count in _HUNK.findall(diff):
        first, number = int(start), int(count or 1)
        lines.update(range(first, first + number))
    return lines


def changed(tree: Path, since: str) -> Dict[str, Set[int]]:
    """Files added or modified by ``since..HEAD``, with their added lines."""
    names = git.out(tree, "diff", "--name-only", "--diff-filter=AM",
                    "%s..HEAD" % since).split()
    return {name: added_lines(git.out(tree, "diff", "-U0",
                                      "%s..HEAD" % since, "--", name))
            for name in names}


def _run(paths: Paths, tool: str, args: List[str], cwd: Path) -> str:
    """Run a tool of the venv as step ``lint-<tool>``; return its output."""
    return _step(paths, tool, args, cwd).output


def _step(paths: Paths, tool: str, args: List[str],
          cwd: Path) -> steps.StepRun:
    return steps.run("lint-" + tool, [bin_path(paths, tool), *args],
                     reports=paths.reports, cwd=cwd, where=str(paths.venv),
                     waiting="waiting for " + tool)


def flake8(paths: Paths, tree: Path, files: Dict[str, Set[int]]) -> List[str]:
    """flake8 findings on added lines of changed Python files."""
    python = [name for name in files if name.endswith(".py")]
    if not python:
        return []
    found = []
    for line in _run(paths, "flake8", python, tree).splitlines():
        match = re.match(r"^(.+?):(\d+):\d+: ", line)
        if match and int(match.group(2)) in files.get(match.group(1), ()):
            found.append(line)
    return found


def doc8(paths: Paths, tree: Path, files: Dict[str, Set[int]]) -> List[str]:
    """doc8 findings in changed .rst files.

    The base's gate ignores D001 (line length: tox.ini, pep8 env), and its
    docs have long lines; a line the series adds is held to it all the
    same.
    """
    rst = [name for name in files if name.endswith(".rst")]
    if not rst:
        return []
    found = []
    for line in _run(paths, "doc8", rst, tree).splitlines():
        match = re.match(r"^(\S+\.rst):(\d+): (D\d+)", line)
        if match and (match.group(3) != "D001" or
                      int(match.group(2)) in files.get(match.group(1), ())):
            found.append(line)
    return found


def reno(paths: Paths, tree: Path) -> List[str]:
    """``reno lint`` problems (it needs the tree to be a git repo)."""
    run = _step(paths, "reno", ["lint"], tree)
    return [] if run.returncode == 0 else run.output.strip().splitlines()


def sphinx(paths: Paths, tree: Path, files: Dict[str, Set[int]]) -> List[str]:
    """Sphinx warnings from the changed pages under doc/source.

    The docs are built from a copy of HEAD, so the tree stays clean.
    """
    pages = [name for name in files
             if name.startswith("doc/source/") and name.endswith(".rst")]
    if not pages:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "head.tar"
        git.git(tree, "archive", "-o", str(archive), "HEAD")
        copy = Path(tmp) / "src"
        with tarfile.open(archive) as tar:
            tar.extractall(copy, filter="data")
        output = _run(paths, "sphinx-build",
                      ["-q", "-b", "html", "doc/source",
                       str(Path(tmp) / "html"), *pages], copy)
    return [line.replace(str(copy) + "/", "")
            for line in output.splitlines()
            if any(page in line for page in pages)]


CHECKS = ("flake8", "doc8", "reno lint", "sphinx")


def run_all(paths: Paths, tree: Path, since: str,
            only: str = "") -> Dict[str, List[str]]:
    """Every check's findings (or only the one named); [] is a pass."""
    files = changed(tree, since)
    checks = {"flake8": lambda: flake8(paths, tree, files),
              "doc8": lambda: doc8(paths, tree, files),
              "reno lint": lambda: reno(paths, tree),
              "sphinx": lambda: sphinx(paths, tree, files)}
    return {name: check() for name, check in checks.items()
            if not only or name == only}
