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

"""Fixture workspaces: a tiny fake ironic sdist and empty series/port."""
from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path
from typing import Callable, Dict

import pytest

from workbench import cli

VERSION = "9.1.6"
FILES: Dict[str, bytes] = {
    "setup.py": b"print('fake ironic')\n",
    "ironic/__init__.py": b"",
    "ironic/base.py": (b"def passthru(method, async=True):\n"
                       b"    return {'async': async}\n"),
    "ironic/latin1.txt": "caf\u00e9\n".encode("latin-1"),
    "README.rst": b"Fake ironic\n===========\n",
}


def make_sdist(dest: Path, files: Dict[str, bytes] = FILES) -> Path:
    """A gzip tarball with one top folder, like PyPI's sdists."""
    path = dest / ("ironic-%s.tar.gz" % VERSION)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo("ironic-%s/%s" % (VERSION, name))
            info.size = len(data)
            info.uid = 1234  # ownership must not survive unpacking
            tar.addfile(info, io.BytesIO(data))
    return path


class Workspace:
    """Folders for one test, and ``wb(...)`` bound to them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sdist = make_sdist(root)
        self.sha256 = hashlib.sha256(self.sdist.read_bytes()).hexdigest()
        self.patches = root / "patches"
        self.port = root / "port"
        self.build = root / "build"
        self.cache = root / "cache"
        self.patches.mkdir()
        (self.patches / "series").write_text("")
        (self.port / "patches").mkdir(parents=True)
        (self.port / "constraints.txt").write_text("")

    @property
    def tree(self) -> Path:
        return self.build / "ironic"

    def wb(self, *args: str, sha256: str | None = None,
           local_sdist: bool = True) -> int:
        sdist = ["--sdist", str(self.sdist)] if local_sdist else []
        return cli.main([
            "--build-dir", str(self.build), "--cache-dir", str(self.cache),
            "--patches", str(self.patches), "--port", str(self.port),
            "--sha256", sha256 or self.sha256, *sdist, *args])

    def patch_bytes(self) -> Dict[str, bytes]:
        return {p.name: p.read_bytes()
                for p in sorted(self.patches.iterdir())}


@pytest.fixture(autouse=True)
def no_apt(monkeypatch) -> None:
    """apt never runs from a test: deps' steps fail unless a test mocks."""
    import types

    from workbench import deps

    def refuse(name, argv, **kwargs):
        raise AssertionError("a test tried to run %s" % " ".join(argv))
    monkeypatch.setattr(deps, "steps", types.SimpleNamespace(run=refuse))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def commit() -> Callable[..., None]:
    """Commit files into a built tree as a developer would."""
    from workbench import git

    def _commit(tree: Path, message: str, files: Dict[str, bytes],
                author: str = "Dev One <dev@example.org>") -> None:
        for name, data in files.items():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            (tree / name).write_bytes(data)
        git.git(tree, "add", "-A")
        git.git(tree, "commit", "-q", "--author", author, "--date",
                "2017-09-01T12:00:00+0000", "-m", message)
    return _commit
