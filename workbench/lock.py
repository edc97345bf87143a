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
"""One ``./wb`` at a time builds: an flock on a file in the build folder.

The kernel drops the lock when its holder dies (``kill -9`` too), so a
stale lock file never blocks anyone. The holder writes its pid and
command into the file, so a second ``./wb`` can say whom it waits for.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from pathlib import Path
from typing import Iterator, Sequence

from workbench.errors import WorkbenchError

LOCK_FILE = ".wb.lock"


def holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it ('' if unknown).

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / 'l'
    >>> _ = f.write_text('pid 42: wb build\\n')
    >>> holder(f)
    'pid 42: wb build'
    """
    try:
        return path.read_text().strip()
    except OSError:
        return ""


@contextlib.contextmanager
def build_lock(build: Path, command: Sequence[str], *,
               wait: bool = True) -> Iterator[Path]:
    """Hold the build lock of ``build`` for the ``with`` block.

    :param command: the holder's command line, shown to whoever waits.
    :param wait: wait for the holder (saying so in one line), or fail.
    :raises: WorkbenchError when ``wait`` is false and another holds it.
    """
    build.mkdir(parents=True, exist_ok=True)
    path = build / LOCK_FILE
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = holder(path) or "another ./wb"
            if not wait:
                raise WorkbenchError(
                    "%s is in use by %s; wait for it, or run again without "
                    "--no-wait to wait" % (build, who))
            print("wb: waiting for %s, in use by %s" % (build, who),
                  file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write("pid %d: %s\n" % (os.getpid(), " ".join(command)))
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
