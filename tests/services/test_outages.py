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

"""Outages of the services themselves, and a conductor takeover.

A service is stopped on purpose with ``python -m services stop-one``
(the others keep running) and started again with ``start-one``, as an
operator's service manager would:

* Cinder's API down when ``node deploy`` runs: the deploy fails on the
  attach, the node is not left deploying, nothing is enabled on the
  iLO; Cinder back, ``undeploy`` gives the node and volume back;
* RabbitMQ down: ``node deploy`` waits, as ironic-api does: ironic
  9.1.6 retries publishing the request until RabbitMQ is back, with no
  bound and no error (base behaviour, see doc/services.md); meanwhile
  the node stays ``available`` and the iLO gets no write; RabbitMQ
  back, the request reaches the conductor and the deploy succeeds;
* the conductor stopped while a node is active and started as another
  host: the new conductor takes the node over without writing to the
  iLO, the attempt stays enabled, the instance boots as before;
* the conductor killed (SIGKILL) while the deploy waits for the iLO's
  answer to the iSCSI settings: started again, it fails the deploy
  ("can't be resumed"), and ``undeploy`` clears what the iLO got.

Each test changes the set of services that the others use: all are
``serial`` (never run concurrently with another test), and the
``outage`` fixture starts again whatever a test left stopped. They run
alone, so they share one enrolled node and Cinder volume a generation
(``ready``; each test leaves its node available again, and creates the
boot volume target its deploy uses: the tear down deletes it);
enrolling costs some 30 s of commands and ``--wait`` polls.
"""
from __future__ import annotations

import subprocess
import sys
import time
from typing import Callable, Dict, Iterator, List, Tuple

import pytest

from iloemu import DelayRule, FaultPlan
from services import run
from services.layout import ROOT, Layout
from tests.services.scenario import enabled_attempts

pytestmark = pytest.mark.serial

#: The host of the conductor that takes the nodes over.
OTHER_HOST = 'services-takeover'
#: Seconds to wait for something the conductor logs.
LOG_WAIT = 120
#: Seconds RabbitMQ stays down while ``node deploy`` waits.
RABBITMQ_DOWN = 10
#: The boot interface of each generation's node.
INTERFACES = {9: 'ilo-virtual-media', 10: 'ilo-pxe'}


class Outage:
    """``python -m services stop-one`` / ``start-one``, as typed."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.restart_conductor = False

    def _one(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, '-m', 'services', *args], cwd=ROOT,
            capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def stop(self, name: str, kill: bool = False) -> str:
        return self._one('stop-one', name, *(['--kill'] if kill else []))

    def start(self, name: str, host: str = '') -> str:
        self.restart_conductor = bool(host)
        return self._one('start-one', name,
                         *(['--host', host] if host else []))

    def restore(self) -> None:
        """Every service started again, the conductor on its own host."""
        state = run.read_state(self.layout) or {}
        for name in state.get('stopped', []):
            self._one('start-one', name)
        if self.restart_conductor:
            self._one('stop-one', 'ironic-conductor')
            self._one('start-one', 'ironic-conductor')


@pytest.fixture
def outage(services: Layout) -> Iterator[Outage]:
    control = Outage(services)
    try:
        yield control
    finally:
        control.restore()


@pytest.fixture(scope='module')
def ready(services: Layout, fleet) -> Callable[[int], Tuple]:
    """``ready(gen)``: the :class:`tests.services.scenario.Operator`,
    node and Cinder volume of generation ``gen``, made at first use: an
    emulated iLO, the volume, a node enrolled with its port and
    connector, available. Each test creates the boot volume target:
    ironic's tear down deletes it, as it belongs to one instance."""
    from harness.nodes import ilo_password, unique
    from services.client import Cli
    from tests.services.scenario import Operator
    made: Dict[int, Tuple] = {}

    def get(gen: int) -> Tuple:
        if gen not in made:
            password = ilo_password()
            ilo = fleet.add(generation=gen, boot_mode='uefi',
                            password=password)
            name = unique('outage-%d-' % gen)
            op = Operator(Cli(services), services, ilo, name)
            volume_id = op.volume(name)
            node_uuid = op.enroll(password, INTERFACES[gen], name)
            made[gen] = (op, node_uuid, volume_id)
        return made[gen]

    return get


def writes(ilo, since: int) -> List[str]:
    """The requests after the ``since``-th that may change the iLO: all
    but GETs and RIBCL (the emulator's RIBCL answers GET_* commands
    only)."""
    return ['%s %s' % (r.method, r.path) for r in ilo.log.records[since:]
            if r.method != 'GET' and r.protocol != 'ribcl']


def wait_logged(layout: Layout, text: str) -> str:
    """The conductor's log line with ``text``, once there."""
    deadline = time.monotonic() + LOG_WAIT
    while True:
        log = (layout.logs / 'ironic-conductor.log').read_text()
        lines = [line for line in log.splitlines() if text in line]
        if lines or time.monotonic() > deadline:
            return (lines or [''])[-1]
        time.sleep(1)


def report(layout: Layout, line: str) -> None:
    with open(layout.logs / 'outages.txt', 'a') as out:
        out.write(line + '\n')


def test_cinder_down_at_deploy(ready, outage, services):
    op, node_uuid, volume_id = ready(10)
    op.boot_volume(node_uuid, volume_id)

    outage.stop('cinder-api')
    start = time.monotonic()
    error = op.fails('node', 'deploy', node_uuid, '--wait', '300')
    took = time.monotonic() - start
    node = op.node(node_uuid)
    assert node['provision_state'] == 'deploy failed'
    assert 'deploy failed' in error
    # ironic 9.1.6 names the volume's URL in Cinder, not Cinder itself.
    assert 'Unable to establish connection to %s/volumes/%s' % (
        services.urls()['cinder'], volume_id) in node['last_error']
    assert enabled_attempts(op.ilo) == {}
    report(services, 'cinder-api down: deploy failed in %.1f s: %s' % (
        took, node['last_error']))

    outage.start('cinder-api')
    op.undeploy(node_uuid, volume_id)


def test_rabbitmq_down_at_deploy(ready, outage, services, cli):
    op, node_uuid, volume_id = ready(9)
    op.boot_volume(node_uuid, volume_id)
    requests = len(op.ilo.log.records)

    outage.stop('rabbitmq')
    deploy = cli.start_baremetal('node', 'deploy', node_uuid, '--wait',
                                 '300')
    try:
        time.sleep(RABBITMQ_DOWN)
        waiting = deploy.poll() is None
        node = op.node(node_uuid)
        held = writes(op.ilo, requests)
        outage.start('rabbitmq')
        start = time.monotonic()
        output = deploy.communicate(timeout=400)[0]
    finally:
        deploy.kill()
        deploy.wait()
    report(services, 'rabbitmq down %d s: node deploy --wait still '
           'waiting: %s, node %s; rabbitmq back: it returned %d %.1f s '
           'later' % (RABBITMQ_DOWN, waiting, node['provision_state'],
                      deploy.returncode, time.monotonic() - start))
    assert waiting
    assert (node['provision_state'], node['target_provision_state'],
            node['last_error']) == ('available', None, None)
    assert held == []
    assert deploy.returncode == 0, output
    node = op.node(node_uuid)
    assert (node['provision_state'], node['last_error']) == (
        'active', None)
    op.undeploy(node_uuid, volume_id, op.tenant(node_uuid))


def test_takeover_of_an_active_node(ready, outage, services):
    op, node_uuid, volume_id = ready(10)
    op.boot_volume(node_uuid, volume_id)
    tenant = op.deploy(node_uuid)
    attempts = enabled_attempts(op.ilo)
    requests = len(op.ilo.log.records)

    outage.stop('ironic-conductor')
    start = time.monotonic()
    outage.start('ironic-conductor', OTHER_HOST)
    line = wait_logged(services, 'Node %s boots from the iSCSI boot '
                       'target that ironic has set in iLO' % node_uuid)
    report(services, 'takeover by %s %.1f s after its start: %d iLO '
           'requests, writes %s' % (
               OTHER_HOST, time.monotonic() - start,
               len(op.ilo.log.records) - requests,
               writes(op.ilo, requests)))
    assert 'taken over as it is' in line
    assert writes(op.ilo, requests) == []
    node = op.node(node_uuid)
    assert (node['provision_state'], node['last_error']) == (
        'active', None)
    assert enabled_attempts(op.ilo) == attempts
    op.undeploy(node_uuid, volume_id, tenant)


def test_conductor_killed_during_deploy(ready, outage, services):
    op, node_uuid, volume_id = ready(9)
    op.boot_volume(node_uuid, volume_id)
    # The iLO takes the iSCSI settings and holds its answer: the
    # conductor is killed while it waits for it.
    hold = FaultPlan(delays=(DelayRule(
        60, '*/bios/iscsi/settings', 'PATCH', times=1, after=True),))

    with op.ilo.faults_applied(hold):
        op.baremetal('node', 'deploy', node_uuid, parse=False)
        deadline = time.monotonic() + LOG_WAIT
        while not enabled_attempts(op.ilo) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(enabled_attempts(op.ilo)) == [op.ilo.spec.nics[0].mac]
        outage.stop('ironic-conductor', kill=True)
    assert op.node(node_uuid)['provision_state'] == 'deploying'
    outage.start('ironic-conductor')

    node = op.node(node_uuid)
    assert node['provision_state'] == 'deploy failed'
    assert "can't be resumed" in node['last_error']
    report(services, 'conductor killed during deploy: %s; volume %s' % (
        node['last_error'], op.cli.volume(volume_id)['status']))
    op.undeploy(node_uuid, volume_id)
