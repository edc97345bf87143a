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
the volume is not attached and nothing reaches the iLO.
"""
from __future__ import annotations

import pytest

from tests.services.scenario import assert_nothing_left

#: 11 characters: the firmware's initiator takes 12 to 16.
SHORT_SECRET = 'Sh0rt-s3cr3'

CASES = {
    'chap-secret-outside-the-rule': (
        ('auth_method=CHAP', 'auth_username=tenant',
         'auth_password=%s' % SHORT_SECRET), True, ('12', '16')),
    'ipv6-portal': (
        ('target_portal=[fd00::1]:3260',), True, ('ipv6',)),
    'no-pxe-enabled-port': ((), False, ('pxe',)),
}


@pytest.mark.parametrize('case', sorted(CASES))
@pytest.mark.parametrize('gen,boot_interface', [
    (9, 'ilo-virtual-media'), (10, 'ilo-pxe')],
    ids=['gen9-vmedia', 'gen10-pxe'])
def test_refused_at_validate(operator, gen, boot_interface, case):
    properties, pxe_enabled, words = CASES[case]
    op, password, name = operator(gen, '%s-%d' % (case, gen))
    volume_id = op.volume(name)
    node_uuid = op.enroll(password, boot_interface, name,
                          pxe_enabled=pxe_enabled)
    op.boot_volume(node_uuid, volume_id, *properties)
    requests = len(op.ilo.log.records)

    error = op.fails('node', 'deploy', node_uuid, '--wait', '120')
    node = op.node(node_uuid)
    leaks = error.count(SHORT_SECRET) + str(node).count(SHORT_SECRET)
    assert leaks == 0
    assert [w for w in words if w not in error.lower()] == []
    assert (node['provision_state'], node['target_provision_state']) == (
        'available', None)
    assert op.cli.volume(volume_id)['status'] == 'available'
    assert_nothing_left(op.ilo, None)
    assert [r.method for r in op.ilo.log.records[requests:]
            if r.method != 'GET'] == []
    with open(op.services.logs / 'refused.txt', 'a') as report:
        report.write('%s gen%d %s: last_error %s; the CLI says: %s\n' % (
            case, gen, boot_interface, node['last_error'],
            error.splitlines()[-1]))
