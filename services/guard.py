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

"""Children that die with their supervisor, whatever ends it.

Each service runs in a process group of its own (``start_new_session``),
with an environment marker ``SERVICES_GUARD=<token>`` that every process
it starts inherits (privsep helpers, Erlang's helpers). Three things make
sure nothing is left:

* an orderly stop (exit, Ctrl-C, SIGTERM, SIGHUP): each child's group
  gets SIGTERM, then SIGKILL after a grace time, newest first; then every
  process still carrying the marker is killed (a daemon that left its
  group);
* the supervisor killed outright (SIGKILL): a watcher process, forked at
  the start, blocks reading a pipe whose only writer is the supervisor;
  the kernel closes the pipe when the supervisor dies, and the watcher
  kills every marked process;
* the supervisor's own parent dying (a test run SIGKILLed): with
  :func:`realboot.commands.die_with_parent` the kernel sends the
  supervisor SIGTERM (``PR_SET_PDEATHSIG``), and the orderly stop runs.

A child stopped on purpose (:meth:`Guard.stop_one`, an outage test) is
no longer a child; started again with :meth:`Guard.start`, it is one
as before, marked and in its own group.

Linux only (``/proc``, ``prctl``).
"""
from __future__ import annotations

import os
from pathlib import Path
import signal
import subprocess
import time
from typing import Dict, IO, List, Optional, Sequence

MARKER = 'SERVICES_GUARD'


def marked(token: str, proc: Path = Path('/proc')) -> List[int]:
    """Pids of the processes whose environment holds the marker."""
    needle = ('%s=%s' % (MARKER, token)).encode()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / 'environ').read_bytes().split(b'\0')
        except OSError:  # gone, or a kernel thread
            continue
        if needle in environ:
            found.append(int(entry.name))
    return found


def _signal(pid: int, signum: int, group: bool = False) -> None:
    try:
        (os.killpg if group else os.kill)(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def sweep(token: str, grace: float = 5.0) -> List[int]:
    """SIGTERM every marked process, SIGKILL what is left after
    ``grace`` seconds; return the pids that were found."""
    found = marked(token)
    for pid in found:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while marked(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in marked(token):
        _signal(pid, signal.SIGKILL)
    return found


class Guard:
    """Starts children and makes sure they end with the supervisor."""

    def __init__(self, token: str, grace: float = 10.0) -> None:
        self.token = token
        self.grace = grace
        self.children: Dict[str, subprocess.Popen] = {}
        self._pipe: Optional[int] = None
        self.watcher: Optional[int] = None

    def start_watcher(self) -> int:
        """Fork the watcher; return its pid."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the watcher
            try:
                os.close(write_end)
                os.setsid()  # out of the terminal's Ctrl-C
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                while os.read(read_end, 64):
                    pass
                sweep(self.token)
            finally:
                os._exit(0)
        os.close(read_end)
        self._pipe, self.watcher = write_end, pid
        return pid

    def environment(self, extra: Optional[Dict[str, str]] = None
                    ) -> Dict[str, str]:
        """The environment of a child: ours, ``extra``, the marker."""
        return {**os.environ, **(extra or {}), MARKER: self.token}

    def start(self, name: str, argv: Sequence[str], log: IO,
              env: Optional[Dict[str, str]] = None,
              cwd: Optional[Path] = None) -> subprocess.Popen:
        """Start ``argv`` in a process group of its own, output to
        ``log``."""
        process = subprocess.Popen(
            [str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, env=self.environment(env), cwd=cwd,
            start_new_session=True)
        self.children[name] = process
        return process

    def _end(self, process: subprocess.Popen, signum: int) -> int:
        """``signum`` to the group of ``process`` (SIGKILL after the
        grace time), then SIGKILL to what the leader left in it; its
        exit code."""
        _signal(process.pid, signum, group=True)
        try:
            process.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            _signal(process.pid, signal.SIGKILL, group=True)
            process.wait()
        _signal(process.pid, signal.SIGKILL, group=True)
        return process.returncode

    def stop_one(self, name: str, signum: int = signal.SIGTERM) -> int:
        """Stop the child ``name`` on purpose (``signum``, see
        :meth:`_end`); it is no longer a child. Its exit code."""
        return self._end(self.children.pop(name), signum)

    def exited(self) -> Dict[str, int]:
        """Children that have exited, with their exit codes."""
        return {name: p.returncode for name, p in self.children.items()
                if p.poll() is not None}

    def stop(self) -> None:
        """Stop every child (newest first), then sweep the marked ones,
        then let the watcher go."""
        for process in reversed(list(self.children.values())):
            self._end(process, signal.SIGTERM)
        sweep(self.token)
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self.watcher is not None:
            os.waitpid(self.watcher, 0)
            self.watcher = None
