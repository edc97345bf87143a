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

"""The virtualenv the tests run in, installed from exact pins.

Into ``build/venv`` go, in this order: ironic's pins
(``port/constraints.txt``), the workbench's own tools
(``requirements/tools.txt``), pysnmp again (below), this project itself
(editable: ``wb``, ``iloemu`` and the packages, so child processes need
no PYTHONPATH) and the built ironic tree (editable).

A stamp in the venv records what is installed; each part's record is
removed before that part is installed and written back after it, so a
kill at any point leaves a venv the next run does not trust.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict

from workbench import steps
from workbench import tree as tree_mod
from workbench.errors import WorkbenchError
from workbench.paths import Paths

STAMP = "workbench-stamp.json"
# proliantutils pulls pysnmp-lextudio, which installs into the same
# ``pysnmp`` package as pysnmp 4; ironic 9.1.6 needs pysnmp 4's files, so
# it is installed again, last.
LAST = "pysnmp"


def bin_path(paths: Paths, name: str) -> Path:
    """A program in the venv."""
    return paths.venv / "bin" / name


def _pip(paths: Paths, step: str, *args: str,
         env: Dict[str, str] | None = None) -> None:
    run = steps.run(step, [bin_path(paths, "python"), "-m", "pip",
                           "--disable-pip-version-check", *args],
                    reports=paths.reports, where=str(paths.venv), env=env,
                    counter=steps.pip_results, unit="packages collected")
    if run.returncode != 0:
        tail = run.output.strip().splitlines()[-3:]
        raise WorkbenchError("pip %s failed (log: %s): %s"
                             % (args[0], run.log, " | ".join(tail)))


def pinned(constraints: Path, name: str) -> str:
    """The ``name==version`` line of the constraints file."""
    for line in constraints.read_text().splitlines():
        if line.split("==")[0].strip().lower() == name.lower():
            return line.strip()
    raise WorkbenchError("%s is not pinned in %s" % (name, constraints))


def packages_digest(paths: Paths) -> str:
    """A digest of the pin files: a change reinstalls the packages."""
    digest = hashlib.sha256()
    for path in (paths.constraints, paths.tools):
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()


def read_stamp(paths: Paths) -> Dict[str, str]:
    """What the venv holds, as the workbench recorded it."""
    try:
        return json.loads((paths.venv / STAMP).read_text())
    except (OSError, ValueError):
        return {}


def _write_stamp(paths: Paths, stamp: Dict[str, str]) -> None:
    path = paths.venv / STAMP
    path.with_suffix(".tmp").write_text(json.dumps(stamp, indent=1))
    path.with_suffix(".tmp").replace(path)


def _usable(paths: Paths) -> bool:
    python = bin_path(paths, "python")
    return python.exists() and subprocess.run(
        [str(python), "-m", "pip", "--version"],
        capture_output=True).returncode == 0


def install_packages(paths: Paths) -> None:
    """Make the venv if needed; install the pins, the tools, pysnmp."""
    if not _usable(paths):
        # Missing, or a kill left it half made: start it again.
        subprocess.run([sys.executable, "-m", "venv", "--clear",
                        str(paths.venv)], check=True)
    _pip(paths, "venv-constraints", "install", "--no-deps", "-r",
         str(paths.constraints))
    if paths.tools.is_file():
        _pip(paths, "venv-tools", "install", "--no-deps", "-r",
             str(paths.tools))
    _pip(paths, "venv-pysnmp", "install", "--no-deps", "--force-reinstall",
         pinned(paths.constraints, LAST))
    check = steps.run("venv-pip-check", [bin_path(paths, "python"), "-m",
                                         "pip", "check"],
                      reports=paths.reports, quiet=True)
    if check.returncode != 0:
        print("venv: pip check reports %d problems (log: %s)"
              % (len(check.output.strip().splitlines()), check.log),
              flush=True)


def install_tree(paths: Paths, version: str) -> None:
    """Install this project and the built tree, editable."""
    if (paths.project / "setup.cfg").is_file():
        _pip(paths, "venv-project", "install", "--no-deps",
             "--no-build-isolation", "-e", str(paths.project))
    _pip(paths, "venv-tree", "install", "--no-deps", "--no-build-isolation",
         "-e", str(paths.tree), "--config-settings", "editable_mode=compat",
         env={"PBR_VERSION": version, "SKIP_GENERATE_AUTHORS": "1",
              "SKIP_WRITE_GIT_CHANGELOG": "1"})


def ensure(paths: Paths, version: str) -> bool:
    """Bring the venv up to date with the pins and the built tree.

    :returns: True when anything was installed.
    """
    stamp = read_stamp(paths)
    packages = packages_digest(paths)
    tree_id = tree_mod.read_stamp(paths.tree).get("build_id", "")
    done = False
    if stamp.get("packages") != packages or not _usable(paths):
        stamp = {}
        if paths.venv.is_dir():
            _write_stamp(paths, stamp)
        install_packages(paths)
        stamp["packages"] = packages
        _write_stamp(paths, stamp)
        done = True
    wanted = {"tree": tree_id, "project": str(paths.project)}
    if any(stamp.get(key) != value for key, value in wanted.items()):
        stamp.pop("tree", None)
        _write_stamp(paths, stamp)
        install_tree(paths, version)
        stamp.update(wanted)
        _write_stamp(paths, stamp)
        done = True
    return done
