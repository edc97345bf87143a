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

"""The workbench driven through ``main()`` on fixture workspaces."""
from __future__ import annotations

import pytest

from workbench import base, git

ODD_SUBJECT = "[iLO] Fix: 'quotes', \"dq\" & \u00fcml\u00e4ut"


def test_hash_mismatch_builds_nothing(ws, capsys):
    assert ws.wb("build", "--no-venv", sha256="0" * 64) == 1
    err = capsys.readouterr().err
    assert "sha256 mismatch" in err and "nothing was built" in err
    assert not ws.tree.exists()
    assert not (ws.cache / ws.sdist.name).exists()


def test_failed_download_builds_nothing(ws, capsys, monkeypatch):
    class Failed:
        returncode = 1
        stdout = ""
        stderr = "ERROR: No matching distribution found for ironic==9.1.6"
    monkeypatch.setattr(base.subprocess, "run", lambda *a, **k: Failed())
    rc = ws.wb("build", "--no-venv", local_sdist=False)
    assert rc == 1
    assert "download of ironic-9.1.6.tar.gz failed: ERROR: No matching" \
        in capsys.readouterr().err
    assert not ws.tree.exists()


def test_build_makes_base_and_port_commits(ws):
    assert ws.wb("build", "--no-venv") == 0
    log = git.out(ws.tree, "log", "--format=%s")
    assert log.splitlines() == [
        "Python 3.11 runtime port (workbench layer, never exported)",
        "Pristine ironic 9.1.6 sdist from PyPI"]
    ported = (ws.tree / "ironic/base.py").read_text()
    assert "async_=True" in ported and "{'async': async_}" in ported
    pristine = git.out(ws.tree, "show", "base:ironic/base.py")
    assert "async=True" in pristine
    assert (ws.tree / "setup.py").stat().st_uid != 1234
    assert not git.is_dirty(ws.tree)


def test_second_build_is_cached(ws, capsys):
    assert ws.wb("build", "--no-venv") == 0
    capsys.readouterr()
    assert ws.wb("build", "--no-venv") == 0
    assert "up to date" in capsys.readouterr().out


def _two_patches(ws, commit):
    assert ws.wb("build", "--no-venv") == 0
    commit(ws.tree, ODD_SUBJECT + "\n\nBody line.\n\nChange-Id: I" + "a" * 40,
           {"ironic/new.py": b"X = 1\n",
            "ironic/blob.bin": bytes(range(256))})
    commit(ws.tree, "Second change\n\nChange-Id: I" + "b" * 40,
           {"ironic/latin1.txt": "caf\u00e9 cr\u00e8me\n".encode("latin-1")},
           author="D\u00e9v Two <two@example.org>")
    assert ws.wb("export") == 0


def test_export_round_trip_is_byte_identical(ws, commit):
    _two_patches(ws, commit)
    first = ws.patch_bytes()
    assert [n for n in first if n != "series"] == [
        "0001-iLO-Fix-quotes-dq-ml-ut.patch", "0002-Second-change.patch"]
    assert ws.wb("reset", "--no-venv") == 0
    log = git.out(ws.tree, "log", "-2", "--format=%an|%ad|%s",
                  "--date=iso-strict")
    assert log.splitlines() == [
        "D\u00e9v Two|2017-09-01T12:00:00+00:00|Second change",
        "Dev One|2017-09-01T12:00:00+00:00|" + ODD_SUBJECT]
    assert ws.wb("export") == 0
    assert ws.patch_bytes() == first


def test_export_refuses_dirty_tree(ws, capsys):
    assert ws.wb("build", "--no-venv") == 0
    (ws.tree / "README.rst").write_text("edited\n")
    assert ws.wb("export") == 1
    assert "uncommitted changes" in capsys.readouterr().err


def test_build_refuses_to_drop_unexported_work(ws, commit, capsys):
    assert ws.wb("build", "--no-venv") == 0
    commit(ws.tree, "Work in progress", {"ironic/wip.py": b"Y = 2\n"})
    assert ws.wb("build", "--no-venv") == 1
    assert "commits not exported" in capsys.readouterr().err
    assert ws.wb("build", "--no-venv", "--force") == 0
    assert not (ws.tree / "ironic/wip.py").exists()


def test_patch_that_does_not_apply(ws, commit, capsys):
    _two_patches(ws, commit)
    head = git.out(ws.tree, "rev-parse", "HEAD")
    patch = ws.patches / "0002-Second-change.patch"
    patch.write_bytes(patch.read_bytes().replace(b"-caf", b"-tea"))
    assert ws.wb("reset", "--no-venv") == 1
    err = capsys.readouterr().err
    assert "patch 0002-Second-change.patch does not apply" in err
    assert "ironic/latin1.txt" in err
    # No half-made tree is left; the last good one stays as it was and is
    # no longer taken as up to date.
    assert sorted(p.name for p in ws.build.iterdir()
                  if not p.name.startswith(".")) == ["ironic"]
    assert git.out(ws.tree, "rev-parse", "HEAD") == head
    assert ws.wb("build", "--no-venv") == 1


def test_missing_patch_file_is_named(ws, capsys):
    (ws.patches / "series").write_text("# c\n0001-gone.patch\n")
    assert ws.wb("check") == 1
    assert "missing patch files: 0001-gone.patch" in capsys.readouterr().err


def test_check_applies_to_pristine_not_only_ported(ws, commit, capsys):
    _two_patches(ws, commit)
    assert ws.wb("check") == 0
    assert "2 patches apply to pristine" in capsys.readouterr().out
    # A patch that needs the port's rename applies only to the ported tree.
    commit(ws.tree, "Touch the ported line",
           {"ironic/base.py": (ws.tree / "ironic/base.py").read_bytes()
            .replace(b"return", b"return  ")})
    assert ws.wb("export") == 0
    assert ws.wb("check") == 1
    assert "0003-Touch-the-ported-line.patch does not apply: ironic/base.py" \
        in capsys.readouterr().err


def test_status_reports_local_work(ws, commit, capsys):
    assert ws.wb("status") == 0
    assert "not built" in capsys.readouterr().out
    _two_patches(ws, commit)
    capsys.readouterr()
    assert ws.wb("status") == 0
    out = capsys.readouterr().out
    assert "Second change" in out and "matches the exported series" in out
    (ws.tree / "README.rst").write_text("edited\n")
    assert ws.wb("status") == 0
    assert "uncommitted changes" in capsys.readouterr().out


@pytest.mark.parametrize("version", ["9.1.6", "10.1.7"])
def test_known_bases_have_hashes(version):
    assert len(base.known_base(version).sha256) == 64


def test_unknown_base_needs_a_hash(ws, capsys):
    assert ws.wb("--base-version", "1.0.0", "--sha256", "", "check") == 1
    assert "no sha256 known for ironic 1.0.0" in capsys.readouterr().err


def test_demo_builds_first_and_needs_the_venv(ws, capsys):
    assert ws.wb("demo", "--no-venv", "--no-deps") == 1
    assert (ws.tree / ".git").is_dir()  # it built before it ran
    err = capsys.readouterr().err
    assert "no virtualenv" in err and "--no-venv" in err


def _fake_venv(ws):
    python = ws.build / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    return python


def test_demo_hands_its_arguments_to_the_child(ws, monkeypatch):
    from workbench import children, deps
    ran = []
    monkeypatch.setattr(children, "run",
                        lambda cmd, cwd: ran.append(cmd) or 3)
    monkeypatch.setattr(deps, "ensure", lambda *a, **k: ran.append("deps"))
    python = _fake_venv(ws)
    assert ws.wb("demo", "--no-venv", "--boot", "--boot-timeout", "5",
                 "--no-boot-chap") == 3
    assert ran == ["deps", [str(python), "-m", "demo", "--boot",
                            "--boot-timeout", "5", "--no-boot-chap"]]
    ran.clear()
    assert ws.wb("demo", "--no-venv", "--no-deps", "--", "--help") == 3
    assert ran == [[str(python), "-m", "demo", "--help"]]


def test_other_commands_refuse_unknown_arguments(ws, capsys):
    with pytest.raises(SystemExit):
        ws.wb("build", "--boot")
    assert "unrecognized arguments: --boot" in capsys.readouterr().err


def test_bench_needs_the_series_venv(ws, capsys):
    assert ws.wb("bench", "--no-venv", "--quick") == 1
    err = capsys.readouterr().err
    assert "no virtualenv" in err


def test_bench_runs_one_child_with_both_pythons(ws, monkeypatch):
    from workbench import children, cli, tree, venv
    ran = []
    monkeypatch.setattr(children, "run",
                        lambda cmd, cwd: ran.append(cmd) or 0)
    monkeypatch.setattr(cli.base, "fetch", lambda *a, **k: ws.sdist)
    monkeypatch.setattr(tree, "build", lambda *a, **k: True)
    monkeypatch.setattr(venv, "ensure", lambda paths, version:
                        ran.append((paths.build, version)))
    python = _fake_venv(ws)
    assert ws.wb("bench", "--no-venv", "--quick", "--only", "gen9") == 0
    upstream = ws.build / "upstream"
    assert ran == [(upstream, "10.1.7"), [
        str(python), "-m", "benchmark", "--series-python", str(python),
        "--upstream-python", str(upstream / "venv/bin/python"),
        "--out-dir", str(ws.build / "reports"), "--quick", "--only",
        "gen9"]]


def test_bench_builds_upstream_beside_the_series(tmp_path):
    from workbench import children, cli
    from workbench.paths import Paths
    paths = Paths(build=tmp_path)
    assert cli.upstream_paths(paths).tree == tmp_path / "upstream" / "ironic"
    assert cli.upstream_paths(paths, tmp_path / "u").venv == \
        tmp_path / "u" / "venv"
    assert children.UPSTREAM_VERSION in base.KNOWN_SHA256
