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
  ``python -m services up`` starts them, once per run; if they already
  run (``python -m services up --detach``), those are used and left
  running. Where a service cannot start, every test skips, saying which
  and why.
* ``fleet`` (session): emulated iLOs on the services' /24; their CA is
  the file ironic's ``[ilo]ca_file`` names.
* ``cli``: the commands a person types, run in the client virtualenv;
  CHAP secrets are masked in everything they print.
"""
from __future__ import annotations

import signal
import subprocess
import sys
from typing import Iterator, List

import pytest

from iloemu import IloFleet
from iloemu.testing import running_fleet
from services import run
from services.client import (  # noqa: F401  (the tests' names for them)
    Cli, NO_CHAP_TYPE, mask, remove_nodes, remove_volumes, tgt_targets)
from services.layout import ROOT, Layout, default_folder

pytest.register_assert_rewrite('tests.services.scenario')

#: Seconds the services may take to come up (RabbitMQ alone: about 10).
UP_TIMEOUT = 300


def pytest_configure(config) -> None:
    config.addinivalue_line(
        'markers', 'serial: runs alone, never concurrently with another '
        'test (it stops and starts services the others use)')


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        item.add_marker(pytest.mark.filterwarnings('ignore'))


def _start(layout: Layout) -> subprocess.Popen:
    log = open(layout.logs / 'supervisor.log', 'w')
    return subprocess.Popen(
        [sys.executable, '-m', 'services', 'up', '--die-with-parent'],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        cwd=ROOT)


def _why(layout: Layout) -> str:
    lines = (layout.logs / 'supervisor.log').read_text().splitlines()
    errors = [line for line in lines if '] error:' in line]
    return (errors or lines or ['no output'])[-1]


@pytest.fixture(scope='session')
def services() -> Iterator[Layout]:
    layout = Layout(default_folder())
    layout.root.mkdir(parents=True, exist_ok=True)
    if run.read_state(layout) is not None:
        yield layout
        return
    process = _start(layout)
    try:
        why = run.wait_until_up(layout, process, UP_TIMEOUT)
        if why:
            pytest.skip('services %s: %s' % (why, _why(layout)))
        yield layout
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)


@pytest.fixture(scope='session')
def fleet(services: Layout) -> Iterator[IloFleet]:
    # Services left running keep the nodes of an earlier run, whose
    # ports hold the MACs this run's iLOs have again.
    cli = Cli(services)
    remove_nodes(cli, [n['uuid'] for n in cli.baremetal('node', 'list')])
    remove_volumes(cli, [line.split('|')[1].strip()
                         for line in cli.cinder('list').splitlines()[3:-1]])
    with running_fleet(services.pki, services.first_ilo) as fleet:
        assert fleet.ca_file == services.ca_file
        yield fleet


@pytest.fixture
def cli(services: Layout) -> Cli:
    return Cli(services)


@pytest.fixture
def operator(cli: Cli, fleet: IloFleet, services: Layout):
    """``operator(gen, name, **settings)``: an emulated iLO of
    generation ``gen`` (``settings``: ``IloFleet.add``'s, a backend for
    instance) and the :class:`tests.services.scenario.Operator` on it, its
    password and ``name`` made unique; the nodes it enrolled are
    deleted after the test."""
    from harness.nodes import ilo_password, unique
    from tests.services.scenario import Operator
    made: List[Operator] = []

    def make(gen: int, name: str, **settings):
        password = ilo_password()
        ilo = fleet.add(generation=gen, boot_mode='uefi', password=password,
                        **settings)
        name = unique(name + '-')
        made.append(Operator(cli, services, ilo, name))
        return made[-1], password, name

    yield make
    remove_nodes(cli, [n for op in made for n in op.nodes])
    remove_volumes(cli, [v for op in made for v in op.volumes])


@pytest.fixture(scope='session')
def no_chap_type(services: Layout) -> str:
    """``cinder type-create`` once (services left running keep it)."""
    cli = Cli(services)
    if NO_CHAP_TYPE not in cli.cinder('type-list'):
        cli.cinder('type-create', NO_CHAP_TYPE)
        cli.cinder('type-key', NO_CHAP_TYPE, 'set', 'sparse:chap=False')
    return NO_CHAP_TYPE
