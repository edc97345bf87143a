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
(``-m serial``, without ``-n``) on their set of services, the others
may run concurrently (``-n 4 -m "not serial"``), each on its own
emulated iLO, node and volume. ``./wb test`` runs both at once, the
serial ones on a set of their own (``SERVICES_DIR`` is
``build/services-outage``: another folder, loopback address and
RabbitMQ node), which their pytest run starts and stops. Nodes and
volumes stay until the next run starts (or the services stop with
their databases): deleting them after each test cost four commands a
scenario.
"""
from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import time
from typing import Iterator

import pytest

from iloemu import IloFleet
from iloemu.testing import running_fleet
from services import run
from services.client import (Cli, NO_CHAP_TYPE, remove_nodes,
                             remove_volumes)
from services.layout import Layout, default_folder
from tests.services import summary

pytest.register_assert_rewrite('tests.services.scenario')

#: Seconds the services may take to come up (RabbitMQ alone: about 10).
UP_TIMEOUT = 300
#: Emulated iLO addresses of each xdist worker: gw0 from the set's
#: first iLO address on, gw1 from 40 further, ... (no worker runs 40
#: scenarios; 6 workers fit in the /24).
ILOS_PER_WORKER = 40
#: Without xdist (the serial tests), the iLOs take the block after gw4's:
#: their MACs are not those of the concurrent step's nodes.
MASTER_INDEX = 5


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
    with open(layout.logs / 'supervisor.log', 'w') as log:
        return run.spawn(log)


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
        _SESSION['process'] = _start(layout)
        run.wait_until_up(layout, _SESSION['process'], UP_TIMEOUT)
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
        remove_volumes(cli, cli.volume_ids())
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


@pytest.fixture
def cli(services: Layout) -> Cli:
    return Cli(services)


@pytest.fixture
def operator(cli: Cli, fleet: IloFleet, services: Layout):
    """``operator(gen, name, **settings)``: an emulated iLO of
    generation ``gen`` (``settings``: ``IloFleet.add``'s, a backend for
    instance) and the :class:`tests.services.scenario.Operator` on it,
    its password and ``name`` made unique; its nodes and volumes stay
    (the next run's start removes them)."""
    from harness.nodes import ilo_password, unique
    from tests.services.scenario import Operator

    def make(gen: int, name: str, **settings):
        password = ilo_password()
        ilo = fleet.add(generation=gen, boot_mode='uefi', password=password,
                        **settings)
        name = unique(name + '-')
        return Operator(cli, services, ilo, name), password, name

    return make


@pytest.fixture(scope='session')
def no_chap_type(services: Layout) -> str:
    """The volume type, made at the session's start (by the controller
    under xdist)."""
    if worker() == 'master':
        _volume_type(services)
    return NO_CHAP_TYPE
