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

"""Thin wrappers around the git command line."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import List, Sequence

from workbench.errors import WorkbenchError

# Commits the workbench makes itself (base, port) get a fixed identity and
# date, so every build of the same inputs has the same commit ids.
WORKBENCH_IDENTITY = {
    "GIT_AUTHOR_NAME": "workbench",
    "GIT_AUTHOR_EMAIL": "workbench@localhost",
    "GIT_COMMITTER_NAME": "workbench",
    "GIT_COMMITTER_EMAIL": "workbench@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


def git(repo: Path, *args: str, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``git -C repo args`` and return the completed process.

    :raises: WorkbenchError naming the command when ``check`` and it fails.
    """
    full_env = dict(os.environ)
    full_env.update({"GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"})
    full_env.update(env or {})
    proc = subprocess.run(["git", "-C", str(repo), *args], env=full_env,
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise WorkbenchError("git %s failed: %s" % (
            " ".join(args[:2]), (proc.stderr or proc.stdout).strip()))
    return proc


def out(repo: Path, *args: str) -> str:
    """Return the stripped standard output of a git command."""
    return git(repo, *args).stdout.strip()


def init_repo(repo: Path) -> None:
    """Make ``repo`` a git repository with a local identity."""
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "workbench")
    git(repo, "config", "user.email", "workbench@localhost")
    git(repo, "config", "safe.directory", str(repo))


def commit_all(repo: Path, message: str, tag: str) -> str:
    """Commit every file of the work tree as the workbench and tag it.

    :returns: the new commit id.
    """
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message,
        env=WORKBENCH_IDENTITY)
    git(repo, "tag", tag)
    return out(repo, "rev-parse", "HEAD")


def is_dirty(repo: Path) -> bool:
    """True when the work tree or index differs from HEAD.

    Untracked files count too, except ignored ones.
    """
    return bool(out(repo, "status", "--porcelain"))


def commits(repo: Path, rev_range: str) -> Sequence[str]:
    """Commit ids of ``rev_range``, oldest first."""
    text = out(repo, "rev-list", "--reverse", rev_range)
    return text.split() if text else []


def stash_count(repo: Path) -> int:
    """How many entries ``git stash list`` shows."""
    text = out(repo, "stash", "list")
    return len(text.splitlines()) if text else 0


def branches(repo: Path) -> List[str]:
    """Local branch names."""
    text = out(repo, "for-each-ref", "--format=%(refname:short)",
               "refs/heads")
    return text.split() if text else []


# Files in the git folder that say an operation stopped half way.
_IN_PROGRESS = (("rebase-merge", "a rebase"), ("rebase-apply", "a rebase "
                "or git am"), ("MERGE_HEAD", "a merge"),
                ("CHERRY_PICK_HEAD", "a cherry-pick"),
                ("REVERT_HEAD", "a revert"), ("BISECT_LOG", "a bisect"))


def in_progress(repo: Path) -> str:
    """The operation stopped half way in ``repo`` ('' when none)."""
    git_dir = repo / ".git"
    for name, what in _IN_PROGRESS:
        if (git_dir / name).exists():
            return what
    return ""
