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

"""A real iSCSI target: tgtd on 127.0.0.1, a free port, its own control.

Several tgtd may run at once (other test runs): each gets a free iSCSI
port and its own management port (``-C``; its socket is
``/var/run/tgtd/socket.<N>``, found free through its lock file). tgtd
runs in the foreground (``-f``) as our child, so we hold its PID. It
ignores SIGTERM (here even without targets): :meth:`TgtDaemon.stop`
deletes the targets (``--force`` drops sessions), asks tgtd to leave
(``--op delete --mode system``) and ends with SIGKILL of that PID if it
still runs.

>>> spec = TargetSpec(1, 'iqn.2024-01.org.example:vol', Path('/x.img'),
...                   initiators=('iqn.2024-01.org.example:host',),
...                   chap=ChapAccount('user', 'Secret-12345'))
>>> spec.chap, 'Secret' in repr(spec)
(ChapAccount(user='user'), False)
>>> for argv in target_commands(4711, spec):
...     print(' '.join(argv[5:]))
--op new --mode target --tid 1 --targetname iqn.2024-01.org.example:vol
--op new --mode logicalunit --tid 1 --lun 1 --backing-store /x.img
--op update --mode logicalunit --tid 1 --lun 1 --params readonly=1
--op bind --mode target --tid 1 --initiator-name iqn.2024-01.org.example:host
--op new --mode account --user user --password Secret-12345
--op bind --mode account --tid 1 --user user
"""
from __future__ import annotations

import atexit
import dataclasses
import fcntl
import os
from pathlib import Path
import random
import socket
import subprocess
import threading
import time
from typing import Dict, List, Optional, Tuple

from realboot import commands
from realboot.errors import CommandFailed, CommandTimeout, TargetError

PORTAL_ADDRESS = '127.0.0.1'
SOCKET_DIR = Path('/var/run/tgtd')
#: Management ports tried (tgtd takes 0-32767; a system tgtd keeps 0).
CONTROL_PORTS = (10000, 32000)
#: Debian's tgtd; :mod:`realboot.tgtbuild` builds the patched one.
TGTD = 'tgtd'

_STARTED: List['TgtDaemon'] = []
_STARTED_LOCK = threading.Lock()


@dataclasses.dataclass(frozen=True)
class ChapAccount:
    """An incoming CHAP account; the secret stays out of the repr."""

    user: str
    secret: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class TargetSpec:
    """One target with one file-backed, read-only LUN.

    ``initiators`` are the IQNs allowed to log in; none means every
    initiator (``ALL``). With ``chap`` an initiator must also pass CHAP.
    """

    tid: int
    iqn: str
    backing: Path
    lun: int = 1
    initiators: Tuple[str, ...] = ()
    chap: Optional[ChapAccount] = None


def tgtadm(control_port: int, *args: str) -> List[str]:
    """A tgtadm command line for the tgtd on ``control_port``."""
    return ['tgtadm', '-C', str(control_port), '--lld', 'iscsi', *args]


def target_commands(control_port: int, spec: TargetSpec,
                    new_account: bool = True) -> List[List[str]]:
    """Create the target, its LUN, its initiator binding and CHAP.

    ``new_account``: create the CHAP account too (tgt's accounts belong
    to the daemon; several targets may bind one).
    """
    tid, lun = str(spec.tid), str(spec.lun)
    argvs = [
        tgtadm(control_port, '--op', 'new', '--mode', 'target', '--tid', tid,
               '--targetname', spec.iqn),
        tgtadm(control_port, '--op', 'new', '--mode', 'logicalunit',
               '--tid', tid, '--lun', lun, '--backing-store',
               str(spec.backing)),
        tgtadm(control_port, '--op', 'update', '--mode', 'logicalunit',
               '--tid', tid, '--lun', lun, '--params', 'readonly=1')]
    if spec.initiators:
        argvs += [tgtadm(control_port, '--op', 'bind', '--mode', 'target',
                         '--tid', tid, '--initiator-name', name)
                  for name in spec.initiators]
    else:
        argvs.append(tgtadm(control_port, '--op', 'bind', '--mode',
                            'target', '--tid', tid, '--initiator-address',
                            'ALL'))
    if spec.chap is not None:
        if new_account:
            argvs.append(tgtadm(control_port, '--op', 'new', '--mode',
                                'account', '--user', spec.chap.user,
                                '--password', spec.chap.secret))
        argvs.append(tgtadm(control_port, '--op', 'bind', '--mode',
                            'account', '--tid', tid, '--user',
                            spec.chap.user))
    return argvs


def delete_command(control_port: int, tid: int) -> List[str]:
    """Delete a target even while initiators are logged in."""
    return tgtadm(control_port, '--op', 'delete', '--force', '--mode',
                  'target', '--tid', str(tid))


def tgtd_command(portal_port: int, control_port: int,
                 binary: str = TGTD) -> List[str]:
    """tgtd in the foreground, one portal on 127.0.0.1.

    >>> ' '.join(tgtd_command(3260, 4711))
    'tgtd -f -C 4711 --iscsi portal=127.0.0.1:3260'
    >>> tgtd_command(3260, 4711, '/b/tgt/tgtd')[0]
    '/b/tgt/tgtd'
    """
    return [binary, '-f', '-C', str(control_port), '--iscsi',
            'portal=%s:%d' % (PORTAL_ADDRESS, portal_port)]


def parse_sessions(show: str) -> List[Tuple[str, str]]:
    """(target, initiator) pairs from ``tgtadm --op show --mode target``.

    >>> parse_sessions('''Target 1: iqn.2024-01.org.example:vol
    ...     I_T nexus information:
    ...         I_T nexus: 2
    ...             Initiator: iqn.2024-01.org.example:host alias: none
    ... Target 2: iqn.2024-01.org.example:other''')
    [('iqn.2024-01.org.example:vol', 'iqn.2024-01.org.example:host')]
    """
    pairs, target = [], ''
    for line in show.splitlines():
        if line.startswith('Target '):
            target = line.split(':', 1)[1].strip()
        elif line.strip().startswith('Initiator:'):
            initiator = line.split(':', 1)[1].split(' alias:')[0].strip()
            pairs.append((target, initiator))
    return pairs


def free_port(address: str = PORTAL_ADDRESS) -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def _control_port_free(port: int) -> bool:
    lock = SOCKET_DIR / ('socket.%d.lock' % port)
    if not lock.exists():
        return True
    with open(lock, 'a') as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.lockf(handle, fcntl.LOCK_UN)
    return True


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((PORTAL_ADDRESS, port), timeout=1):
            return True
    except OSError:
        return False


class TgtDaemon:
    """A tgtd we started, its targets, and its tear-down."""

    def __init__(self, directory: Path, start_timeout: float = 30,
                 tgtd: Optional[Path] = None) -> None:
        self.directory = Path(directory)
        #: The tgtd binary: Debian's (None) or the patched build.
        self.tgtd = tgtd
        self.start_timeout = start_timeout
        self.port = 0
        self.control_port = 0
        self.process: Optional[subprocess.Popen] = None
        self.targets: Dict[int, TargetSpec] = {}
        #: CHAP accounts by user (tgtd's own; targets bind them).
        self.accounts: Dict[str, ChapAccount] = {}

    @property
    def log_path(self) -> Path:
        """tgtd's own output."""
        return self.directory / 'tgtd.log'

    @property
    def portal(self) -> Tuple[str, int]:
        """(address, port) initiators connect to."""
        return PORTAL_ADDRESS, self.port

    def start(self, attempts: int = 3) -> 'TgtDaemon':
        """Start tgtd and wait until both its sockets answer.

        A management port taken between our check and tgtd's start (by
        another test run) makes tgtd exit at once; then another is tried.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        rng = random.Random(os.getpid() ^ time.monotonic_ns())
        for _ in range(attempts):
            self.control_port = self._pick_control_port(rng)
            self.port = free_port()
            with open(self.log_path, 'ab') as log:
                self.process = subprocess.Popen(
                    tgtd_command(self.port, self.control_port,
                                 str(self.tgtd or TGTD)),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    start_new_session=True,
                    preexec_fn=commands.die_with_parent)
            with _STARTED_LOCK:
                _STARTED.append(self)
            if self._wait_ready():
                return self
        raise TargetError(reason='tgtd exited at start: %s'
                          % self.log_tail())

    @staticmethod
    def _pick_control_port(rng: random.Random) -> int:
        for _ in range(50):
            control = rng.randrange(*CONTROL_PORTS)
            if _control_port_free(control):
                return control
        raise TargetError(reason='no free management port')

    def _wait_ready(self) -> bool:
        """True once tgtd answers; False if it exited (port taken)."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                self._unregister()
                self.process = None  # its socket files are not ours
                return False
            try:
                commands.run(tgtadm(self.control_port, '--op', 'show',
                                    '--mode', 'sys'), timeout=10)
            except CommandFailed:
                time.sleep(0.1)
                continue
            if _listening(self.port):
                return True
            time.sleep(0.1)
        self.stop()
        raise TargetError(reason='tgtd did not answer within %d s: %s'
                          % (self.start_timeout, self.log_tail()))

    @property
    def patched(self) -> bool:
        """Whether this is a tgtd of our own build (standard CHAP_A)."""
        return self.tgtd is not None

    def log_size(self) -> int:
        """Bytes tgtd has written so far (a mark for :meth:`log_since`)."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, mark: int) -> str:
        """What tgtd wrote after ``mark`` (:meth:`log_size`)."""
        try:
            with open(self.log_path, 'rb') as log:
                log.seek(mark)
                return log.read().decode(errors='replace')
        except OSError:
            return ''

    def log_tail(self, lines: int = 5) -> str:
        """The last lines tgtd wrote."""
        try:
            text = self.log_path.read_text(errors='replace')
        except OSError:
            return '(no log)'
        return ' | '.join(text.splitlines()[-lines:])

    def add(self, spec: TargetSpec) -> TargetSpec:
        """Create a target; on failure nothing of it is left."""
        if spec.tid in self.targets:
            raise TargetError(reason='target id %d is taken' % spec.tid)
        chap = spec.chap
        known = chap is not None and chap.user in self.accounts
        if known and self.accounts[chap.user] != chap:
            raise TargetError(reason='CHAP user %s exists with another '
                              'secret' % chap.user)
        secrets = [chap.secret] if chap is not None else []
        try:
            for argv in target_commands(self.control_port, spec,
                                        new_account=not known):
                commands.run(argv, timeout=30, secrets=secrets)
        except CommandFailed as exc:
            self._delete(spec.tid)
            if chap is not None and not known:
                self._delete_account(chap.user)
            raise TargetError(reason='cannot create %s: %s' % (
                spec.iqn, exc)) from None
        if chap is not None:
            self.accounts[chap.user] = chap
        self.targets[spec.tid] = spec
        return spec

    def remove(self, tid: int) -> None:
        """Delete a target (logged-in sessions are dropped)."""
        self.targets.pop(tid, None)
        self._delete(tid)

    def _delete(self, tid: int) -> None:
        try:
            commands.run(delete_command(self.control_port, tid), timeout=30)
        except CommandFailed:
            pass  # never made, or already gone

    def _delete_account(self, user: str) -> None:
        try:
            commands.run(tgtadm(self.control_port, '--op', 'delete',
                                '--mode', 'account', '--user', user),
                         timeout=30)
        except CommandFailed:
            pass  # never made

    def stop(self, timeout: float = 10) -> None:
        """Delete every target, stop tgtd, remove its socket files.

        tgtd leaves on ``tgtadm --op delete --mode system`` once it has
        no target; SIGKILL of our PID is the fallback.
        """
        if self.process is None:
            return
        if self.process.poll() is None:
            for tid in list(self.targets):
                self.remove(tid)
            try:
                commands.run(tgtadm(self.control_port, '--op', 'delete',
                                    '--mode', 'system'), timeout=timeout)
                self.process.wait(timeout)
            except (CommandFailed, CommandTimeout,
                    subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout)
        self._forget_process()

    def _unregister(self) -> None:
        with _STARTED_LOCK:
            if self in _STARTED:
                _STARTED.remove(self)

    def _forget_process(self) -> None:
        self._unregister()
        self.process = None
        self.targets.clear()
        self.accounts.clear()
        for name in ('socket.%d' % self.control_port,
                     'socket.%d.lock' % self.control_port):
            try:
                (SOCKET_DIR / name).unlink()
            except OSError:
                pass

    def sessions(self) -> List[Tuple[str, str]]:
        """(target IQN, initiator IQN) of every session now."""
        out = commands.run(tgtadm(self.control_port, '--op', 'show',
                                  '--mode', 'target'), timeout=30)
        return parse_sessions(out)

    def __enter__(self) -> 'TgtDaemon':
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serving(port: int) -> Optional[TgtDaemon]:
    """The running tgtd of this process whose portal is ``port``."""
    with _STARTED_LOCK:
        for daemon in _STARTED:
            if daemon.port == port and daemon.process is not None:
                return daemon
    return None


@atexit.register
def stop_all() -> None:
    """Stop every tgtd this process started (also run at exit)."""
    with _STARTED_LOCK:
        daemons = list(_STARTED)
    for daemon in daemons:
        daemon.stop()
