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

"""The base release: an sdist from PyPI, verified and cached."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from workbench.errors import WorkbenchError

# Releases the workbench knows, with the sha256 of their sdist on PyPI.
KNOWN_SHA256 = {
    "9.1.6":
        "2172079caef6d40315f55df20857f16b684e60e92a34e30763682ae19a4e49d8",
    "10.1.7":
        "bdeaaff3f1627d19cc45c5e0092c6302568ea2390d35c0791ff0df0460a43bf4",
}
DEFAULT_VERSION = "9.1.6"


@dataclasses.dataclass(frozen=True)
class Base:
    """One sdist of ironic: a version and the sha256 it must have."""

    version: str
    sha256: str
    project: str = "ironic"

    @property
    def filename(self) -> str:
        """The sdist's file name.

        >>> Base('9.1.6', 'x').filename
        'ironic-9.1.6.tar.gz'
        """
        return "%s-%s.tar.gz" % (self.project, self.version)


def known_base(version: str, sha256: str | None = None) -> Base:
    """The base for ``version``; an unknown one needs its sha256.

    >>> known_base('9.1.6').sha256[:8]
    '2172079c'
    """
    digest = sha256 or KNOWN_SHA256.get(version)
    if not digest:
        raise WorkbenchError(
            "no sha256 known for ironic %s: give one with --sha256" % version)
    return Base(version, digest.lower())


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, base: Base) -> None:
    """:raises: WorkbenchError when ``path`` does not hash to base.sha256."""
    actual = sha256_of(path)
    if actual != base.sha256:
        raise WorkbenchError(
            "sha256 mismatch for %s: expected %s, got %s; nothing was built"
            % (path.name, base.sha256, actual))


def _download(base: Base, dest: Path) -> Path:
    """Download the sdist of ``base`` from PyPI into ``dest``."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps",
           "--no-binary", ":all:", "-q", "-d", str(dest),
           "%s==%s" % (base.project, base.version)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = dest / base.filename
    if proc.returncode != 0 or not found.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise WorkbenchError("download of %s failed: %s; nothing was built"
                             % (base.filename, " ".join(tail) or "no file"))
    return found


def fetch(base: Base, cache_dir: Path, sdist: Path | None = None) -> Path:
    """Return the verified sdist of ``base`` in ``cache_dir``.

    A cached file is verified again and used. A cached file with another
    hash (a killed copy, a damaged disk) is named, removed and fetched
    again. Otherwise the sdist is taken from ``sdist`` (a local file) or
    downloaded, verified in a temporary folder beside the cache, and only
    then moved into it (one rename, so a kill leaves no half file).

    :raises: WorkbenchError on a failed download or a wrong hash.
    """
    cached = cache_dir / base.filename
    if cached.is_file() and sdist is None:
        actual = sha256_of(cached)
        if actual == base.sha256:
            return cached
        print("wb: cached %s has sha256 %s, expected %s: removed, "
              "fetching it again" % (cached, actual, base.sha256),
              flush=True)
        cached.unlink()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch.", dir=cache_dir) as tmp:
        if sdist is not None:
            candidate = Path(tmp) / base.filename
            shutil.copyfile(sdist, candidate)
        else:
            candidate = _download(base, Path(tmp))
        verify(candidate, base)
        os.replace(candidate, cached)
    return cached


def clean_leftovers(cache_dir: Path) -> None:
    """Remove the temporary folders a killed fetch left in the cache."""
    for left in cache_dir.glob(".fetch.*"):
        shutil.rmtree(left, ignore_errors=True)


def unpack(sdist: Path, dest: Path) -> None:
    """Unpack the sdist's single top folder's contents into ``dest``.

    Ownership and unsafe paths are dropped (tarfile's ``data`` filter).
    """
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp, \
            tarfile.open(sdist) as tar:
        tar.extractall(tmp, filter="data")
        tops = list(Path(tmp).iterdir())
        if len(tops) != 1 or not tops[0].is_dir():
            raise WorkbenchError("%s has no single top folder" % sdist.name)
        tops[0].rename(dest)
