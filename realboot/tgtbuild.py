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

"""tgtd built from Debian's tgt source with this project's patches (tgt/).

Debian's tgt reads CHAP_A=7 as SHA-1 (RFC 7143: SHA-256), so OVMF's
iSCSI initiator cannot log in with CHAP; ``tgt/patches`` fixes it. This
fetches the source of the installed Debian release with ``apt-get
source`` through a deb-src list of its own (the system's apt
configuration is not touched), applies the patches, runs ``make -C usr
tgtd`` and keeps the binary. Debian's ``tgtadm`` works with it.

Layout of the directory (:func:`build_directory`: ``build/tgt`` of the
checkout, or ``$REALBOOT_TGT_DIR``)::

    apt/      sources.list and package lists of the private deb-src list
    source/   the unpacked Debian source, as fetched (never patched)
    work/     a patched copy of it, where make runs
    tgtd      the patched binary
    stamp     written last: what tgtd was built from

Idempotent: with a stamp that names the same patches and source, nothing
runs. ``python -m realboot.tgtbuild [--dir DIR]`` prints its progress.

>>> deb_src_line('http://deb.debian.org/debian', 'bookworm')
'deb-src http://deb.debian.org/debian bookworm main'
>>> read_series('# fixes\\n0001-a.patch\\n\\n0002-b.patch -p1\\n')
['0001-a.patch', '0002-b.patch']
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path
import shutil
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

from realboot import commands
from realboot.errors import CommandFailed, CommandTimeout, RealBootError

ROOT = Path(__file__).resolve().parent.parent
PATCH_DIR = ROOT / 'tgt' / 'patches'
DEFAULT_DIR = ROOT / 'build' / 'tgt'
PACKAGE = 'tgt'
APT_SOURCES = (Path('/etc/apt/sources.list.d'), Path('/etc/apt/sources.list'))
KEYRING = Path('/usr/share/keyrings/debian-archive-keyring.gpg')
#: Program -> the Debian package that has it (none is a build-dep of
#: tgt beyond these: tgtd builds without libaio, systemd or RDMA).
TOOLS = {'apt-get': 'apt', 'dpkg-source': 'dpkg-dev', 'patch': 'patch',
         'make': 'make', 'gcc': 'gcc'}


def build_directory() -> Path:
    """Where the patched tgtd is built.

    ``$REALBOOT_TGT_DIR``, else ``build/tgt`` of this checkout.
    """
    return Path(os.environ.get('REALBOOT_TGT_DIR') or DEFAULT_DIR)


class TgtBuildError(RealBootError):
    """The patched tgtd could not be fetched, patched or built."""

    msg_fmt = 'building the patched tgtd: %(reason)s'


# -- the patch series ---------------------------------------------------------
def read_series(text: str) -> List[str]:
    """Patch names of a quilt ``series`` file (comments, options dropped)."""
    names = []
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            names.append(line.split()[0])
    return names


def patches(patch_dir: Path = PATCH_DIR) -> List[Path]:
    """The patch files in series order."""
    series = patch_dir / 'series'
    if not series.exists():
        raise TgtBuildError(reason='no series file in %s' % patch_dir)
    found = [patch_dir / name for name in read_series(series.read_text())]
    missing = [path.name for path in found if not path.exists()]
    if missing:
        raise TgtBuildError(reason='series names missing patches: %s'
                            % ', '.join(missing))
    return found


def patch_command(source: Path, patch: Path, dry_run: bool = False
                  ) -> List[str]:
    """``patch`` applying ``patch`` (-p1) in ``source``; never asks."""
    argv = ['patch', '-d', str(source), '-p1', '--forward', '--batch',
            '-i', str(patch)]
    return argv + ['--dry-run'] if dry_run else argv


# -- the private deb-src list -------------------------------------------------
def deb_src_line(uri: str, suite: str, signed_by: Optional[Path] = None
                 ) -> str:
    """One one-line-style deb-src entry for the main component."""
    options = ' [signed-by=%s]' % signed_by if signed_by else ''
    return 'deb-src%s %s %s main' % (options, uri, suite)


def _deb822_entries(text: str) -> List[Dict[str, str]]:
    entries, current = [], {}  # type: List[Dict[str, str]], Dict[str, str]
    for line in text.splitlines() + ['']:
        if not line.strip():
            if current:
                entries.append(current)
            current = {}
        elif not line.startswith(('#', ' ', '\t')) and ':' in line:
            key, value = line.split(':', 1)
            current[key.strip().lower()] = value.strip()
    return entries


def debian_mirror(sources: Tuple[Path, ...] = APT_SOURCES
                  ) -> Tuple[str, str]:
    """(URI, suite) of the system's Debian archive (not security/updates).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / 'debian.sources').write_text(
    ...         'Types: deb\\nURIs: http://mirror/debian\\n'
    ...         'Suites: bookworm bookworm-updates\\nComponents: main\\n\\n'
    ...         'Types: deb\\nURIs: http://mirror/debian-security\\n'
    ...         'Suites: bookworm-security\\n')
    ...     debian_mirror((Path(tmp),))
    ('http://mirror/debian', 'bookworm')
    """
    candidates = []  # (uri, suite)
    for place in sources:
        files = sorted(place.glob('*')) if place.is_dir() else [place]
        for path in files:
            if not path.is_file():
                continue
            text = path.read_text(errors='replace')
            if path.suffix == '.sources':
                for entry in _deb822_entries(text):
                    if 'deb' in entry.get('types', '').split():
                        for uri in entry.get('uris', '').split():
                            candidates += [(uri, suite) for suite in
                                           entry.get('suites', '').split()]
            elif path.suffix == '.list' or path.name == 'sources.list':
                for line in text.splitlines():
                    words = [w for w in line.split('#', 1)[0].split()
                             if not w.startswith('[') and not w.endswith(']')]
                    if len(words) >= 3 and words[0] == 'deb':
                        candidates.append((words[1], words[2]))
    for uri, suite in candidates:
        if '-' not in suite and 'security' not in uri:
            return uri.rstrip('/'), suite
    raise TgtBuildError(reason='no Debian archive found in %s' % ', '.join(
        str(p) for p in sources))


def apt_options(directory: Path) -> List[str]:
    """apt-get options that use only the private list under ``directory``."""
    return ['-o', 'Dir::Etc::SourceList=%s' % (directory / 'sources.list'),
            '-o', 'Dir::Etc::SourceParts=/dev/null',
            '-o', 'Dir::State::Lists=%s' % (directory / 'lists'),
            '-o', 'APT::Sandbox::User=root']


# -- the steps ----------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class TgtBuild:
    """The patched tgtd in ``directory``; :meth:`ensure` makes it."""

    def __init__(self, directory: Path = DEFAULT_DIR,
                 patch_dir: Path = PATCH_DIR,
                 progress: Callable[[str], None] = print) -> None:
        self.directory = Path(directory).resolve()
        self.patch_dir = Path(patch_dir)
        self.progress = progress

    @property
    def binary(self) -> Path:
        """The patched tgtd."""
        return self.directory / 'tgtd'

    @property
    def stamp(self) -> Path:
        """Written last; names what the binary was built from."""
        return self.directory / 'stamp'

    def source_tree(self) -> Optional[Path]:
        """The unpacked, unpatched Debian source, if fetched."""
        trees = sorted(p for p in (self.directory / 'source').glob(
            PACKAGE + '-*') if p.is_dir())
        return trees[-1] if trees else None

    def wanted(self) -> Dict[str, object]:
        """What a stamp must say for the binary to be current."""
        return {'patches': {p.name: _sha256(p)
                            for p in patches(self.patch_dir)}}

    def current(self) -> Optional[Path]:
        """The binary if its stamp matches the patches, else None."""
        try:
            stamp = json.loads(self.stamp.read_text())
        except (OSError, ValueError):
            return None
        if not self.binary.exists() or \
                stamp.get('patches') != self.wanted()['patches'] or \
                stamp.get('tgtd_sha256') != _sha256(self.binary):
            return None
        return self.binary

    def ensure(self) -> Path:
        """The patched tgtd, built unless a current one is there."""
        ready = self.current()
        if ready is not None:
            self.progress('tgt: patched tgtd is current: %s' % ready)
            return ready
        missing = sorted({package for tool, package in TOOLS.items()
                          if shutil.which(tool) is None})
        if missing:
            raise TgtBuildError(reason='Debian packages missing: %s'
                                % ' '.join(missing))
        started = time.monotonic()
        self.stamp.unlink(missing_ok=True)
        source = self.fetch()
        work = self.apply(source)
        self.make(work)
        shutil.copy2(work / 'usr' / 'tgtd', self.binary)
        dsc = sorted(path.name for path in source.parent.glob('*.dsc'))
        stamp = dict(self.wanted(), source=dsc or [source.name],
                     tgtd_sha256=_sha256(self.binary))
        self.stamp.write_text(json.dumps(stamp, indent=1, sort_keys=True)
                              + '\n')
        self.progress('tgt: built %s in %.1f s' % (
            self.binary, time.monotonic() - started))
        return self.binary

    def _run(self, argv: List[str], timeout: float = 300,
             cwd: Optional[Path] = None) -> str:
        if cwd is not None:
            argv = ['env', '-C', str(cwd)] + argv
        try:
            return commands.run(argv, timeout=timeout)
        except (CommandFailed, CommandTimeout) as exc:
            raise TgtBuildError(reason=str(exc)) from None

    def fetch(self) -> Path:
        """Fetch and unpack Debian's tgt source into ``source/``."""
        apt_dir = self.directory / 'apt'
        (apt_dir / 'lists' / 'partial').mkdir(parents=True, exist_ok=True)
        uri, suite = debian_mirror()
        keyring = KEYRING if KEYRING.exists() else None
        (apt_dir / 'sources.list').write_text(
            deb_src_line(uri, suite, keyring) + '\n')
        self.progress('tgt: deb-src %s %s: apt-get update (private list)'
                      % (uri, suite))
        options = apt_options(apt_dir)
        self._run(['apt-get', '-q'] + options + ['update'])
        source_dir = self.directory / 'source'
        shutil.rmtree(source_dir, ignore_errors=True)
        source_dir.mkdir(parents=True)
        self.progress('tgt: apt-get source %s' % PACKAGE)
        self._run(['apt-get', '-q'] + options + ['source', PACKAGE],
                  cwd=source_dir)
        tree = self.source_tree()
        if tree is None:
            raise TgtBuildError(reason='apt-get source left no %s-* tree'
                                % PACKAGE)
        return tree

    def apply(self, source: Path) -> Path:
        """A patched copy of ``source`` under ``work/``."""
        work = self.directory / 'work' / source.name
        shutil.rmtree(work.parent, ignore_errors=True)
        shutil.copytree(source, work, symlinks=True)
        for patch in patches(self.patch_dir):
            self.progress('tgt: applying %s' % patch.name)
            self._run(patch_command(work, patch))
        return work

    def make(self, work: Path) -> None:
        """``make -C usr tgtd`` in the patched tree."""
        self.progress('tgt: make -C usr tgtd')
        self._run(['make', '-C', str(work / 'usr'), '-j2', 'tgtd'],
                  timeout=600)


def main(argv: Optional[List[str]] = None) -> int:
    """Build (or confirm) the patched tgtd; one line on failure."""
    parser = argparse.ArgumentParser(prog='python -m realboot.tgtbuild',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--dir', type=Path, default=build_directory(),
                        help='where to build (default: $REALBOOT_TGT_DIR '
                        'or %s)' % DEFAULT_DIR)
    args = parser.parse_args(argv)
    try:
        TgtBuild(args.dir).ensure()
    except RealBootError as exc:
        print('tgt: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
