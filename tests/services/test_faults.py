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

"""An iLO fault in the middle of a deploy, through the services.

``iscsi-500``: the emulated iLO answers HTTP 500 to the writes of its
iSCSI settings while ``node deploy`` runs: the conductor has validated
the node and Cinder has attached the volume when the boot interface
writes the target. ``unreachable``: the iLO refuses connections from
the deploy's first power call on. The deploy fails; ironic 9.1.6
detaches the volume only at tear down, so ``undeploy`` of the failed
node (the iLO answering again) gives it back, or the operator deploys
again once the iLO answers.
"""
from __future__ import annotations

import pytest

from iloemu import FaultPlan, HttpErrorRule
from tests.services.scenario import assert_nothing_left

FAULTS = {
    'iscsi-500': (FaultPlan(http_errors=(
        HttpErrorRule('*/bios/iscsi/settings', 'PATCH'),)), 'iscsi'),
    'unreachable': (FaultPlan(refuse_connections=True), 'power'),
}


@pytest.mark.parametrize('gen,boot_interface,fault', [
    (9, 'ilo-virtual-media', 'iscsi-500'), (10, 'ilo-pxe', 'iscsi-500'),
    (10, 'ilo-pxe', 'unreachable')],
    ids=['gen9-vmedia-iscsi-500', 'gen10-pxe-iscsi-500',
         'gen10-pxe-unreachable'])
def test_ilo_fault_during_deploy(operator, gen, boot_interface, fault):
    plan, word = FAULTS[fault]
    op, password, name = operator(gen, '%s-%d' % (fault, gen))
    volume_id = op.volume(name)
    node_uuid = op.enroll(password, boot_interface, name)
    op.boot_volume(node_uuid, volume_id)

    with op.ilo.faults_applied(plan):
        error = op.fails('node', 'deploy', node_uuid, '--wait', '300')
    node = op.node(node_uuid)
    assert node['provision_state'] == 'deploy failed'
    assert word in (node['last_error'] or '').lower()
    assert 'deploy failed' in error
    assert_nothing_left(op.ilo, None)
    with open(op.services.logs / 'refused.txt', 'a') as report:
        report.write('%s gen%d %s: volume %s after the failed '
                     'deploy; last_error %s\n' % (
                         fault, gen, boot_interface,
                         op.cli.volume(volume_id)['status'],
                         node['last_error']))

    op.undeploy(node_uuid, volume_id)


def test_deploy_again_after_an_ilo_fault(operator):
    """The operator's retry: ``node deploy`` of the failed node once the
    iLO answers again. The volume is still attached (Cinder's attach is
    skipped, the target's properties are the first attach's): the node
    becomes active on the same target, and ``undeploy`` gives all back.
    """
    plan = FAULTS['iscsi-500'][0]
    op, password, name = operator(10, 'retry-10')
    volume_id = op.volume(name)
    node_uuid = op.enroll(password, 'ilo-pxe', name)
    op.boot_volume(node_uuid, volume_id)
    with op.ilo.faults_applied(plan):
        op.fails('node', 'deploy', node_uuid, '--wait', '300')
    failed = op.tenant(node_uuid)

    tenant = op.deploy(node_uuid)
    assert tenant == failed
    op.undeploy(node_uuid, volume_id, tenant)
