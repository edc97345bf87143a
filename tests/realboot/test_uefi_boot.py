"""UEFI iSCSI boot: what proliantutils sets in iLO boots a real VM.

Through the real proliantutils ``IloClient`` against emulated iLO 4
(Gen9) and iLO 5 (Gen10) whose qemu backend starts OVMF with iPXE EFI as
the firmware's iSCSI initiator, fed only what iLO holds; the LUNs are
served by a real tgtd on 127.0.0.1 that lets in only the connector IQN.
"""
from __future__ import annotations

import pytest

from iloemu.backends.qemu import QemuBackend
from iloemu.emulator import EmulatedIlo
from iloemu.testing import forget_clients, ilo_client
from realboot.target import TgtDaemon
from tests.realboot.timing import BOOT_TIMEOUT, BootTimes
from tests.realboot import volumes

GEN = {9: 'Gen9', 10: 'Gen10'}


def _set_iscsi_boot(ilo: EmulatedIlo, target: TgtDaemon,
                    volume: volumes.Volume, initiator=volumes.CONNECTOR_IQN,
                    secret=None):
    """What the driver does: initiator name, target, persistent ISCSI."""
    client = ilo_client(ilo)
    if initiator is not None:
        client.set_iscsi_initiator_info(initiator)
    chap = {}
    if volume.chap is not None:
        chap = dict(auth_method='CHAP', username=volume.chap.user,
                    password=secret or volume.chap.secret)
    client.set_iscsi_info(volume.iqn, volume.lun, '127.0.0.1',
                          str(target.port), macs=[ilo.spec.nics[0].mac],
                          **chap)
    client.update_persistent_boot(['ISCSI'])
    return client


def _portal(target: TgtDaemon) -> str:
    return '127.0.0.1:%d' % target.port


def test_iscsi_boot_then_unset(server: EmulatedIlo, target: TgtDaemon,
                               boot_times: BootTimes):
    volume = volumes.UEFI
    client = _set_iscsi_boot(server, target, volume)
    client.set_host_power('ON')

    seconds = server.backend.wait_for_console(volume.marker, BOOT_TIMEOUT)
    boot_times.add('UEFI iSCSI boot, %s' % GEN[server.generation], seconds)
    view = server.state()
    assert view.machine.startswith(
        'booted from iSCSI target %s LUN 1 at %s (NIC %s, initiator %s' % (
            volume.iqn, _portal(target), server.spec.nics[0].mac,
            volumes.CONNECTOR_IQN))
    assert (volume.iqn, volumes.CONNECTOR_IQN) in target.sessions()

    client.hold_pwr_btn()
    machine = server.backend.last_run.machine
    assert not machine.alive()
    assert server.state().machine.startswith('off (last start: booted')

    client.unset_iscsi_info(macs=[server.spec.nics[0].mac])
    client.set_host_power('ON')
    outcome = server.backend.wait_for_outcome(BOOT_TIMEOUT)
    boot_times.add('UEFI after unset_iscsi_info: firmware gives up, %s'
                   % GEN[server.generation], server.backend.last_run.elapsed())
    assert outcome.state == 'nothing', outcome.detail
    assert outcome.detail == (
        'HD.Emb.1.1: nothing to boot (the emulated server has no disk or '
        'CD); the UEFI firmware found nothing to boot and started its shell')
    assert volume.marker not in server.backend.last_run.console()
    assert 'iPXE' not in server.backend.last_run.console()


def test_chap_boot(server: EmulatedIlo, target: TgtDaemon,
                   boot_times: BootTimes):
    volume = volumes.UEFI_CHAP
    _set_iscsi_boot(server, target, volume).set_host_power('ON')

    seconds = server.backend.wait_for_console(volume.marker, BOOT_TIMEOUT)
    boot_times.add('UEFI iSCSI boot with CHAP, %s' % GEN[server.generation],
                   seconds)
    view = server.state()
    assert view.machine.startswith(
        'booted from iSCSI target %s LUN 3 at %s' % (
            volume.iqn, _portal(target)))
    assert 'CHAP user %s)' % volume.chap.user in view.machine
    assert volume.chap.secret not in view.machine


def test_wrong_chap_secret_does_not_boot(server: EmulatedIlo,
                                         target: TgtDaemon,
                                         boot_times: BootTimes):
    volume = volumes.UEFI_CHAP
    _set_iscsi_boot(server, target, volume,
                    secret=volumes.WRONG_SECRET).set_host_power('ON')

    outcome = server.backend.wait_for_outcome(BOOT_TIMEOUT)
    boot_times.add('UEFI wrong CHAP secret: iPXE gives up, %s'
                   % GEN[server.generation], server.backend.last_run.elapsed())
    assert outcome.state == 'failed'
    assert outcome.detail.startswith(
        'iSCSI boot failed: Could not open SAN device: Operation not '
        'permitted; iSCSI target %s' % volume.iqn), outcome.detail
    console = server.backend.last_run.console()
    assert 'Operation not permitted' in console
    assert volume.marker not in console
    assert volumes.WRONG_SECRET not in server.state().machine


def test_initiator_not_bound_does_not_boot(server: EmulatedIlo,
                                           target: TgtDaemon,
                                           boot_times: BootTimes):
    volume = volumes.UEFI
    firmware_iqn = server.state().initiator_name
    assert firmware_iqn != volume.initiator
    _set_iscsi_boot(server, target, volume,
                    initiator=None).set_host_power('ON')

    outcome = server.backend.wait_for_outcome(BOOT_TIMEOUT)
    boot_times.add('UEFI initiator IQN not bound: iPXE gives up, %s'
                   % GEN[server.generation], server.backend.last_run.elapsed())
    assert outcome.state == 'failed'
    assert 'initiator %s' % firmware_iqn in outcome.detail
    # tgt answers an initiator it does not know as if the target did not
    # exist; iPXE says "No such device".
    assert outcome.detail.startswith(
        'iSCSI boot failed: Could not open SAN device: No such device; '
        'iSCSI target %s' % volume.iqn), outcome.detail
    assert volume.marker not in server.backend.last_run.console()


@pytest.mark.parametrize('generation', [9, 10], ids=['gen9', 'gen10'])
def test_power_off_and_teardown_stop_the_vm(fleet, tmp_path, target,
                                            generation):
    ilo = fleet.add(generation=generation,
                    backend=QemuBackend.factory(tmp_path / 'machines'))
    client = _set_iscsi_boot(ilo, target, volumes.UEFI)
    client.set_host_power('ON')
    first = ilo.backend.last_run.machine
    assert first.alive()
    client.reset_server()
    second = ilo.backend.last_run.machine
    assert not first.alive() and second.alive()
    forget_clients()  # while the iLOs run (Redfish sessions log out)
    fleet.close()
    assert not second.alive()
