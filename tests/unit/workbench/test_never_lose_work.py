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
"""Issue 12, part 1: each way the workbench lost work, through ``main()``.

Every refusal is one ``wb: error:`` line, never a traceback.
"""
from __future__ import annotations

import threading

import pytest

from workbench import base, git, lock, tree, venv
from workbench.paths import Paths


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("wb: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def _exported(ws, commit, count=2):
    assert ws.wb("build", "--no-venv") == 0
    for number in range(1, count + 1):
        commit(ws.tree, "Change %d\n\nChange-Id: I%040d" % (number, number),
               {"ironic/c%d.py" % number: b"X = %d\n" % number})
    assert ws.wb("export") == 0


# build / reset over work that export cannot save --------------------------

@pytest.mark.parametrize("command", ["build", "reset"])
def test_build_and_reset_refuse_over_a_stash(ws, commit, capsys, command):
    _exported(ws, commit)
    (ws.tree / "README.rst").write_text("half done\n")
    git.git(ws.tree, "stash")
    capsys.readouterr()
    assert ws.wb(command, "--no-venv") == 1
    assert "1 stash entry" in _one_line_error(capsys)
    assert git.stash_count(ws.tree) == 1
    assert ws.wb(command, "--no-venv", "--force") == 0
    assert git.stash_count(ws.tree) == 0


@pytest.mark.parametrize("command", ["build", "reset"])
def test_build_and_reset_refuse_over_another_branch(ws, commit, capsys,
                                                    command):
    _exported(ws, commit)
    git.git(ws.tree, "branch", "topic", "HEAD~1")
    capsys.readouterr()
    assert ws.wb(command, "--no-venv") == 1
    assert "branches other than main: topic" in _one_line_error(capsys)
    assert ws.wb(command, "--no-venv", "--force") == 0
    assert git.branches(ws.tree) == ["main"]


def test_reset_refuses_over_uncommitted_and_unexported_work(ws, commit,
                                                            capsys):
    _exported(ws, commit)
    commit(ws.tree, "Not exported", {"ironic/wip.py": b"W = 1\n"})
    (ws.tree / "README.rst").write_text("edited\n")
    capsys.readouterr()
    assert ws.wb("reset", "--no-venv") == 1
    err = _one_line_error(capsys)
    assert "uncommitted changes" in err and "commits not exported" in err
    assert (ws.tree / "ironic/wip.py").is_file()


def test_reset_rebuilds_a_clean_tree_from_patches(ws, commit, capsys):
    _exported(ws, commit)
    first = git.out(ws.tree, "log", "--format=%s %T")
    assert ws.wb("reset", "--no-venv") == 0
    assert "built" in capsys.readouterr().out
    assert git.out(ws.tree, "log", "--format=%s %T") == first


# export --------------------------------------------------------------------

def test_export_refuses_to_delete_an_unlisted_patch(ws, commit, capsys):
    _exported(ws, commit)
    received = ws.patches / "0001-from-a-colleague.patch"
    received.write_text("From someone\n")
    capsys.readouterr()
    assert ws.wb("export") == 1
    err = _one_line_error(capsys)
    assert "0001-from-a-colleague.patch: not named in the series" in err
    assert received.read_text() == "From someone\n"


def test_export_refuses_to_overwrite_a_hand_edited_patch(
        ws, commit, capsys):
    _exported(ws, commit)
    patch = ws.patches / "0002-Change-2.patch"
    patch.write_bytes(patch.read_bytes().replace(b"Change 2", b"Better"))
    edited = patch.read_bytes()
    capsys.readouterr()
    assert ws.wb("export") == 1
    err = _one_line_error(capsys)
    assert "0002-Change-2.patch: changed in" in err and "reset" in err
    assert patch.read_bytes() == edited
    # As the message says: reset builds the edit in, then export is fine.
    assert ws.wb("reset", "--no-venv") == 0
    assert ws.wb("export") == 0
    assert b"Better" in (ws.patches / "0002-Better.patch").read_bytes()


def test_export_refuses_a_no_series_tree(ws, commit, capsys):
    _exported(ws, commit)
    before = ws.patch_bytes()
    assert ws.wb("build", "--no-venv", "--no-series") == 0
    capsys.readouterr()
    assert ws.wb("export") == 1
    err = _one_line_error(capsys)
    assert "built with --no-series" in err and "2 patches" in err
    assert ws.patch_bytes() == before


def test_export_refuses_in_the_middle_of_a_rebase(ws, commit, capsys):
    _exported(ws, commit, count=3)
    before = ws.patch_bytes()
    # Stop an interactive rebase at the first patch ("edit").
    git.git(ws.tree, "rebase", "-i", "port", env={
        "GIT_SEQUENCE_EDITOR": "sed -i '1s/^pick/edit/'"})
    assert git.in_progress(ws.tree)
    capsys.readouterr()
    assert ws.wb("export") == 1
    err = _one_line_error(capsys)
    assert "in the middle of a rebase" in err and "--continue" in err
    assert ws.patch_bytes() == before
    # build refuses too, naming it.
    assert ws.wb("build", "--no-venv") == 1
    assert "a rebase in progress" in _one_line_error(capsys)


# check and the order file --------------------------------------------------

def test_check_fails_on_a_missing_series(ws, capsys):
    (ws.patches / "series").unlink()
    assert ws.wb("check") == 1
    assert "series is missing" in _one_line_error(capsys)


def test_check_fails_on_an_empty_series(ws, capsys):
    (ws.patches / "series").write_text("# only a comment\n")
    assert ws.wb("check") == 1
    assert "names no patches" in _one_line_error(capsys)


@pytest.mark.parametrize("entry", ["../../etc/passwd", "sub/x.patch",
                                   ".hidden.patch"])
def test_series_entries_are_plain_names(ws, capsys, entry):
    (ws.patches / "series").write_text(entry + "\n")
    assert ws.wb("check") == 1
    err = _one_line_error(capsys)
    assert repr(entry) in err and "plain file names" in err
    assert ws.wb("build", "--no-venv") == 1
    assert repr(entry) in _one_line_error(capsys)


# kill -9 -------------------------------------------------------------------

def test_leftover_staging_folders_are_removed(ws, capsys):
    assert ws.wb("build", "--no-venv") == 0
    # A build killed while it made its tree, and one killed between
    # moving the old tree aside and the new one in.
    (ws.build / "ironic.abc123" / "ironic" / ".git").mkdir(parents=True)
    (ws.build / "ironic.def456" / "old" / "ironic").mkdir(parents=True)
    # A fetch killed while it downloaded into the cache.
    (ws.cache / ".fetch.xyz").mkdir(parents=True)
    assert ws.wb("build", "--no-venv") == 0
    assert not (ws.cache / ".fetch.xyz").exists()
    assert "up to date" in capsys.readouterr().out
    assert sorted(p.name for p in ws.build.iterdir()
                  if not p.name.startswith(".")) == ["ironic"]


def test_kill_between_the_renames_leaves_no_tree_to_trust(ws, monkeypatch,
                                                          capsys):
    assert ws.wb("build", "--no-venv") == 0
    real = type(ws.tree).rename

    def killed(self, target):
        real(self, target)
        if str(target).endswith("/old"):
            raise SystemExit("kill -9")  # the new tree never moved in
    monkeypatch.setattr(type(ws.tree), "rename", killed)
    with pytest.raises(SystemExit):
        ws.wb("reset", "--no-venv")
    monkeypatch.undo()
    assert not ws.tree.exists()
    assert ws.wb("build", "--no-venv") == 0
    assert "tree: %s built" % ws.tree in capsys.readouterr().out


def test_a_tree_without_stamp_is_not_trusted(ws, capsys):
    assert ws.wb("build", "--no-venv") == 0
    (ws.tree / ".git" / tree.STAMP).unlink()
    capsys.readouterr()
    assert ws.wb("build", "--no-venv") == 1
    assert "no build stamp" in _one_line_error(capsys)


def test_kill_during_the_editable_install_is_redone(ws, monkeypatch):
    """The venv's stamp is written last: a killed install is redone."""
    installs, killed = [], []

    class Killed(Exception):
        pass

    def pip(paths, step, *args, env=None):
        installs.append(step)
        if step == "venv-tree" and not killed:
            killed.append(step)
            raise Killed  # kill -9 here
    monkeypatch.setattr(venv, "_pip", pip)
    monkeypatch.setattr(venv, "_usable", lambda paths: True)
    monkeypatch.setattr(venv.steps, "run", lambda *a, **k: type(
        "Run", (), {"returncode": 0})())
    (ws.build / "venv").mkdir(parents=True)
    (ws.root / "setup.cfg").write_text("[metadata]\nname = x\n")
    paths = Paths(patches=ws.patches, port=ws.port, build=ws.build,
                  cache=ws.cache, project=ws.root)
    (ws.port / "constraints.txt").write_text("pysnmp==4.4.12\n")
    assert ws.wb("build", "--no-venv") == 0
    with pytest.raises(Killed):
        venv.ensure(paths, "9.1.6")
    assert installs[-2:] == ["venv-project", "venv-tree"]
    assert "tree" not in venv.read_stamp(paths)
    installs.clear()
    assert venv.ensure(paths, "9.1.6") is True
    assert installs == ["venv-project", "venv-tree"]
    installs.clear()
    assert venv.ensure(paths, "9.1.6") is False
    assert installs == []


# two commands at once ------------------------------------------------------

def test_second_command_fails_with_no_wait_naming_the_holder(ws, capsys):
    import os
    with lock.build_lock(ws.build, ["wb", "build"]):
        assert ws.wb("--no-wait", "build", "--no-venv") == 1
        assert ws.wb("reset", "--no-wait", "--no-venv") == 1
    err = capsys.readouterr().err
    assert err.count("in use by pid %d: wb build" % os.getpid()) == 2
    assert "Traceback" not in err
    assert not ws.tree.exists()


def test_second_command_waits_for_the_holder(ws, capsys):
    held, release = threading.Event(), threading.Event()

    def holder():
        with lock.build_lock(ws.build, ["wb", "test"]):
            held.set()
            release.wait(30)
    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(30)
    # Let the holder go once the waiter has said whom it waits for.
    real = lock.fcntl.flock

    def flock(handle, operation):
        if operation == lock.fcntl.LOCK_EX:
            release.set()
        return real(handle, operation)
    lock.fcntl.flock, saved = flock, lock.fcntl.flock
    try:
        assert ws.wb("build", "--no-venv") == 0
    finally:
        lock.fcntl.flock = saved
    thread.join()
    assert "waiting for %s, in use by pid" % ws.build in \
        capsys.readouterr().err


# the sdist cache -----------------------------------------------------------

def test_cached_sdist_with_a_wrong_hash_is_named_and_fetched_again(
        ws, capsys, monkeypatch):
    assert ws.wb("build", "--no-venv") == 0
    cached = ws.cache / ws.sdist.name
    cached.write_bytes(b"truncated by a kill")

    def download(base_, dest):
        copy = dest / base_.filename
        copy.write_bytes(ws.sdist.read_bytes())
        return copy
    monkeypatch.setattr(base, "_download", download)
    capsys.readouterr()
    assert ws.wb("check", local_sdist=False) == 1  # empty series
    out = capsys.readouterr().out
    assert str(cached) in out and "fetching it again" in out
    assert base.sha256_of(cached) == ws.sha256
    assert not list(ws.cache.glob(".fetch.*"))
