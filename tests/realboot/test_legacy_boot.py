"""Legacy BIOS: the NIC's iPXE ROM runs a handed-over script and boots.

In BIOS boot mode iLO has no iSCSI settings; ironic boots the node by
PXE into iPXE, whose script ``sanboot``-s the volume. Here the test hands
the VM that script through the backend's :class:`NetworkBoot` (a TFTP
directory and boot file, and the loopback portal the guest may reach),
written as the host sees the portal and translated to the guest's view.
"""
from __future__ import annotations

import pytest

from iloemu.backends.qemu import NetworkBoot, QemuBackend
from iloemu.testing import ilo_client
from realboot import network
from tests.realboot.timing import BOOT_TIMEOUT
from tests.realboot import volumes

SCRIPT = """#!ipxe
set initiator-iqn {initiator}
sanboot iscsi:127.0.0.1::{port}:{lun}:{iqn}
"""


@pytest.mark.parametrize('generation', [10], ids=['gen10'])
def test_bios_ipxe_script_boots_the_bios_volume(fleet, tmp_path, target,
                                                boot_times, generation):
    volume = volumes.BIOS
    tftp = tmp_path / 'tftp'
    tftp.mkdir()
    boot = NetworkBoot(tftp, 'boot.ipxe', endpoints=(target.portal,))
    ilo = fleet.add(generation=generation, boot_mode='legacy',
                    backend=QemuBackend.factory(tmp_path / 'machines',
                                                network_boot=boot))
    script = SCRIPT.format(initiator=volume.initiator, port=target.port,
                           lun=volume.lun, iqn=volume.iqn)
    (tftp / 'boot.ipxe').write_text(
        network.translate(script, ilo.backend.forwards()))
    client = ilo_client(ilo)
    client.set_one_time_boot('NETWORK')
    client.set_host_power('ON')

    seconds = ilo.backend.wait_for_console(volume.marker, BOOT_TIMEOUT)
    boot_times.add('legacy BIOS, iPXE script over TFTP, sanboot, Gen%d'
                   % generation, seconds)
    run = ilo.backend.last_run
    assert (run.plan.mode, run.plan.device, run.plan.kind) == (
        'legacy', 'Pxe', 'network')
    assert run.outcome().state == 'booted'
    # SeaBIOS copies its screen to COM1 lazily: the last characters iPXE
    # wrote before the boot sector took over may be missing ("0x8").
    assert ilo.state().machine.startswith(
        'network boot: iPXE: Booting from SAN device 0x8')
    assert 'sanboot iscsi:10.0.2.100::%d:' % target.port in (
        tftp / 'boot.ipxe').read_text()
    assert (volume.iqn, volume.initiator) in target.sessions()
    assert ilo.state().one_time_boot is None  # used up by this boot
