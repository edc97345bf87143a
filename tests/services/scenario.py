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

"""The steps of a scenario, each an ``openstack`` or ``cinder`` command.

:class:`Operator` types the commands for one emulated iLO and writes,
for each, its time and the iLO requests it cost to
``build/services/logs/commands.txt``. :class:`Tenant` is what Cinder
handed out for one attach (target IQN, CHAP user and secret, the secret
kept as an :class:`iloemu.secret.Secret`); :func:`assert_nothing_left`
checks the iLO after an undeploy.
"""
from __future__ import annotations

import dataclasses
import time
import uuid
from typing import Any, Dict, List, Optional

from iloemu.secret import Secret
from tests.services.conftest import table, tgt_targets

CONNECTOR = 'iqn.2017-01.org.openstack.ironic:services-%s'
#: The undeploy and deploy waits of the CLI (seconds).
WAIT = '300'


@dataclasses.dataclass
class Tenant:
    """What one attach exported (read while the node is active)."""

    iqn: str
    chap_user: Optional[str]
    chap_secret: Optional[Secret]


class Operator:
    """The commands of one scenario against one emulated iLO."""

    def __init__(self, cli, services, ilo, scenario: str) -> None:
        self.cli = cli
        self.services = services
        self.ilo = ilo
        self.scenario = scenario
        self.nodes: List[str] = []
        self.volumes: List[str] = []
        #: The port of each node (``enroll`` makes one).
        self.ports: Dict[str, str] = {}

    def _record(self, command: str, start: float, requests: int) -> None:
        with open(self.services.logs / 'commands.txt', 'a') as out:
            out.write('%s | %s | %.1f s | %d iLO requests\n' % (
                self.scenario, command, time.monotonic() - start,
                len(self.ilo.log.records) - requests))

    def baremetal(self, *args: str, parse: bool = True) -> Any:
        """``openstack baremetal ARGS``, timed and counted."""
        start, requests = time.monotonic(), len(self.ilo.log.records)
        try:
            return self.cli.baremetal(*args, parse=parse)
        finally:
            self._record(' '.join(args[:2]), start, requests)

    def fails(self, *args: str) -> str:
        """The error text of ``openstack baremetal ARGS``, which must
        fail."""
        try:
            self.baremetal(*args, parse=False)
        except AssertionError as error:
            return str(error)
        raise AssertionError('succeeded: %s' % ' '.join(args))

    def volume(self, name: str, volume_type: Optional[str] = None) -> str:
        """A new 1 GiB Cinder volume, once available (``--poll``: the
        client waits, no ``cinder show`` loop)."""
        args = ['create', '--poll', '--name', name]
        if volume_type:
            args += ['--volume-type', volume_type]
        volume = table(self.cli.cinder(*args, '1'))
        self.volumes.append(volume['id'])
        assert volume['status'] == 'available'
        return volume['id']

    def enroll(self, password: str, boot_interface: str, name: str,
               pxe_enabled: bool = True) -> str:
        """A node with a port and an ``iqn`` connector, available."""
        ilo = self.ilo
        node = self.baremetal(
            'node', 'create', '--driver', 'ilo', '--name', name,
            '--boot-interface', boot_interface, '--deploy-interface',
            'iscsi', '--storage-interface', 'cinder',
            '--driver-info', 'ilo_address=%s' % ilo.spec.address,
            '--driver-info', 'ilo_username=%s' % ilo.spec.username,
            '--driver-info', 'ilo_password=%s' % password,
            # Demanded by the boot interfaces' validate even when the node
            # boots from a volume; a Glance UUID is not looked up there.
            '--driver-info', 'ilo_deploy_iso=%s' % uuid.uuid4(),
            '--driver-info', 'deploy_kernel=%s' % uuid.uuid4(),
            '--driver-info', 'deploy_ramdisk=%s' % uuid.uuid4(),
            '--property', 'capabilities=boot_mode:uefi,iscsi_boot:true')
        node_uuid = node['uuid']
        self.nodes.append(node_uuid)
        self.ports[node_uuid] = self.baremetal(
            'port', 'create', ilo.spec.nics[0].mac, '--node', node_uuid,
            '--pxe-enabled', str(pxe_enabled).lower())['uuid']
        self.baremetal('volume', 'connector', 'create', '--node', node_uuid,
                       '--type', 'iqn', '--connector-id', CONNECTOR % name)
        self.baremetal('node', 'manage', node_uuid, '--wait', '60',
                       parse=False)
        self.baremetal('node', 'provide', node_uuid, '--wait', '60',
                       parse=False)
        return node_uuid

    def boot_volume(self, node_uuid: str, volume_id: str,
                    *properties: str) -> str:
        """The node's boot volume target; ``properties`` as
        ``key=value`` written by hand."""
        extra = []
        for prop in properties:
            extra += ['--property', prop]
        return self.baremetal(
            'volume', 'target', 'create', '--node', node_uuid, '--type',
            'iscsi', '--boot-index', '0', '--volume-id', volume_id,
            *extra)['uuid']

    def node(self, node_uuid: str) -> dict:
        return self.cli.baremetal('node', 'show', node_uuid)

    def tenant(self, node_uuid: str) -> Tenant:
        """What Cinder's attach wrote into the boot volume target."""
        targets = self.cli.baremetal('volume', 'target', 'list', '--node',
                                     node_uuid, '--fields', 'uuid',
                                     'properties')
        assert len(targets) == 1
        props = targets[0]['properties']
        secret = props.get('auth_password')
        return Tenant(props['target_iqn'], props.get('auth_username'),
                      Secret(secret) if secret else None)

    def deploy(self, node_uuid: str, verb: str = 'deploy') -> Tenant:
        """``node deploy`` (or ``rebuild``): active, no last_error, the
        attempt enabled on the port's NIC, the target exported."""
        self.baremetal('node', verb, node_uuid, '--wait', WAIT, parse=False)
        node = self.node(node_uuid)
        assert (node['provision_state'], node['last_error']) == (
            'active', None)
        tenant = self.tenant(node_uuid)
        enabled = enabled_attempts(self.ilo)
        assert sorted(enabled) == [self.ilo.spec.nics[0].mac]
        attempt = enabled[self.ilo.spec.nics[0].mac]
        assert attempt.iqn == tenant.iqn
        assert attempt.iqn in tgt_targets(self.services)
        assert (attempt.auth_method, attempt.chap_user) == (
            'Chap' if tenant.chap_user else 'None', tenant.chap_user)
        assert attempt.chap_secret == tenant.chap_secret
        assert self.ilo.state().power == 'On'
        return tenant

    def undeploy(self, node_uuid: str, volume_id: str,
                 tenant: Tenant) -> None:
        """``node undeploy``: available, volume available, nothing of
        ``tenant`` on the iLO or in tgt."""
        self.baremetal('node', 'undeploy', node_uuid, '--wait', WAIT,
                       parse=False)
        node = self.node(node_uuid)
        assert (node['provision_state'], node['last_error']) == (
            'available', None)
        assert self.cli.wait_volume(volume_id, 'available')['status'] == \
            'available'
        assert tenant.iqn not in tgt_targets(self.services)
        assert_nothing_left(self.ilo, tenant)


def enabled_attempts(ilo) -> dict:
    """The iSCSI attempts the iLO will try at the next POST."""
    return {mac: t for mac, t in ilo.state().iscsi.items() if t.enabled}


def assert_nothing_left(ilo, tenant: Optional[Tenant]) -> None:
    """No enabled attempt, no IQN, CHAP user or secret of ``tenant`` in
    the pending iSCSI settings, no boot override to an iSCSI target."""
    view = ilo.state()
    assert enabled_attempts(ilo) == {}
    for attempt in view.iscsi.values():
        if tenant is not None:
            assert attempt.iqn != tenant.iqn
            assert tenant.chap_user is None or \
                attempt.chap_user != tenant.chap_user
            assert tenant.chap_secret is None or \
                attempt.chap_secret != tenant.chap_secret
    assert not (view.boot_target == 'UefiTarget'
                and 'iscsi' in view.uefi_target.lower()
                and view.boot_override != 'Disabled')
