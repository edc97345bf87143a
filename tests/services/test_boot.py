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

"""A VM boots from a Cinder volume deployed with the ``openstack`` CLI.

The volume is Cinder's (``cinder manage`` of a UEFI LUN image whose GRUB
prints a marker), exported by Cinder's tgt helper with its CHAP; the
node is deployed through ironic's API and conductor; behind the emulated
iLO a qemu VM's firmware (OVMF's own iSCSI initiator) boots what ironic
wrote into the iLO. One VM (the group's budget): Gen10 on ``ilo-pxe``.
"""
from __future__ import annotations

import pytest

from realboot import images, packages
from realboot.backend import QemuBackend

#: What GRUB on the volume prints.
MARKER = 'SERVICES BOOT: booted from the Cinder volume'
#: Seconds from power-on to the marker at most (a wait, not a target).
BOOT_TIMEOUT = 150


@pytest.fixture
def lun_image(tmp_path):
    """The UEFI LUN image; skips, saying why, where VMs cannot run."""
    problem = packages.boot_problem()
    if problem:
        pytest.skip(problem)
    return images.build_uefi_lun(tmp_path / 'lun.img', MARKER)


def test_vm_boots_from_the_cinder_volume(operator, services, lun_image,
                                         tmp_path):
    op, password, name = operator(10, 'gen10-boot', backend=(
        QemuBackend.factory(tmp_path / 'machines')))
    volume_id = op.manage(name, lun_image)
    node_uuid = op.enroll(password, 'ilo-pxe', name)
    op.boot_volume(node_uuid, volume_id)

    tenant = op.deploy(node_uuid)
    seconds = op.ilo.backend.wait_for_console(MARKER, BOOT_TIMEOUT)
    console = op.ilo.backend.last_run.console()
    assert '/iSCSI(%s,' % tenant.iqn in console
    assert tenant.chap_user is not None
    op.undeploy(node_uuid, volume_id, tenant)
    assert not op.ilo.backend.last_run.machine.alive()
    with open(services.logs / 'scenarios.txt', 'a') as report:
        report.write('%s: the VM printed the marker %.1f s after power-on '
                     '(Cinder CHAP, OVMF initiator)\n' % (name, seconds))
