"""The built tree: pristine base commit, port commit, one commit a patch.

A build is made in a sibling folder and only moved into place once every
step succeeded, so a failed build never leaves a tree a later run trusts.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List

from workbench import base as base_mod
from workbench import git, port, series
from workbench.errors import WorkbenchError
from workbench.paths import Paths

BASE_TAG = "base"
PORT_TAG = "port"
STAMP = "workbench-stamp.json"


def inputs_digest(sdist_sha: str, paths: Paths, with_series: bool,
                  version: str | None = None) -> str:
    """A digest of everything a build is made from."""
    digest = hashlib.sha256(sdist_sha.encode())
    files = port.port_patches(paths.port, version)
    if with_series:
        files = files + [paths.patches / series.SERIES_FILE]
        files += series.read_series(paths.patches)
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_stamp(tree: Path) -> Dict[str, str]:
    """What the last build recorded in the tree; empty if none."""
    try:
        return json.loads((tree / ".git" / STAMP).read_text())
    except (OSError, ValueError):
        return {}


def write_stamp(tree: Path, digest: str, version: str) -> None:
    """Record that ``tree`` at its HEAD is what ``digest``'s inputs give."""
    stamp = {"inputs": digest, "version": version,
             "head": git.out(tree, "rev-parse", "HEAD")}
    (tree / ".git" / STAMP).write_text(json.dumps(stamp, indent=1))


def local_work(tree: Path) -> List[str]:
    """Reasons why rebuilding ``tree`` would lose someone's work.

    Uncommitted changes, or commits made after the build.
    """
    if not (tree / ".git").is_dir():
        return []
    reasons = []
    if git.is_dirty(tree):
        reasons.append("uncommitted changes")
    head = git.out(tree, "rev-parse", "HEAD")
    if head != read_stamp(tree).get("head"):
        reasons.append("commits not exported (run ./wb export)")
    return reasons


def make_base(sdist: Path, dest: Path, version: str) -> None:
    """Unpack ``sdist`` into ``dest`` and commit it, tagged ``base``."""
    base_mod.unpack(sdist, dest)
    git.init_repo(dest)
    (dest / ".git" / "info" / "exclude").write_text(
        ".stestr/\n*.pyc\n__pycache__/\n")
    git.commit_all(dest, "Pristine ironic %s sdist from PyPI\n\nsha256 %s\n"
                   % (version, base_mod.sha256_of(sdist)), BASE_TAG)


def make_port(tree: Path, paths: Paths, version: str | None = None) -> None:
    """Apply the runtime port of base ``version``, commit it as ``port``."""
    renamed = port.apply_port(tree, paths.port, version)
    git.commit_all(tree, port.commit_message(renamed, paths.port, version),
                   PORT_TAG)


def build(sdist: Path, paths: Paths, version: str, *, with_series: bool =
          True, force: bool = False, rebuild: bool = False) -> bool:
    """Build ``paths.tree``: base, port, and the series unless told not to.

    :returns: False when the tree was already built from the same inputs
        (nothing done), True when it was (re)built.
    :raises: WorkbenchError when a step fails (nothing is left behind) or
        when rebuilding would lose local work and ``force`` is not set.
    """
    digest = inputs_digest(base_mod.sha256_of(sdist), paths, with_series,
                           version)
    target = paths.tree
    work = local_work(target)
    if work and not force:
        raise WorkbenchError("%s has %s; export or use --force to discard"
                             % (target, " and ".join(work)))
    if not (work or rebuild) and read_stamp(target).get("inputs") == digest:
        return False
    paths.build.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="ironic.", dir=paths.build))
    try:
        new = staging / "ironic"
        make_base(sdist, new, version)
        make_port(new, paths, version)
        if with_series:
            series.apply(new, series.read_series(paths.patches))
        write_stamp(new, digest, version)
        if target.exists():
            shutil.rmtree(target)
        new.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def check_pristine(sdist: Path, paths: Paths, version: str) -> int:
    """Apply the series to the pristine base, without the port.

    :returns: the number of patches applied.
    :raises: WorkbenchError naming the patch that does not apply.
    """
    patches = series.read_series(paths.patches)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "ironic"
        make_base(sdist, tree, version)
        series.apply(tree, patches)
    return len(patches)


def status(paths: Paths) -> List[str]:
    """Human-readable lines about the built tree."""
    tree = paths.tree
    if not (tree / ".git").is_dir():
        return ["%s: not built (run ./wb build)" % tree]
    stamp = read_stamp(tree)
    lines = ["%s: ironic %s" % (tree, stamp.get("version", "?"))]
    for commit in git.commits(tree, "%s..HEAD" % PORT_TAG):
        lines.append("  " + git.out(tree, "log", "-1", "--format=%h %s",
                                    commit))
    work = local_work(tree)
    lines.append("  state: " + (", ".join(work) if work else
                                "clean, matches the exported series"))
    return lines
