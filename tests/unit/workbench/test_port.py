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

"""The runtime port's mechanical rewrite."""
from __future__ import annotations

import pytest

from workbench import port, venv
from workbench.errors import WorkbenchError
from workbench.paths import Paths

SOURCE = '''\
# async in a comment stays
def passthru(http_methods, method=None, async=True):
    """async in a docstring stays."""
    meta = {'async': async, "doc": f"{async}"}
    return call(async=async)
'''


def test_rename_touches_names_only():
    new, count = port.rename_identifier(SOURCE)
    assert count == 4
    assert "# async in a comment stays" in new
    assert '"""async in a docstring stays."""' in new
    assert "def passthru(http_methods, method=None, async_=True):" in new
    assert "meta = {'async': async_," in new
    assert "return call(async_=async_)" in new


def test_rename_leaves_other_names():
    source = "asyncio = async_x = 1\nawait_async = 2\n"
    assert port.rename_identifier(source) == (source, 0)


def test_apply_port_reports_files_and_writes_stestr_conf(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("def f(async=1):\n    pass\n")
    (tmp_path / "pkg" / "b.py").write_text("X = 'async'\n")
    (tmp_path / "port" / "patches").mkdir(parents=True)
    renamed = port.apply_port(tmp_path, tmp_path / "port")
    assert renamed == {"pkg/a.py": 1}
    assert "test_path=./ironic/tests/unit" in \
        (tmp_path / ".stestr.conf").read_text()


def test_port_diff_that_does_not_apply_is_named(tmp_path):
    (tmp_path / "port" / "patches").mkdir(parents=True)
    (tmp_path / "port" / "patches" / "0001-x.patch").write_text(
        "--- a/missing.py\n+++ b/missing.py\n@@ -1 +1 @@\n-a\n+b\n")
    with pytest.raises(WorkbenchError, match="port diff 0001-x.patch"):
        port.apply_port(tmp_path, tmp_path / "port")


def test_constraints_pin_every_package_exactly():
    lines = Paths().constraints.read_text().split()
    assert lines and all("==" in line for line in lines)
    assert venv.pinned(Paths().constraints, "pysnmp").startswith("pysnmp==4.")


def test_tools_are_pinned_apart_from_ironics_pins():
    def names(path):
        lines = [line for line in path.read_text().splitlines()
                 if line and not line.startswith("#")]
        assert all("==" in line for line in lines)
        return {line.split("==")[0].lower() for line in lines}
    tools, pins = names(Paths().tools), names(Paths().constraints)
    assert {"flake8", "hacking", "flake8-import-order", "doc8", "reno",
            "pytest", "sphinx"} <= tools
    assert not tools & pins


def _patch_folders(tmp_path):
    folder = tmp_path / "port" / "patches"
    (folder / "10.1.7").mkdir(parents=True)
    (folder / "0001-default.patch").write_text("")
    (folder / "10.1.7" / "0001-other-base.patch").write_text("")
    return tmp_path / "port"


def test_port_patches_default_to_the_top_folder(tmp_path):
    port_dir = _patch_folders(tmp_path)
    for version in (None, "9.1.6"):
        assert [p.name for p in port.port_patches(port_dir, version)] == [
            "0001-default.patch"]


def test_port_patches_of_a_base_with_its_own_folder(tmp_path):
    port_dir = _patch_folders(tmp_path)
    assert [p.name for p in port.port_patches(port_dir, "10.1.7")] == [
        "0001-other-base.patch"]
    message = port.commit_message({}, port_dir, "10.1.7")
    assert "0001-other-base.patch" in message
    assert "0001-default.patch" not in message


def test_shipped_port_diffs_per_base():
    port_dir = Paths().port
    assert port.port_patches(port_dir, "9.1.6") == port.port_patches(port_dir)
    upstream = port.port_patches(port_dir, "10.1.7")
    assert upstream and all(p.parent.name == "10.1.7" for p in upstream)
