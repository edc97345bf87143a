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

"""The services' own virtualenvs: Cinder's and the client's.

Each is made from its pinned requirements file (``requirements/
cinder.txt``, ``requirements/client.txt``) and stamped with the file's
sha256, written last: a changed file or a killed install means a new
virtualenv. ironic runs from the build's venv (``./wb build``).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

from services.layout import ROOT, Layout

REQUIREMENTS = ROOT / 'requirements'


def _stamp(requirements: Path) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def venv(path: Path, requirements: Path,
         out: Callable[[str], None] = print) -> bool:
    """Make ``path`` from ``requirements`` unless its stamp matches;
    return whether it installed."""
    stamp = path / 'services-stamp'
    if stamp.is_file() and stamp.read_text() == _stamp(requirements):
        return False
    start = time.monotonic()
    out('[services] installing %s from %s' % (path, requirements))
    shutil.rmtree(path, ignore_errors=True)
    # The system's python3: a venv made from the build's venv would
    # see its packages.
    subprocess.run(['python3', '-m', 'venv', str(path)], check=True)
    subprocess.run([str(path / 'bin' / 'pip'), 'install', '-q',
                    '--disable-pip-version-check', '-r', str(requirements)],
                   check=True)
    stamp.write_text(_stamp(requirements))
    out('[services] installed %s in %.1f s'
        % (path.name, time.monotonic() - start))
    return True


def ensure(layout: Layout, out: Callable[[str], None] = print) -> None:
    """Both virtualenvs, installed when missing or outdated."""
    venv(layout.cinder_venv, REQUIREMENTS / 'cinder.txt', out)
    venv(layout.client_venv, REQUIREMENTS / 'client.txt', out)


@contextlib.contextmanager
def exclusive(layout: Layout,
              out: Callable[[str], None] = print) -> Iterator[None]:
    """One process at a time in the block, for the installs and builds
    that sets of services of one checkout share (its virtualenvs, the
    patched tgtd): ``./wb test`` starts two sets at once, and on a fresh
    clone the second then waits and finds them made. The lock goes with
    its process, however that ends."""
    layout.build.mkdir(parents=True, exist_ok=True)
    path = layout.build / 'services-install.lock'
    with open(path, 'w') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            start = time.monotonic()
            out('[services] waiting for another set\'s installs (%s)'
                % path)
            fcntl.flock(lock, fcntl.LOCK_EX)
            out('[services] waited %.1f s for another set\'s installs'
                % (time.monotonic() - start))
        yield
