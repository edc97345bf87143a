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
(Gen9) and iLO 5 (Gen10) whose qemu backend starts OVMF with its own
iSCSI initiator configured from what iLO holds: a reset replaces the VM,
closing the fleet stops it; a static initiator address (set in the BIOS,
as an administrator would; the driver leaves DHCP) boots. One test
does both, on the VMs of the static boot. The boots
through ironic are :mod:`tests.realboot.test_ironic_boot`.
"""
from __future__ import annotations

from realboot import ovmfvars
from realboot.backend import QemuBackend
from iloemu.emulator import EmulatedIlo
from iloemu.testing import forget_clients, ilo_client
from realboot.target import TgtDaemon
from tests.realboot import volumes
from tests.realboot.timing import BOOT_TIMEOUT

#: These tests drive proliantutils directly, not ironic's driver, so
#: nothing runs the POST cycle that the strict firmware model asks for
#: before the iSCSI boot option is listed. What they test is the qemu
#: backend (power, reset, a static initiator address); the strict model
#: is exercised by the boots through ironic (test_ironic_boot).
FIRMWARE = 'lenient'


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


def test_static_initiator_address_boots_and_power_follows(fleet, tmp_path,
                                                         target, boot_times):
    """A Gen9 and a Gen10 server, each with a static address in its
    iSCSI attempt, boot; a reset replaces each VM, closing the fleet
    stops them."""
    ilos = [fleet.add(generation=generation, firmware=FIRMWARE,
                      backend=QemuBackend.factory(tmp_path / 'machines'))
            for generation in (9, 10)]
    for ilo in ilos:
        volume = volumes.UEFI[ilo.generation]
        _set_iscsi_boot(ilo, target, volume)
        ilo.backend.patch_iscsi(attempts=[{
            'nic_source': ilo.backend.snapshot().nics[0].nic_boot,
            'initiator_info_via_dhcp': False,
            'initiator_ip': '10.0.2.15', 'initiator_netmask': '255.255.255.0',
            'initiator_gateway': '10.0.2.2'}])
    for ilo in ilos:
        ilo_client(ilo).set_host_power('ON')
    for ilo in ilos:
        volume = volumes.UEFI[ilo.generation]
        seconds = ilo.backend.wait_for_console(volume.marker, BOOT_TIMEOUT)
        boot_times.add('UEFI static initiator address, Gen%d'
                       % ilo.generation, seconds)
        store = ovmfvars.read_config(
            ilo.backend.last_run.machine.files.vars)
        assert store.attempts[0].static == ovmfvars.StaticAddress(
            '10.0.2.15', '255.255.255.0', '10.0.2.2')

    first = [ilo.backend.last_run.machine for ilo in ilos]
    for ilo in ilos:
        ilo_client(ilo).reset_server()
    second = [ilo.backend.last_run.machine for ilo in ilos]
    assert [m.alive() for m in first + second] == [False, False, True, True]
    forget_clients()  # while the iLOs run (Redfish sessions log out)
    fleet.close()
    assert [m.alive() for m in second] == [False, False]
