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

"""The VM behind an emulated iLO follows the iLO's power.

Through the real proliantutils ``IloClient`` against emulated iLO 4
(Gen9) and iLO 5 (Gen10) whose qemu backend starts OVMF with iPXE EFI as
the firmware's iSCSI initiator: a reset replaces the VM, closing the
fleet stops it. The boots themselves are the scenarios through ironic
(:mod:`tests.realboot.test_ironic_boot`).
"""
from __future__ import annotations

import pytest

from realboot.backend import QemuBackend
from iloemu.emulator import EmulatedIlo
from iloemu.testing import forget_clients, ilo_client
from realboot.target import TgtDaemon
from tests.realboot import volumes


def _set_iscsi_boot(ilo: EmulatedIlo, target: TgtDaemon,
                    volume: volumes.Volume):
    """What the driver does: initiator name, target (no CHAP),
    persistent ISCSI."""
    client = ilo_client(ilo)
    client.set_iscsi_initiator_info(volume.initiator)
    client.set_iscsi_info(volume.iqn, volume.lun, '127.0.0.1',
                          str(target.port), macs=[ilo.spec.nics[0].mac])
    client.update_persistent_boot(['ISCSI'])
    return client


@pytest.mark.parametrize('generation', [9, 10], ids=['gen9', 'gen10'])
def test_power_off_and_teardown_stop_the_vm(fleet, tmp_path, target,
                                            generation):
    ilo = fleet.add(generation=generation,
                    backend=QemuBackend.factory(tmp_path / 'machines'))
    client = _set_iscsi_boot(ilo, target, volumes.UEFI[generation])
    client.set_host_power('ON')
    first = ilo.backend.last_run.machine
    assert first.alive()
    client.reset_server()
    second = ilo.backend.last_run.machine
    assert not first.alive() and second.alive()
    forget_clients()  # while the iLOs run (Redfish sessions log out)
    fleet.close()
    assert not second.alive()
