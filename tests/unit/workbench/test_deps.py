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
"""``./wb deps``: bindep.txt read, dpkg asked, apt mocked (never run)."""
from __future__ import annotations

import types

import pytest

from realboot import tgtbuild
from workbench import deps
from workbench.paths import ROOT

REALBOOT = ("qemu-system-x86 seabios ipxe-qemu ovmf ipxe grub-common "
            "grub-efi-amd64-bin dosfstools mtools nasm socat tgt").split()


def test_bindep_lists_the_real_boot_packages():
    names = deps.parse((ROOT / "bindep.txt").read_text())
    assert set(REALBOOT) <= set(names)
    assert deps.parse((ROOT / "bindep.txt").read_text(), ["doc"]) == []


def test_bindep_lists_what_builds_the_patched_tgtd():
    names = deps.parse((ROOT / "bindep.txt").read_text())
    assert set(tgtbuild.TOOLS.values()) - {"apt"} <= set(names)


def test_bad_line_is_named():
    with pytest.raises(deps.WorkbenchError, match="line 2"):
        deps.parse("ok\nnot a [package\n")


class FakeSystem:
    """dpkg-query and apt-get as the test says; records the calls."""

    def __init__(self, monkeypatch, installed, root=True):
        self.calls = []
        self.installed = set(installed)
        monkeypatch.setattr(deps.shutil, "which", lambda name: "/usr/bin/x")
        monkeypatch.setattr(deps.os, "geteuid", lambda: 0 if root else 1000)
        monkeypatch.setattr(deps.subprocess, "run", self.run)
        monkeypatch.setattr(deps.steps, "run", self.step)

    def run(self, argv, **kwargs):
        assert argv[0] == "dpkg-query"
        lines = ["%s ii " % name for name in argv[3:]
                 if name in self.installed]
        return types.SimpleNamespace(returncode=1, stdout="\n".join(lines))

    def step(self, name, argv, **kwargs):
        self.calls.append(argv)
        assert kwargs["env"] == {"DEBIAN_FRONTEND": "noninteractive"}
        return types.SimpleNamespace(returncode=0, log="x.log")


def _bindep(tmp_path, text="nasm [platform:dpkg test]\n"
            "tgt [platform:dpkg test]\nfoo [platform:rpm test]\n"):
    path = tmp_path / "bindep.txt"
    path.write_text(text)
    return path


def test_nothing_missing_installs_nothing(tmp_path, monkeypatch, capsys):
    system = FakeSystem(monkeypatch, ["nasm", "tgt"])
    assert deps.ensure(_bindep(tmp_path), tmp_path) == 0
    assert system.calls == []
    assert "the 2 packages of bindep.txt are installed" in \
        capsys.readouterr().out


def test_root_installs_what_is_missing_saying_so(tmp_path, monkeypatch,
                                                 capsys):
    system = FakeSystem(monkeypatch, ["nasm"])
    assert deps.ensure(_bindep(tmp_path), tmp_path) == 0
    assert system.calls == [
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends",
         "tgt"]]
    assert "deps: installing tgt" in capsys.readouterr().out


def test_not_root_says_what_is_missing_and_how(tmp_path, monkeypatch,
                                               capsys):
    system = FakeSystem(monkeypatch, [], root=False)
    assert deps.ensure(_bindep(tmp_path), tmp_path) == 1
    assert system.calls == []
    out = capsys.readouterr().out
    assert out == ("deps: missing Debian packages: nasm tgt; install them "
                   "as root: apt-get install --no-install-recommends nasm "
                   "tgt\n")


def test_wb_deps_fails_in_one_line_when_not_root(ws, tmp_path,
                                                 monkeypatch, capsys):
    FakeSystem(monkeypatch, [], root=False)
    assert ws.wb("deps") == 1
    err = capsys.readouterr().err
    assert err.startswith("wb: error: missing Debian packages: ")
    assert err.count("\n") == 1
