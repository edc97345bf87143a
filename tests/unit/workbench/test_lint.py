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

"""Style checks judge only what the series adds."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from workbench import git, lint
from workbench.paths import Paths

# The tests run in the workbench's venv: its tools are the ones to use.
VENV_PATHS = Paths(build=Path(sys.prefix).parent)


def _needs(tool: str) -> None:
    """Skip outside the venv (e.g. the system python3 runs these)."""
    if not (Path(sys.prefix) / "bin" / tool).is_file():
        pytest.skip("%s is not installed beside %s" % (tool, sys.executable))


def _repo(tmp_path: Path) -> Path:
    git.init_repo(tmp_path)
    (tmp_path / "mod.py").write_text("import os\nx=1\n")  # two old findings
    (tmp_path / "old.rst").write_text("Old\n===\n\n" + " ".join(["long"] * 20) + "\n")
    git.commit_all(tmp_path, "base", "port")
    (tmp_path / "mod.py").write_text("import os\nx=1\ny =2\nz = 3\n")
    (tmp_path / "notes.rst").write_text("Title\n=====\n\ntrailing \n")
    with (tmp_path / "old.rst").open("a") as old:
        old.write("\n" + " ".join(["word"] * 20) + "\n")
    git.git(tmp_path, "add", "-A")
    git.git(tmp_path, "commit", "-q", "-m", "change")
    return tmp_path


def test_changed_lists_added_lines(tmp_path):
    files = lint.changed(_repo(tmp_path), "port")
    assert files == {"mod.py": {3, 4}, "notes.rst": {1, 2, 3, 4},
                     "old.rst": {5, 6}}


def test_flake8_reports_only_added_lines(tmp_path):
    _needs("flake8")
    tree = _repo(tmp_path)
    found = lint.flake8(VENV_PATHS, tree, lint.changed(tree, "port"))
    # Lines 1 and 2 (F401, E225) are the base's; only line 3 is the series'.
    assert found == ["mod.py:3:4: E225 missing whitespace around operator"]


def test_doc8_reports_changed_rst(tmp_path):
    _needs("doc8")
    tree = _repo(tmp_path)
    found = lint.doc8(VENV_PATHS, tree, lint.changed(tree, "port"))
    # The base's long line 4 of old.rst is its own; line 6 is added.
    assert sorted(f.split(" ")[0] + f.split(" ")[1] for f in found) == [
        "notes.rst:4:D002", "old.rst:6:D001"]


def test_flake8_checks_import_order_as_the_base_configures_it(tmp_path):
    _needs("flake8")
    git.init_repo(tmp_path)
    (tmp_path / "tox.ini").write_text(
        "[flake8]\nimport-order-style = pep8\n"
        "application-import-names = mod\n")
    (tmp_path / "old.py").write_text("import six\nimport os\n\nos, six\n")
    git.commit_all(tmp_path, "base", "port")
    (tmp_path / "new.py").write_text("import six\nimport os\n\nos, six\n")
    git.git(tmp_path, "add", "-A")
    git.git(tmp_path, "commit", "-q", "-m", "change")
    found = lint.flake8(VENV_PATHS, tmp_path, lint.changed(tmp_path, "port"))
    # flake8-import-order is installed: I100 on the added file only.
    assert [f.split(" ")[0] + f.split(" ")[1] for f in found
            if " I1" in f] == ["new.py:2:1:I100"]
