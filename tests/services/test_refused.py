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

"""What the conductor refuses when it validates, before Cinder attaches.

The boot volume target's properties are written by hand with ``volume
target create --property``: the conductor checks them before the attach
fills the target in. ``node deploy`` fails, the node stays available,
the volume is not attached and nothing reaches the iLO. The three cases
run one after another on one node and volume of each generation, each
with its own boot volume target: a refusal leaves the node as it was
for the next case. Before the last, the node's one port stops being
pxe-enabled (ironic changes that only in maintenance).
"""
from __future__ import annotations

import pytest

from tests.services.scenario import assert_nothing_left

#: 11 characters: the firmware's initiator takes 12 to 16.
SHORT_SECRET = 'Sh0rt-s3cr3'

#: case: (target properties, words of the error).
CASES = {
    'chap-secret-outside-the-rule': (
        ('auth_method=CHAP', 'auth_username=tenant',
         'auth_password=%s' % SHORT_SECRET), ('12', '16')),
    'ipv6-portal': (('target_portal=[fd00::1]:3260',), ('ipv6',)),
    'no-pxe-enabled-port': ((), ('pxe',)),
}


def refused(op, node_uuid: str, volume_id: str, case: str) -> None:
    """One case: ``node deploy`` refused at validate and nothing moved;
    then the case's boot volume target deleted."""
    properties, words = CASES[case]
    target = op.boot_volume(node_uuid, volume_id, *properties)
    requests = len(op.ilo.log.records)

    error = op.fails('node', 'deploy', node_uuid, '--wait', '120')
    node = op.node(node_uuid)
    leaks = error.count(SHORT_SECRET) + str(node).count(SHORT_SECRET)
    assert leaks == 0, case
    assert [w for w in words if w not in error.lower()] == [], case
    assert (node['provision_state'], node['target_provision_state']) == (
        'available', None), case
    assert op.cli.volume(volume_id)['status'] == 'available', case
    assert_nothing_left(op.ilo, None)
    assert [r.method for r in op.ilo.log.records[requests:]
            if r.method != 'GET'] == [], case
    with open(op.services.logs / 'refused.txt', 'a') as report:
        report.write('%s %s: last_error %s; the CLI says: %s\n' % (
            case, op.scenario, node['last_error'], error.splitlines()[-1]))
    op.baremetal('volume', 'target', 'delete', target, parse=False)


@pytest.mark.parametrize('gen,boot_interface', [
    (9, 'ilo-virtual-media'), (10, 'ilo-pxe')],
    ids=['gen9-vmedia', 'gen10-pxe'])
def test_refused_at_validate(operator, gen, boot_interface):
    op, password, name = operator(gen, 'refused-gen%d' % gen)
    volume_id = op.volume(name)
    node_uuid = op.enroll(password, boot_interface, name)
    refused(op, node_uuid, volume_id, 'chap-secret-outside-the-rule')
    refused(op, node_uuid, volume_id, 'ipv6-portal')

    op.baremetal('node', 'maintenance', 'set', node_uuid, parse=False)
    op.baremetal('port', 'set', op.ports[node_uuid], '--pxe-disabled',
                 parse=False)
    op.baremetal('node', 'maintenance', 'unset', node_uuid, parse=False)
    refused(op, node_uuid, volume_id, 'no-pxe-enabled-port')
