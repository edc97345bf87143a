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

"""Deploy a node from a Cinder volume with the ``openstack`` CLI.

Everything goes through the services as an operator's commands do:
Cinder makes and exports the volume (its tgt helper, its CHAP
credentials), ironic's API takes the node, its conductor validates,
attaches the volume through Cinder, sets the iLO's UEFI iSCSI target and
powers the node on; the undeploy undoes it all.
"""
from __future__ import annotations

import time
import uuid

from harness.nodes import ilo_password
from tests.services.conftest import tgt_targets

CONNECTOR = 'iqn.2017-01.org.openstack.ironic:services-%s'


def _uuid_from(output: str) -> str:
    for line in output.splitlines():
        cells = [c.strip() for c in line.split('|')]
        if len(cells) == 4 and cells[1] == 'id':
            return cells[2]
    raise AssertionError('no id in: %s' % output)


def _enroll(cli, ilo, password: str, boot_interface: str, volume_id: str,
            name: str) -> str:
    node = cli.baremetal(
        'node', 'create', '--driver', 'ilo', '--name', name,
        '--boot-interface', boot_interface, '--deploy-interface', 'iscsi',
        '--storage-interface', 'cinder',
        '--driver-info', 'ilo_address=%s' % ilo.spec.address,
        '--driver-info', 'ilo_username=%s' % ilo.spec.username,
        '--driver-info', 'ilo_password=%s' % password,
        # Demanded by the virtual media boot's validate even when the node
        # boots from a volume; a Glance UUID is not looked up there.
        '--driver-info', 'ilo_deploy_iso=%s' % uuid.uuid4(),
        '--property', 'capabilities=boot_mode:uefi,iscsi_boot:true')
    node_uuid = node['uuid']
    cli.baremetal('port', 'create', ilo.spec.nics[0].mac,
                  '--node', node_uuid, '--pxe-enabled', 'true')
    cli.baremetal('volume', 'connector', 'create', '--node', node_uuid,
                  '--type', 'iqn', '--connector-id', CONNECTOR % name)
    cli.baremetal('volume', 'target', 'create', '--node', node_uuid,
                  '--type', 'iscsi', '--boot-index', '0',
                  '--volume-id', volume_id)
    cli.baremetal('node', 'manage', node_uuid, '--wait', '60', parse=False)
    cli.baremetal('node', 'provide', node_uuid, '--wait', '60', parse=False)
    return node_uuid


def _enabled_attempts(ilo) -> dict:
    return {mac: t for mac, t in ilo.state().iscsi.items() if t.enabled}


def test_gen9_virtual_media_deploy_and_undeploy(cli, fleet, services):
    password = ilo_password()
    ilo = fleet.add(generation=9, boot_mode='uefi', password=password)
    volume_id = _uuid_from(cli.cinder('create', '--name', 'gen9-vmedia',
                                      '1'))
    assert cli.wait_volume(volume_id, 'available')['status'] == 'available'
    node_uuid = _enroll(cli, ilo, password, 'ilo-virtual-media',
                        volume_id, 'gen9-vmedia')

    start = time.monotonic()
    cli.baremetal('node', 'deploy', node_uuid, '--wait', '300', parse=False)
    deployed = time.monotonic() - start
    node = cli.baremetal('node', 'show', node_uuid)
    assert (node['provision_state'], node['last_error']) == ('active', None)
    volume = cli.volume(volume_id)
    assert volume['status'] == 'in-use'
    attempts = _enabled_attempts(ilo)
    assert sorted(attempts) == [ilo.spec.nics[0].mac]
    target = attempts[ilo.spec.nics[0].mac]
    assert target.iqn in tgt_targets(services)
    assert ilo.state().power == 'On'

    start = time.monotonic()
    cli.baremetal('node', 'undeploy', node_uuid, '--wait', '300', parse=False)
    undeployed = time.monotonic() - start
    node = cli.baremetal('node', 'show', node_uuid)
    assert (node['provision_state'], node['last_error']) == (
        'available', None)
    assert cli.wait_volume(volume_id, 'available')['status'] == 'available'
    assert target.iqn not in tgt_targets(services)
    assert _enabled_attempts(ilo) == {}
    with open(services.logs / 'scenarios.txt', 'a') as report:
        report.write('gen9 ilo-virtual-media: deploy %.1f s, undeploy '
                     '%.1f s\n' % (deployed, undeployed))
