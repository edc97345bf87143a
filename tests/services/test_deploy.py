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
powers the node on; the undeploy undoes it all, and nothing of the
tenant stays on the iLO or in tgt.
"""
from __future__ import annotations

import time

import pytest

from tests.services import phases

BOTH = pytest.mark.parametrize('gen,boot_interface', [
    (9, 'ilo-virtual-media'), (10, 'ilo-pxe')],
    ids=['gen9-vmedia', 'gen10-pxe'])


@BOTH
def test_deploy_and_undeploy(operator, services, gen, boot_interface):
    name = 'gen%d-%s' % (gen, boot_interface)
    op, password, name = operator(gen, name)
    volume_id = op.volume(name)
    node_uuid = op.enroll(password, boot_interface, name)
    op.boot_volume(node_uuid, volume_id)

    start = time.monotonic()
    tenant = op.deploy(node_uuid)
    deployed = time.monotonic() - start
    assert tenant.chap_user is not None
    assert op.cli.volume(volume_id)['status'] == 'in-use'

    start = time.monotonic()
    op.undeploy(node_uuid, volume_id, tenant)
    undeployed = time.monotonic() - start
    log = services.logs / 'ironic-conductor.log'
    with open(services.logs / 'scenarios.txt', 'a') as report:
        report.write('%s: deploy %.1f s (%s), undeploy %.1f s (%s)\n' % (
            name, deployed, phases.line(log, node_uuid, phases.DEPLOY),
            undeployed, phases.line(log, node_uuid, phases.UNDEPLOY)))


@BOTH
def test_deploy_without_chap(operator, services, no_chap_type, gen,
                             boot_interface):
    """A volume type whose volumes Cinder exports without CHAP."""
    name = 'gen%d-%s-nochap' % (gen, boot_interface)
    op, password, name = operator(gen, name)
    volume_id = op.volume(name, no_chap_type)
    node_uuid = op.enroll(password, boot_interface, name)
    op.boot_volume(node_uuid, volume_id)
    tenant = op.deploy(node_uuid)
    assert (tenant.chap_user, tenant.chap_secret) == (None, None)
    op.undeploy(node_uuid, volume_id, tenant)


@pytest.mark.xfail(strict=True, reason=(
    "series v2: clearing a CHAP tenant's attempt leaves its "
    "authentication method CHAP (no proliantutils call sets it back to "
    "None), so the next tenant's attempt without CHAP offers CHAP"))
def test_deploy_twice_chap_then_none(operator, services, no_chap_type):
    """One node, two tenants: Cinder's CHAP volume, then one without
    CHAP; the second attempt must not offer the first one's CHAP."""
    name = 'gen10-twice'
    op, password, name = operator(10, name)
    node_uuid = op.enroll(password, 'ilo-pxe', name)
    for volume_type in (None, no_chap_type):
        volume_id = op.volume('%s-%s' % (name, volume_type), volume_type)
        op.boot_volume(node_uuid, volume_id)
        tenant = op.deploy(node_uuid)
        op.undeploy(node_uuid, volume_id, tenant)


def test_rebuild(operator):
    """``node rebuild``: the same volume, the iLO set again."""
    name = 'gen9-rebuild'
    op, password, name = operator(9, name)
    volume_id = op.volume(name)
    node_uuid = op.enroll(password, 'ilo-virtual-media', name)
    op.boot_volume(node_uuid, volume_id)
    first = op.deploy(node_uuid)
    again = op.deploy(node_uuid, 'rebuild')
    assert again.iqn == first.iqn
    op.undeploy(node_uuid, volume_id, again)
