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

"""Start the services in order, wait for each, keep them, stop them.

:func:`up` runs in the foreground: it (re)creates the configuration and
empty databases, starts epmd, RabbitMQ, tgtd, Cinder (api, scheduler,
volume) and ironic (api, conductor) under a :class:`~services.guard.Guard`,
prints one line per service when it answers, writes ``state.json``, and
then waits until it is told to stop (Ctrl-C, SIGTERM, SIGHUP, its parent
dying with ``--die-with-parent``) or a service dies; then it stops
everything. Each service's output goes to ``logs/<name>.log``.
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from realboot.commands import die_with_parent
from services import config, control, install
from services.guard import Guard
from services.layout import (AMQP_PORT, CINDER_PORT, IRONIC_PORT,
                             ISCSI_PORT, ROOT, Layout)

#: Seconds a service may take to answer.
START_TIMEOUT = 120.0
#: What ironic-conductor logs once it has registered, cleared the
#: reservations of its host and started its periodic tasks.
CONDUCTOR_STARTED = 'Successfully started conductor with hostname'


class ServiceError(Exception):
    """A service did not start, or died."""


def free_port() -> int:
    """A free TCP port of 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def answers(address: str, port: int) -> bool:
    """Whether something accepts TCP connections there."""
    try:
        with socket.create_connection((address, port), timeout=1):
            return True
    except OSError:
        return False


def get_json(url: str, headers: Optional[Dict[str, str]] = None) -> dict:
    """GET ``url``; the JSON body, or ``{}`` on any failure."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read() or b'{}')
    except (OSError, ValueError, urllib.error.HTTPError):
        return {}


def cinder_volume_up(layout: Layout) -> bool:
    """Whether cinder-volume is up and the scheduler has its pool (until
    then it refuses volumes: "No valid backend was found")."""
    services = []
    for path in ('os-services', 'admin/os-services'):
        services += get_json('%s/%s' % (layout.urls()['cinder'], path),
                             {'X-Auth-Token': 'admin:admin'}
                             ).get('services', [])
    pools = get_json('%s/scheduler-stats/get_pools' % layout.urls()['cinder'],
                     {'X-Auth-Token': 'admin:admin'}).get('pools', [])
    return any(s.get('binary') == 'cinder-volume' and s.get('state') == 'up'
               for s in services) and pools != []


def ironic_conductor_up(layout: Layout) -> bool:
    """Whether a conductor offers the ``ilo`` hardware type."""
    body = get_json('%s/v1/drivers' % layout.urls()['ironic'],
                    {'X-OpenStack-Ironic-API-Version': '1.34'})
    return any(d.get('name') == 'ilo' for d in body.get('drivers', []))


def write_ahead_log(database: Path) -> None:
    """Put the SQLite file in WAL mode (kept in the file).

    Two services write each file (cinder-api and cinder-volume; ironic's
    API and conductor); in SQLite's default journal mode a reader that
    starts to write while the other service writes gets "database is
    locked" at once, whatever the busy timeout, and Cinder answers
    HTTP 500 (seen under load). In WAL mode readers do not block
    writers and a writer waits its busy timeout for the other.
    """
    with contextlib.closing(sqlite3.connect(str(database))) as db:
        db.execute('PRAGMA journal_mode=WAL')


def ensure_tgtd(layout: Layout, out: Callable[[str], None]) -> None:
    """Build the patched tgtd under ``build/tgt`` unless it is current
    (:class:`realboot.tgtbuild.TgtBuild`): the firmware's initiator
    offers SHA-256 CHAP, which Debian's tgtd misreads. If it cannot be
    built, say so; tgtd is then Debian's."""
    from realboot.errors import RealBootError
    from realboot.tgtbuild import TgtBuild
    try:
        TgtBuild(layout.build / 'tgt',
                 progress=lambda line: out('[services] %s' % line)).ensure()
    except RealBootError as error:
        out("[services] %s: tgtd is Debian's (a firmware login with "
            "CHAP fails against it)" % error)


def tgtd_binary(layout: Layout) -> str:
    """The project's patched tgtd (standard CHAP algorithm numbers) when
    built (``build/tgt/tgtd``), else Debian's."""
    built = layout.build / 'tgt' / 'tgtd'
    return str(built) if built.is_file() else '/usr/sbin/tgtd'


class Spec(NamedTuple):
    """How a service was started, to start it again."""

    argv: List[str]
    ready: Callable[[], bool]
    env: Optional[Dict[str, str]]


class Supervisor:
    """The running services of one :class:`Layout`.

    Besides starting and stopping them all, it stops one service on
    purpose (:meth:`stop_one`: an outage; the others keep running) and
    starts it again (:meth:`start_one`), under its guard as before.
    """

    def __init__(self, layout: Layout,
                 out: Callable[[str], None] = print) -> None:
        self.layout = layout
        self.out = out
        self.token = secrets.token_hex(8)
        self.guard = Guard(self.token)
        self.ports = {'epmd': free_port(), 'erlang_dist': free_port()}
        self.timings: Dict[str, float] = {}
        self.specs: Dict[str, Spec] = {}
        self.stopped: Dict[str, int] = {}
        self._logs: List = []
        self._log_start: Dict[str, int] = {}

    # -- files ---------------------------------------------------------
    def _fresh(self) -> None:
        """Configuration written anew, databases and volumes empty."""
        for name in ('cinder', 'ironic', 'rabbitmq', 'tgt'):
            shutil.rmtree(self.layout.root / name, ignore_errors=True)
        files = config.cinder_files(self.layout)
        for key in ('state', 'targets', 'volumes', 'bin'):
            files[key].mkdir(parents=True, exist_ok=True)
        files['conf'].write_text(config.cinder_conf(self.layout))
        files['paste'].write_text(config.PASTE)
        files['tgt_conf'].write_text(config.tgt_targets_conf(self.layout))
        wrapper = files['bin'] / 'tgt-admin'
        wrapper.write_text(config.tgt_admin_wrapper(self.layout))
        wrapper.chmod(0o755)
        ironic = config.ironic_files(self.layout)
        for folder in (ironic.root, ironic.tftp_root, ironic.http_root,
                       ironic.state_path):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        ironic.config_file.write_text(config.ironic_conf(self.layout))
        rabbit = self.layout.folder('rabbitmq')
        (rabbit / 'enabled_plugins').write_text('[].\n')
        self.layout.tgt_socket.parent.mkdir(parents=True, exist_ok=True)

    def _log(self, name: str, mode: str = 'w'):
        """The log of ``name``; ``mode`` ``a`` for a restart."""
        log = open(self.layout.logs / ('%s.log' % name), mode)
        self._log_start[name] = log.tell()
        self._logs.append(log)
        return log

    def logged(self, name: str, text: str) -> bool:
        """Whether ``name`` logged ``text`` since its last start."""
        with open(self.layout.logs / ('%s.log' % name), 'rb') as log:
            log.seek(self._log_start.get(name, 0))
            return text.encode() in log.read()

    # -- environments ---------------------------------------------------
    def _rabbit_env(self) -> Dict[str, str]:
        rabbit = self.layout.folder('rabbitmq')
        return {
            'HOME': str(rabbit),
            'RABBITMQ_NODENAME': 'rabbit@localhost',
            'RABBITMQ_NODE_IP_ADDRESS': self.layout.address,
            'RABBITMQ_NODE_PORT': str(AMQP_PORT),
            'RABBITMQ_DIST_PORT': str(self.ports['erlang_dist']),
            'ERL_EPMD_ADDRESS': '127.0.0.1',
            'ERL_EPMD_PORT': str(self.ports['epmd']),
            'RABBITMQ_MNESIA_BASE': str(rabbit / 'mnesia'),
            'RABBITMQ_LOG_BASE': str(rabbit / 'log'),
            'RABBITMQ_LOGS': '-',
            'RABBITMQ_ENABLED_PLUGINS_FILE': str(rabbit / 'enabled_plugins'),
            'RABBITMQ_PID_FILE': str(rabbit / 'pid'),
            'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
                '-kernel inet_dist_use_interface {127,0,0,1}',
        }

    def _cinder_env(self) -> Dict[str, str]:
        files = config.cinder_files(self.layout)
        return {'PATH': '%s:%s:%s' % (files['bin'],
                                      self.layout.cinder_venv / 'bin',
                                      os.environ.get('PATH', '')),
                'PYTHONPATH': str(Path(__file__).resolve().parent.parent),
                'TGT_IPC_SOCKET': str(self.layout.tgt_socket),
                'PYTHONWARNINGS': 'ignore'}

    # -- starting --------------------------------------------------------
    def _wait(self, name: str, ready: Callable[[], bool],
              start: float) -> None:
        deadline = start + START_TIMEOUT
        while not ready():
            process = self.guard.children.get(name)
            if process is not None and process.poll() is not None:
                raise ServiceError('%s exited with %s at start (log: %s)' % (
                    name, process.returncode,
                    self.layout.logs / ('%s.log' % name)))
            if time.monotonic() > deadline:
                raise ServiceError('%s did not answer in %.0f s (log: %s)' % (
                    name, START_TIMEOUT,
                    self.layout.logs / ('%s.log' % name)))
            time.sleep(0.3)
        self.timings[name] = time.monotonic() - start
        self.out('[services] %s: up in %.1f s' % (name, self.timings[name]))

    def _start(self, name: str, argv: List[str], ready: Callable[[], bool],
               env: Optional[Dict[str, str]] = None,
               log_mode: str = 'w') -> None:
        start = time.monotonic()
        self.specs.setdefault(name, Spec(argv, ready, env))
        self.guard.start(name, argv, self._log(name, log_mode), env=env,
                         cwd=self.layout.root)
        self._wait(name, ready, start)

    def _once(self, name: str, argv: List[str],
              env: Optional[Dict[str, str]] = None) -> None:
        start = time.monotonic()
        process = self.guard.start(name, argv, self._log(name), env=env,
                                   cwd=self.layout.root)
        if process.wait() != 0:
            raise ServiceError('%s failed with %s (log: %s)' % (
                name, process.returncode,
                self.layout.logs / ('%s.log' % name)))
        del self.guard.children[name]
        self.out('[services] %s: done in %.1f s'
                 % (name, time.monotonic() - start))

    def start_all(self) -> None:
        """Start every service, in order, each once the one before it
        answers."""
        layout, address = self.layout, self.layout.address
        self._fresh()
        self._start('epmd', ['epmd', '-port', str(self.ports['epmd']),
                             '-address', '127.0.0.1'],
                    lambda: answers('127.0.0.1', self.ports['epmd']))
        self._start('rabbitmq', ['/usr/lib/rabbitmq/bin/rabbitmq-server'],
                    lambda: answers(address, AMQP_PORT),
                    env=self._rabbit_env())
        self._start('tgtd', [tgtd_binary(layout), '-f', '-C', '0',
                             '--iscsi', 'portal=%s:%d' % (address,
                                                          ISCSI_PORT)],
                    lambda: answers(address, ISCSI_PORT),
                    env={'TGT_IPC_SOCKET': str(layout.tgt_socket)})
        cinder_bin = layout.cinder_venv / 'bin'
        conf = str(config.cinder_files(layout)['conf'])
        env = self._cinder_env()
        self._once('cinder-db-sync', [cinder_bin / 'cinder-manage',
                                      '--config-file', conf, 'db', 'sync'],
                   env=env)
        write_ahead_log(config.cinder_files(layout)['database'])
        # Each as its console script would, through services.immediate
        # (SQLite transactions that lock as they begin).
        start = [cinder_bin / 'python', '-m', 'services.immediate']
        self._start('cinder-api', [*start, 'cinder.cmd.api',
                                   '--config-file', conf],
                    lambda: answers(address, CINDER_PORT), env=env)
        self._start('cinder-scheduler', [*start, 'cinder.cmd.scheduler',
                                         '--config-file', conf],
                    lambda: True, env=env)
        self._start('cinder-volume', [*start, 'cinder.cmd.volume',
                                      '--config-file', conf],
                    lambda: cinder_volume_up(layout), env=env)
        ironic_bin = layout.ironic_venv / 'bin'
        ironic_conf = str(config.ironic_files(layout).config_file)
        self._once('ironic-dbsync', [ironic_bin / 'ironic-dbsync',
                                     '--config-file', ironic_conf,
                                     'create_schema'])
        write_ahead_log(config.ironic_files(layout).database)
        start = [ironic_bin / 'python', '-m', 'services.immediate']
        self._start('ironic-api', [*start, 'ironic.cmd.api',
                                   '--config-file', ironic_conf],
                    lambda: answers(address, IRONIC_PORT))
        self._start('ironic-conductor', [*start, 'ironic.cmd.conductor',
                                         '--config-file', ironic_conf],
                    lambda: (ironic_conductor_up(layout) and self.logged(
                        'ironic-conductor', CONDUCTOR_STARTED)))

    # -- one service -----------------------------------------------------
    def stop_one(self, name: str, kill: bool = False) -> int:
        """Stop ``name`` on purpose (SIGTERM, or SIGKILL with ``kill``);
        the others keep running. Its exit code.

        :raises ServiceError: if it does not run.
        """
        if name not in self.guard.children:
            raise ServiceError('%s does not run (running: %s)' % (
                name, ', '.join(self.guard.children) or 'none'))
        code = self.guard.stop_one(
            name, signal.SIGKILL if kill else signal.SIGTERM)
        self.stopped[name] = code
        self.out('[services] %s: %s on purpose (exit %s)' % (
            name, 'killed' if kill else 'stopped', code))
        self.write_state()
        return code

    def start_one(self, name: str, host: Optional[str] = None) -> float:
        """Start ``name`` again as it was started, its log appended to;
        return once it answers (seconds taken). ``host``: ironic-conductor
        only, its ``[DEFAULT]host`` (another conductor: a takeover).

        :raises ServiceError: if it runs, is unknown, or does not answer.
        """
        if name in self.guard.children:
            raise ServiceError('%s runs already' % name)
        if name not in self.specs:
            raise ServiceError('no service %s (services: %s)' % (
                name, ', '.join(self.specs)))
        spec = self.specs[name]
        argv = list(spec.argv)
        if host is not None:
            if name != 'ironic-conductor':
                raise ServiceError('host= is for ironic-conductor only')
            extra = config.ironic_files(self.layout).root / 'host.conf'
            extra.write_text(config.conductor_host_conf(host))
            argv += ['--config-file', extra]
        self._start(name, argv, spec.ready, spec.env, log_mode='a')
        self.stopped.pop(name, None)
        self.write_state()
        return self.timings[name]

    def handle(self, words: List[str]) -> str:
        """A control request: ``stop NAME [kill]``, ``start NAME
        [host=HOST]``, ``status``; the answer's text.

        :raises control.ControlError: for a request it cannot carry out.
        """
        try:
            if words[:1] == ['status']:
                return 'running %s; stopped %s' % (
                    ','.join(self.guard.children) or '-',
                    ','.join(self.stopped) or '-')
            if len(words) in (2, 3) and words[0] == 'stop' and (
                    words[2:] in ([], ['kill'])):
                code = self.stop_one(words[1], kill=words[2:] == ['kill'])
                return '%s stopped (exit %s)' % (words[1], code)
            if len(words) in (2, 3) and words[0] == 'start' and all(
                    w.startswith('host=') for w in words[2:]):
                host = words[2][5:] if words[2:] else None
                took = self.start_one(words[1], host)
                return '%s up in %.1f s' % (words[1], took)
        except ServiceError as error:
            raise control.ControlError(str(error))
        raise control.ControlError('unknown request: %s' % ' '.join(words))

    def write_state(self) -> None:
        state = {'pid': os.getpid(), 'token': self.token,
                 'address': self.layout.address, 'ports': self.ports,
                 'urls': self.layout.urls(),
                 'ca_file': str(self.layout.ca_file),
                 'first_ilo': self.layout.first_ilo,
                 'services': {name: p.pid for name, p in
                              self.guard.children.items()},
                 'stopped': sorted(self.stopped),
                 'timings': self.timings}
        self.layout.state_file.write_text(json.dumps(state, indent=1))

    def stop(self) -> None:
        try:
            self.guard.stop()
        finally:
            for log in self._logs:
                log.close()
            for path in (self.layout.state_file,
                         self.layout.control_socket):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop(signal.Signals(signum).name)


def up(layout: Layout, with_parent: bool = False,
       out: Callable[[str], None] = print) -> int:
    """Start everything, then wait until told to stop; stop it all."""
    if with_parent:
        die_with_parent(signal.SIGTERM)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)
    with install.exclusive(layout, out):
        install.ensure(layout, out)
        ensure_tgtd(layout, out)
    supervisor = Supervisor(layout, out)
    supervisor.guard.start_watcher()
    started = time.monotonic()
    stack = contextlib.ExitStack()
    try:
        try:
            supervisor.start_all()
        except ServiceError as error:
            out('[services] error: %s' % error)
            return 1
        listener = stack.enter_context(contextlib.closing(
            control.listen(layout.control_socket)))
        supervisor.write_state()
        out('[services] up in %.1f s on %s: ironic %s, cinder %s '
            '(state: %s)' % (time.monotonic() - started, layout.address,
                             layout.urls()['ironic'],
                             layout.urls()['cinder'], layout.state_file))
        sys.stdout.flush()
        while True:
            dead = supervisor.guard.exited()
            if dead:
                out('[services] error: exited: %s' % ', '.join(
                    '%s (%s)' % item for item in sorted(dead.items())))
                return 1
            control.serve(listener, supervisor.handle, timeout=1)
    except (KeyboardInterrupt, _Stop) as why:
        out('[services] stopping (%s)' % (why or 'Ctrl-C'))
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.close()
        supervisor.stop()
        out('[services] down')


def read_state(layout: Layout) -> Optional[dict]:
    """``state.json`` if its supervisor still runs."""
    try:
        state = json.loads(layout.state_file.read_text())
        os.kill(state['pid'], 0)
    except (OSError, ValueError, KeyError):
        return None
    return state


def wait_until_up(layout: Layout, process: subprocess.Popen,
                  timeout: float) -> Optional[str]:
    """Wait for ``process`` (``python -m services up``) to write
    ``state.json``; None once it has, else why not ("did not start",
    "not up in N s")."""
    deadline = time.monotonic() + timeout
    while read_state(layout) is None:
        if process.poll() is not None:
            return 'did not start'
        if time.monotonic() > deadline:
            return 'not up in %.0f s' % timeout
        time.sleep(0.5)
    return None


def down(layout: Layout, timeout: float = 60.0,
         out: Callable[[str], None] = print) -> int:
    """SIGTERM the supervisor in ``state.json`` and wait for it."""
    state = read_state(layout)
    if state is None:
        out('[services] not running')
        return 0
    os.kill(state['pid'], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(state['pid'], 0)
        except ProcessLookupError:
            out('[services] down')
            return 0
        time.sleep(0.2)
    out('[services] supervisor %d did not stop' % state['pid'])
    return 1


def memory_mib(token: str) -> Dict[str, float]:
    """Resident memory (MiB) of the marked processes, by command."""
    from services.guard import marked
    sizes: Dict[str, float] = {}
    for pid in marked(token):
        try:
            status = Path('/proc/%d/status' % pid).read_text()
            name = Path('/proc/%d/comm' % pid).read_text().strip()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith('VmRSS:'):
                kib = int(line.split()[1])
                sizes[name] = sizes.get(name, 0.0) + kib / 1024
    return sizes


def status(layout: Layout, out: Callable[[str], None] = print) -> int:
    """Print what runs, whether each API answers, and memory."""
    state = read_state(layout)
    if state is None:
        out('[services] not running')
        return 1
    out('[services] supervisor %d on %s' % (state['pid'], state['address']))
    for name, pid in sorted(state['services'].items()):
        alive = Path('/proc/%d' % pid).exists()
        out('  %-17s pid %-7d %s' % (name, pid,
                                     'running' if alive else 'GONE'))
    for name in state.get('stopped', []):
        out('  %-17s stopped on purpose (start-one %s)' % (name, name))
    out('  cinder-volume up: %s; ironic conductor with ilo: %s' % (
        cinder_volume_up(layout), ironic_conductor_up(layout)))
    sizes = memory_mib(state['token'])
    out('  memory (RSS, MiB): %s; total %.0f' % (', '.join(
        '%s %.0f' % item for item in sorted(sizes.items())),
        sum(sizes.values())))
    return 0


def one(layout: Layout, words: List[str],
        out: Callable[[str], None] = print) -> int:
    """Ask the running supervisor to ``stop`` or ``start`` one service
    (:meth:`Supervisor.handle`); print its answer."""
    if read_state(layout) is None:
        out('[services] not running')
        return 1
    answer = control.request(layout.control_socket, words,
                             timeout=START_TIMEOUT + 30)
    out('[services] %s' % answer)
    return 0 if answer.startswith('ok ') else 1


def spawn(stdout: Any, with_parent: bool = True,
          new_session: bool = False) -> subprocess.Popen:
    """``python -m services up`` as a child of this process (the set of
    ``$SERVICES_DIR``, as this process sees it), its output and errors
    to ``stdout``: a file, or ``subprocess.PIPE`` for text lines.

    :param with_parent: ``--die-with-parent``: it stops when this
        process dies, even by SIGKILL.
    :param new_session: in a session of its own (:func:`detach`).
    """
    return subprocess.Popen(
        [sys.executable, '-m', 'services', 'up',
         *(['--die-with-parent'] if with_parent else [])],
        stdout=stdout, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, start_new_session=new_session, cwd=ROOT)


def detach(layout: Layout, out: Callable[[str], None] = print) -> int:
    """``up`` in the background (its own session); return once it is up
    or has failed."""
    if read_state(layout) is not None:
        out('[services] already running (state: %s)' % layout.state_file)
        return 0
    log_path = layout.logs / 'supervisor.log'
    with open(log_path, 'w') as log:
        process = spawn(log, with_parent=False, new_session=True)
    out('[services] starting in the background (log: %s)' % log_path)
    if wait_until_up(layout, process, float('inf')) is None:
        out('[services] up (python -m services down stops them)')
        return 0
    out('[services] failed to start: see %s' % log_path)
    return 1
