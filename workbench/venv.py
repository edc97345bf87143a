"""The virtualenv the tests run in, installed from exact constraints."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.paths import Paths

STAMP = "workbench-constraints.sha256"
# proliantutils pulls pysnmp-lextudio, which installs into the same
# ``pysnmp`` package as pysnmp 4; ironic 9.1.6 needs pysnmp 4's files, so
# it is installed again, last.
LAST = "pysnmp"


def bin_path(paths: Paths, name: str) -> Path:
    """A program in the venv."""
    return paths.venv / "bin" / name


def _pip(paths: Paths, *args: str, env: dict | None = None) -> None:
    cmd = [str(bin_path(paths, "python")), "-m", "pip", "-q",
           "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip()
                         .splitlines()[-5:])
        raise WorkbenchError("pip %s failed:\n%s" % (args[0], tail))


def pinned(constraints: Path, name: str) -> str:
    """The ``name==version`` line of the constraints file."""
    for line in constraints.read_text().splitlines():
        if line.split("==")[0].strip().lower() == name.lower():
            return line.strip()
    raise WorkbenchError("%s is not pinned in %s" % (name, constraints))


def ensure(paths: Paths) -> bool:
    """Create or update the venv so it holds exactly the constraints.

    :returns: True when anything was installed.
    """
    digest = hashlib.sha256(paths.constraints.read_bytes()).hexdigest()
    stamp = paths.venv / STAMP
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return False
    if not bin_path(paths, "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(paths.venv)],
                       check=True)
    stamp.unlink(missing_ok=True)
    _pip(paths, "install", "--no-deps", "-r", str(paths.constraints))
    _pip(paths, "install", "--no-deps", "--force-reinstall",
         pinned(paths.constraints, LAST))
    stamp.write_text(digest + "\n")
    return True


def install_tree(paths: Paths, version: str) -> None:
    """Install the built tree into the venv, editable (a path entry)."""
    _pip(paths, "install", "--no-deps", "--no-build-isolation", "-e",
         str(paths.tree), "--config-settings", "editable_mode=compat",
         env={"PBR_VERSION": version, "SKIP_GENERATE_AUTHORS": "1",
              "SKIP_WRITE_GIT_CHANGELOG": "1"})
