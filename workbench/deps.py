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
"""``./wb deps``: the Debian packages of ``bindep.txt``, installed.

``bindep.txt`` is in OpenStack's bindep format: a package a line, then
optional selectors in brackets: ``platform:dpkg`` (and ``!platform:rpm``)
choose the platform, other words are profiles (``test``). This reads the
subset the project uses; the ``bindep`` tool reads the same file.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, List, Sequence

from workbench import steps
from workbench.errors import WorkbenchError

PLATFORMS = ("dpkg", "debian", "ubuntu")
_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9.+-]*)\s*(?:\[([^\]]*)\])?\s*$")


def selected(selectors: Sequence[str], profiles: Iterable[str],
             platforms: Sequence[str] = PLATFORMS) -> bool:
    """Whether a line with ``selectors`` applies here for ``profiles``.

    >>> selected(['platform:dpkg', 'test'], ['test'])
    True
    >>> selected(['platform:rpm', 'test'], ['test'])
    False
    >>> selected(['doc'], ['test']), selected([], ['test'])
    (False, True)
    >>> selected(['!platform:dpkg'], ['test'])
    False
    """
    profiles = set(profiles)
    plat = [s for s in selectors if s.lstrip("!").startswith("platform:")]
    prof = [s for s in selectors if s not in plat]
    for group, have in ((plat, {"platform:" + p for p in platforms}),
                        (prof, profiles)):
        if any(s[1:] in have for s in group if s.startswith("!")):
            return False
        wanted = [s for s in group if not s.startswith("!")]
        if wanted and not any(s in have for s in wanted):
            return False
    return True


def parse(text: str, profiles: Iterable[str] = ("test",)) -> List[str]:
    """Package names of a bindep file selected for ``profiles``.

    >>> parse('# c\\nnasm [platform:dpkg test]\\nfoo [platform:rpm]\\n')
    ['nasm']
    """
    profiles = list(profiles)
    names = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            raise WorkbenchError("bindep.txt line %d: cannot read %r"
                                 % (number, raw))
        if selected((match.group(2) or "").split(), profiles):
            names.append(match.group(1))
    return names


def missing(names: Sequence[str]) -> List[str]:
    """The packages of ``names`` dpkg does not have installed."""
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Abbrev}\\n",
         *names], capture_output=True, text=True)
    installed = {line.split()[0] for line in proc.stdout.splitlines()
                 if len(line.split()) > 1 and line.split()[1] == "ii"}
    return [name for name in names if name not in installed]


def ensure(bindep: Path, reports: Path, *, required: bool = False) -> int:
    """Install the missing packages of ``bindep`` (as root).

    :param required: a missing package that cannot be installed (not
        root, no dpkg) is an error; otherwise one line says what is
        missing and how to install it, and the run goes on.
    :returns: 0, or 1 when something is missing and stays missing.
    """
    names = parse(bindep.read_text())
    if not shutil.which("dpkg-query"):
        return _missing_line("no dpkg here: install the equivalents of %s"
                             % " ".join(names), required)
    absent = missing(names)
    if not absent:
        print("deps: the %d packages of %s are installed"
              % (len(names), bindep.name), flush=True)
        return 0
    if os.geteuid() != 0:
        return _missing_line(
            "missing Debian packages: %s; install them as root: apt-get "
            "install --no-install-recommends %s"
            % (" ".join(absent), " ".join(absent)), required)
    print("deps: installing %s" % " ".join(absent), flush=True)
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    for name, argv in (
            ("deps-apt-update", ["apt-get", "update", "-q"]),
            ("deps-apt-install", ["apt-get", "install", "-y", "-q",
                                  "--no-install-recommends", *absent])):
        run = steps.run(name, argv, reports=reports, env=env,
                        waiting="waiting for apt-get")
        if run.returncode != 0:
            raise WorkbenchError("%s failed (log: %s)" % (argv[1], run.log))
    return 0


def _missing_line(line: str, required: bool) -> int:
    if required:
        raise WorkbenchError(line)
    print("deps: " + line, flush=True)
    return 1
