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

"""The built tree: pristine base commit, port commit, one commit a patch.

A build is made in a sibling folder and only moved into place once every
step succeeded, so a failed build never leaves a tree a later run trusts.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Dict, List

from workbench import base as base_mod
from workbench import git, port, series
from workbench.errors import WorkbenchError
from workbench.paths import Paths

BASE_TAG = "base"
PORT_TAG = "port"
STAMP = "workbench-stamp.json"
# Staging folders of builds in progress (or killed): build/ironic.XXXX
STAGING_PREFIX = "ironic."


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


def read_stamp(tree: Path) -> Dict:
    """What the last build recorded in the tree; empty if none."""
    try:
        return json.loads((tree / ".git" / STAMP).read_text())
    except (OSError, ValueError):
        return {}


def write_stamp(tree: Path, digest: str, version: str, paths: Paths,
                with_series: bool) -> None:
    """Record that ``tree`` at its HEAD is what ``digest``'s inputs give.

    Besides the digest, the stamp keeps the sha256 of every series file
    the tree matches (so ``export`` sees hand edits in ``patches/``) and a
    fresh build id (so the venv knows the tree was replaced).
    """
    stamp = {"inputs": digest, "version": version,
             "head": git.out(tree, "rev-parse", "HEAD"),
             "with_series": with_series, "build_id": uuid.uuid4().hex,
             "patches": series.digests(paths.patches) if with_series
             else {}}
    path = tree / ".git" / STAMP
    path.with_suffix(".tmp").write_text(json.dumps(stamp, indent=1))
    path.with_suffix(".tmp").replace(path)


def local_work(tree: Path) -> List[str]:
    """What rebuilding ``tree`` would lose; empty when nothing.

    An operation stopped half way, uncommitted changes, stash entries,
    branches other than main, commits made after the build.
    """
    if not (tree / ".git").is_dir():
        return []
    reasons = []
    stopped = git.in_progress(tree)
    if stopped:
        reasons.append("%s in progress" % stopped)
    if git.is_dirty(tree):
        reasons.append("uncommitted changes")
    stashes = git.stash_count(tree)
    if stashes:
        reasons.append("%d stash entr%s (git stash list)"
                       % (stashes, "y" if stashes == 1 else "ies"))
    others = [name for name in git.branches(tree) if name != "main"]
    if others:
        reasons.append("branches other than main: " + ", ".join(others))
    stamp = read_stamp(tree)
    if not stamp:
        reasons.append("no build stamp (not built by ./wb)")
    elif git.out(tree, "rev-parse", "HEAD") != stamp.get("head"):
        reasons.append("commits not exported (run ./wb export)")
    return reasons


def clean_leftovers(paths: Paths) -> List[Path]:
    """Remove staging folders a killed build left; return them.

    Only call this holding the build lock: a running build's staging
    folder looks the same.
    """
    left = [path for path in paths.build.glob(STAGING_PREFIX + "*")
            if path.is_dir()]
    for path in left:
        shutil.rmtree(path, ignore_errors=True)
    return left


def export_problem(paths: Paths) -> str:
    """Why exporting ``paths.tree`` would lose work ('' when it would not).

    Each answer is one line: why, and what to do.
    """
    tree = paths.tree
    if not (tree / ".git").is_dir():
        return "%s is not built: run ./wb build first" % tree
    stopped = git.in_progress(tree)
    if stopped:
        return ("%s is in the middle of %s: finish it (e.g. git rebase "
                "--continue) or abort it, then export" % (tree, stopped))
    stamp = read_stamp(tree)
    if not stamp:
        return ("%s has no build stamp: build it with ./wb build, then "
                "redo the work there" % tree)
    if not stamp.get("with_series", True):
        count = len(series.read_series(paths.patches))
        return ("%s was built with --no-series: exporting it would replace "
                "the %d patches of the series; build it with the series "
                "(./wb build), then export" % (tree, count))
    extra = series.strangers(paths.patches)
    if extra:
        return ("%s: not named in the series, export would delete it; add "
                "it to %s and ./wb reset, or move it out of %s"
                % (", ".join(extra), series.SERIES_FILE, paths.patches))
    changed = series.edited(paths.patches, stamp.get("patches", {}))
    if changed:
        return ("%s: changed in %s since %s was built from it, export would "
                "overwrite it; ./wb reset builds the edit into the tree, "
                "or restore the file" % (", ".join(changed), paths.patches,
                                         tree))
    return ""


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

    The new tree is made in a staging folder; the old one is moved into
    that folder and the new one into place (two renames), so a kill at
    any point leaves either tree whole or none, and the staging folder
    that the next run removes (:func:`clean_leftovers`).

    :returns: False when the tree was already built from the same inputs
        (nothing done), True when it was (re)built.
    :raises: WorkbenchError when a step fails (nothing is left behind) or
        when rebuilding would lose local work and ``force`` is not set.
    """
    paths.build.mkdir(parents=True, exist_ok=True)
    clean_leftovers(paths)
    patches = series.read_series(paths.patches) if with_series else []
    digest = inputs_digest(base_mod.sha256_of(sdist), paths, with_series,
                           version)
    target = paths.tree
    work = local_work(target)
    if work and not force:
        raise WorkbenchError(
            "%s has %s: rebuilding would lose it; export or keep it "
            "elsewhere, or use --force to discard it"
            % (target, "; ".join(work)))
    if not (work or rebuild) and read_stamp(target).get("inputs") == digest:
        return False
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=paths.build))
    try:
        new = staging / "ironic"
        make_base(sdist, new, version)
        make_port(new, paths, version)
        series.apply(new, patches)
        write_stamp(new, digest, version, paths, with_series)
        if target.exists():
            target.rename(staging / "old")
        new.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def check_pristine(sdist: Path, paths: Paths, version: str) -> int:
    """Apply the series to the pristine base, without the port.

    :returns: the number of patches applied.
    :raises: WorkbenchError naming the patch that does not apply.
    """
    patches = series.read_series(paths.patches, required=True)
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
    if not work and stamp.get("with_series", True):
        changed = series.edited(paths.patches, stamp.get("patches", {}))
        if changed:
            work = ["%s changed in %s since the build (./wb reset builds "
                    "them in)" % (", ".join(changed), paths.patches)]
    lines.append("  state: " + (", ".join(work) if work else
                                "clean, matches the exported series"))
    return lines
