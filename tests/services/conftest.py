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

"""Fixtures: the real services, emulated iLOs, the ``openstack`` CLI.

* ``services`` (session): RabbitMQ, tgtd, Cinder and ironic as
  ``python -m services up`` starts them, once per run, in the process
  that runs pytest (with pytest-xdist ``-n``: the controller, before
  its workers start; the workers use that set); if they already run
  (``python -m services up --detach``, or ``./wb test``, which starts
  them once for its two pytest runs), those are used and left
  running. Where a service cannot start, every test skips, saying which
  and why.
* ``fleet`` (session, one per xdist worker): emulated iLOs on the
  services' /24, each worker on its own addresses; ironic's
  ``[ilo]ca_file`` is a bundle of every worker's CA.
* ``cli``: the commands a person types, run in the client virtualenv;
  CHAP secrets are masked in everything they print.

Tests marked ``serial`` stop and start services: they must run alone
(``-m serial``, without ``-n``), the others may run concurrently
(``-n 4 -m "not serial"``), each on its own emulated iLO, node and
volume. Nodes and volumes stay until the next run starts (or the
services stop with their databases): deleting them after each test
cost four commands a scenario.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from typing import Any, Iterator, List

import pytest

from iloemu import IloFleet
from iloemu.testing import running_fleet
from services import run
from services.layout import ROOT, Layout, default_folder
from tests.services import summary

pytest.register_assert_rewrite('tests.services.scenario')

#: Seconds the services may take to come up (RabbitMQ alone: about 10).
UP_TIMEOUT = 300
#: ``volume target show`` of the 9.1.6 API includes Cinder's CHAP
#: secret in its properties, and the iLO password is a command line
#: value of ``node create``: never print either.
_SECRET = re.compile(
    r'(["\']?(?:auth_password|ilo_password)["\']?\s*[:=]\s*["\']?)'
    r'([^"\',}\s]+)')


def mask(text: str) -> str:
    """``text`` with every ``auth_password`` and ``ilo_password`` value
    replaced.

    >>> mask('{"auth_password": "Abc123", "auth_username": "u"}')
    '{"auth_password": "***", "auth_username": "u"}'
    >>> mask('--driver-info ilo_password=iLO-pw-1 --name n')
    '--driver-info ilo_password=*** --name n'
    """
    return _SECRET.sub(r'\1***', text)


#: Emulated iLO addresses of each xdist worker: gw0 from the set's
#: first iLO address on, gw1 from 40 further, ... (no worker runs 40
#: scenarios; 6 workers fit in the /24).
ILOS_PER_WORKER = 40
#: Without xdist (the serial tests), the iLOs take the block after gw4's:
#: their MACs are not those of the concurrent step's nodes.
MASTER_INDEX = 5
#: An empty API version leaves that API's command group out of
#: ``openstack``'s start-up: these scenarios call only ``baremetal``.
#: Loading the ~1000 commands of compute, network, image, share, ...
#: took a third of each command's start-up CPU (1.4 s, 1.1 s without).
QUIET_APIS = {'OS_%s_API_VERSION' % api: '' for api in (
    'ACCELERATOR', 'COMPUTE', 'IDENTITY', 'IMAGE', 'NETWORK', 'OBJECT',
    'VOLUME', 'SHARE')}


def pytest_configure(config) -> None:
    config.addinivalue_line(
        'markers', 'serial: stops or starts services: runs alone, never '
        'concurrently with another test (-m serial, without -n)')


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        item.add_marker(pytest.mark.filterwarnings('ignore'))


def worker() -> str:
    """This process's xdist worker (``gw0``, ...); ``master`` without
    xdist and in xdist's controller."""
    return os.environ.get('PYTEST_XDIST_WORKER', 'master')


def _start(layout: Layout) -> subprocess.Popen:
    log = open(layout.logs / 'supervisor.log', 'w')
    return subprocess.Popen(
        [sys.executable, '-m', 'services', 'up', '--die-with-parent'],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        cwd=ROOT)


def _why(layout: Layout) -> str:
    try:
        lines = (layout.logs / 'supervisor.log').read_text().splitlines()
    except FileNotFoundError:
        lines = []
    errors = [line for line in lines if '] error:' in line]
    return (errors or lines or ['no output'])[-1]


#: What the session start did: the supervisor it started, where this
#: run's lines of the command logs begin.
_SESSION: dict = {}


def _up(layout: Layout) -> bool:
    """The services up: those running, else started here (stopped at the
    session's end); whether they are up."""
    if run.read_state(layout) is not None:
        return True
    if 'process' not in _SESSION:
        _SESSION['process'] = process = _start(layout)
        deadline = time.monotonic() + UP_TIMEOUT
        while run.read_state(layout) is None and process.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.5)
    return run.read_state(layout) is not None


def _volume_type(layout: Layout) -> None:
    """``cinder type-create`` of :data:`NO_CHAP_TYPE`, once (services
    left running keep it)."""
    if not _SESSION.get('typed'):
        _SESSION['typed'] = True
        cli = Cli(layout)
        if NO_CHAP_TYPE not in cli.cinder('type-list'):
            cli.cinder('type-create', NO_CHAP_TYPE)
            cli.cinder('type-key', NO_CHAP_TYPE, 'set', 'sparse:chap=False')


def _prepare(layout: Layout) -> None:
    """The services up (with the ``no-chap`` volume type), or what an
    earlier run left in running ones removed."""
    if run.read_state(layout) is not None:
        # Services left running keep the nodes of an earlier run, whose
        # ports hold the MACs this run's iLOs have again.
        cli = Cli(layout)
        remove_nodes(cli, [n['uuid'] for n in cli.baremetal('node', 'list')])
        rows = cli.cinder('list').splitlines()[3:-1]
        remove_volumes(cli, [row.split('|')[1].strip() for row in rows])
    if _up(layout):
        _volume_type(layout)


def pytest_sessionstart(session) -> None:
    """Once a run, in the process that runs pytest: where this run's
    lines of the logs begin; with xdist, :func:`_prepare` before the
    workers start."""
    if worker() != 'master' or session.config.option.collectonly:
        return
    layout = Layout(default_folder())
    layout.root.mkdir(parents=True, exist_ok=True)
    _SESSION['offsets'] = {name: _size(layout.logs / name)
                           for name in summary.LOGS}
    _SESSION['start'] = time.monotonic()
    if session.config.getoption('numprocesses', None):
        _prepare(layout)


def pytest_collection_finish(session) -> None:
    """Without xdist: :func:`_prepare` once the tests are known, if one
    of them needs the services (``-m serial`` may select none)."""
    if worker() == 'master' and 'start' in _SESSION and \
            not session.config.getoption('numprocesses', None) and \
            any('services' in getattr(item, 'fixturenames', ())
                for item in session.items):
        _prepare(Layout(default_folder()))


def pytest_sessionfinish(session) -> None:
    process = _SESSION.pop('process', None)
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
    if process is not None:
        process.wait(timeout=120)


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _size(path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def pytest_terminal_summary(terminalreporter) -> None:
    """Per scenario: its time (setup, call, teardown), commands, iLO
    requests; then the CLI's commands and CPU seconds of this run."""
    if worker() != 'master' or 'offsets' not in _SESSION:
        return
    layout = Layout(default_folder())
    write = terminalreporter.write_line
    terminalreporter.section('services: scenarios')
    for line in summary.lines(
            terminalreporter.stats, layout.logs, _SESSION['offsets'],
            time.monotonic() - _SESSION['start']):
        write(line)


@pytest.fixture(scope='session')
def services() -> Layout:
    """The running services (an xdist worker never starts them: the
    controller did, or they did not start)."""
    layout = Layout(default_folder())
    if not (_up(layout) if worker() == 'master'
            else run.read_state(layout) is not None):
        pytest.skip('services did not start: %s' % _why(layout))
    return layout


def remove_nodes(cli: 'Cli', uuids: List[str]) -> None:
    """``node maintenance set`` and ``node delete``, whatever their
    state (a volume a deleted node held stays attached in Cinder)."""
    if uuids:
        cli.baremetal('node', 'maintenance', 'set', *uuids, parse=False)
        cli.baremetal('node', 'delete', *uuids, parse=False)


def remove_volumes(cli: 'Cli', ids: List[str]) -> None:
    """``cinder delete`` (Cinder's default quota is 10 volumes), also
    of volumes still attached to nodes deleted in maintenance (their
    state reset first: Cinder's word only)."""
    if ids:
        cli.cinder('reset-state', '--state', 'available',
                   '--attach-status', 'detached', *ids)
        cli.cinder('delete', *ids)


def trust(layout: Layout) -> None:
    """ironic's ``[ilo]ca_file``: every worker's CA in one file,
    rewritten whole (never read half written), one worker at a time."""
    with open(layout.pki / 'bundle.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        bundle = ''.join(path.read_text() for path in sorted(
            layout.pki.glob('*/%s' % layout.ca_file.name)))
        temporary = layout.ca_file.with_suffix('.new')
        temporary.write_text(bundle)
        os.replace(temporary, layout.ca_file)


@pytest.fixture(scope='session')
def fleet(services: Layout) -> Iterator[IloFleet]:
    """This worker's emulated iLOs; ironic trusts their CA."""
    index = int(re.sub(r'\D', '', worker()) or MASTER_INDEX)
    prefix, last = services.first_ilo.rsplit('.', 1)
    first = '%s.%d' % (prefix, int(last) + ILOS_PER_WORKER * index)
    with running_fleet(services.pki / worker(), first) as fleet:
        trust(services)
        yield fleet


class Cli:
    """``openstack baremetal ...`` and ``cinder ...`` as typed."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.bin = layout.client_venv / 'bin'
        self.commands: List[str] = []

    def _run(self, argv: List[str], parse: bool, label: str) -> Any:
        shown = ' '.join(argv)
        self.commands.append(mask(shown))
        start = time.monotonic()
        cpu = _children_cpu()
        done = subprocess.run([str(self.bin / argv[0]), *argv[1:]],
                              capture_output=True, text=True,
                              env={**os.environ, 'PYTHONWARNINGS': 'ignore',
                                   **QUIET_APIS})
        with open(self.layout.logs / 'cli.txt', 'a') as log:
            log.write('%s %s | %.2f s | %.2f CPU s\n' % (
                argv[0], label, time.monotonic() - start,
                _children_cpu() - cpu))
        if done.returncode != 0:
            raise AssertionError('%s: exit %d: %s' % (
                mask(shown), done.returncode, mask(done.stderr.strip())))
        return json.loads(done.stdout) if parse and done.stdout.strip() \
            else done.stdout

    def baremetal(self, *args: str, parse: bool = True) -> Any:
        """``openstack baremetal ARGS`` (``-f json`` when parsed)."""
        return self._run(
            ['openstack', '--os-auth-type', 'none', '--os-endpoint',
             self.layout.urls()['ironic'], 'baremetal', *args,
             *(['-f', 'json'] if parse else [])], parse, ' '.join(args[:2]))

    def cinder(self, *args: str) -> str:
        """``cinder ARGS`` against the local Cinder, no Keystone."""
        return self._run(
            ['cinder', '--os-auth-type', 'noauth', '--os-user-id', 'admin',
             '--os-project-id', 'admin', '--os-endpoint',
             self.layout.urls()['cinder'], *args], False, args[0])

    def volume(self, volume_id: str) -> dict:
        """``cinder show`` as a dict of its table."""
        return table(self.cinder('show', volume_id))

    def wait_volume(self, volume_id: str, status: str,
                    timeout: float = 60) -> dict:
        """The volume once its status is ``status``."""
        deadline = time.monotonic() + timeout
        while True:
            volume = self.volume(volume_id)
            if volume.get('status') == status or time.monotonic() > deadline:
                return volume
            time.sleep(1)


def table(output: str) -> dict:
    """A ``cinder`` property table as a dict.

    >>> table('| Property | Value |\\n| id | 7 |\\n| status | available |')
    {'id': '7', 'status': 'available'}
    """
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split('|')]
        if len(cells) == 4 and cells[1] and cells[1] != 'Property':
            rows[cells[1]] = cells[2]
    return rows


@pytest.fixture
def cli(services: Layout) -> Cli:
    return Cli(services)


@pytest.fixture
def operator(cli: Cli, fleet: IloFleet, services: Layout):
    """``operator(gen, name)``: an emulated iLO of generation ``gen``
    and the :class:`tests.services.scenario.Operator` on it, its
    password and ``name`` made unique; its nodes and volumes stay (the
    next run's start removes them)."""
    from harness.nodes import ilo_password, unique
    from tests.services.scenario import Operator

    def make(gen: int, name: str):
        password = ilo_password()
        ilo = fleet.add(generation=gen, boot_mode='uefi', password=password)
        name = unique(name + '-')
        return Operator(cli, services, ilo, name), password, name

    return make


def tgt_targets(layout: Layout) -> str:
    """What the services' tgtd exports (``tgtadm --op show``)."""
    return subprocess.run(
        ['tgtadm', '-C', '0', '--lld', 'iscsi', '--op', 'show', '--mode',
         'target'], capture_output=True, text=True, check=True,
        env={**os.environ, 'TGT_IPC_SOCKET': str(layout.tgt_socket)}
    ).stdout


#: The volume type whose volumes the sparse driver exports without CHAP
#: (``services/sparsedriver.py``, extra spec ``sparse:chap``).
NO_CHAP_TYPE = 'no-chap'


@pytest.fixture(scope='session')
def no_chap_type(services: Layout) -> str:
    """The volume type, made at the session's start (by the controller
    under xdist)."""
    if worker() == 'master':
        _volume_type(services)
    return NO_CHAP_TYPE
