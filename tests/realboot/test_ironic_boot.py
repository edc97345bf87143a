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

"""Through the patched ironic, a server boots from a real iSCSI LUN.

As a deploy runs it: the node's boot volume target in ironic's database
(a real SQLite file, written through ironic's objects) names the real tgt
target on 127.0.0.1; ``prepare_instance`` of the ``ilo`` hardware type
hands it to the emulated iLO through the real proliantutils over HTTPS;
ironic's power interface powers the server on, and the qemu VM behind
the iLO boots with exactly what iLO then holds. The target lets in only
the IQN of the node's volume connector. In UEFI mode the firmware's own
initiator (OVMF's IScsiDxe) boots, configured through its variable store
from what iLO holds, against the patched tgtd (SHA-256 CHAP); one
scenario keeps iPXE EFI as the initiator, for MD5 CHAP.

Two servers (Gen9 and Gen10) boot side by side in each test, each from
its own power-on: the machine has two cores and each TCG VM needs one.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from ironic.common import pxe_utils
from ironic.common import states
from ironic.conductor import utils as manager_utils

from iloemu import EmulatedIlo
from realboot.backend import NetworkBoot, QemuBackend
from realboot.gateway import TranslatingWebServer
from realboot.target import TgtDaemon
from harness.lab import Enrolled, Lab
from harness.nodes import VolumeSpec
from tests.functional import expect
from tests.realboot import volumes
from tests.realboot.timing import BOOT_TIMEOUT, BootTimes

GENERATIONS = (9, 10)
INTERFACES = ('ilo-pxe', 'ilo-virtual-media')


@dataclasses.dataclass
class Server:
    """An enrolled node, its emulated iLO and the VM behind it."""

    node: Enrolled
    volume: volumes.Volume

    @property
    def ilo(self) -> EmulatedIlo:
        return self.node.ilo

    @property
    def backend(self) -> QemuBackend:
        return self.ilo.backend

    @property
    def label(self) -> str:
        return 'Gen%d, %s' % (self.ilo.generation,
                              self.node.spec.boot_interface)


def _volume_target(target: TgtDaemon, volume: volumes.Volume,
                   secret: Optional[str] = None) -> VolumeSpec:
    """The boot volume as Cinder exports it from the tgt target."""
    chap = volume.chap
    return VolumeSpec(volume.iqn, volume.lun, '%s:%d' % target.portal,
                      chap.user if chap else None,
                      (secret or chap.secret) if chap else None)


def _server(lab: Lab, tmp_path: Path, target: TgtDaemon,
            generation: int, interface: str, volume: volumes.Volume,
            boot_mode: str = 'uefi', secret: Optional[str] = None,
            connector: Optional[str] = None,
            network_boot: Optional[NetworkBoot] = None,
            initiator: str = 'firmware') -> Server:
    """A ProLiant with a qemu VM behind its iLO, enrolled with ``volume``."""
    ilo = lab.ilo(generation, 'legacy' if boot_mode == 'bios' else 'uefi',
                  backend=QemuBackend.factory(
                      tmp_path / ('gen%d' % generation),
                      network_boot=network_boot, initiator=initiator))
    node = lab.enroll(ilo, interface, boot_mode=boot_mode,
                      connector=connector or volume.initiator,
                      volume=_volume_target(target, volume, secret))
    return Server(node, volume)


def _each(lab: Lab, servers: List[Server],
          step: Callable[[object], object]) -> None:
    for server in servers:
        lab.run(server.node, step)


def _deploy(lab: Lab, servers: List[Server]) -> None:
    """validate, prepare_instance, then power on through ironic.

    Server by server: the first one boots while the next is prepared.
    """
    for server in servers:
        lab.run(server.node, lambda task: task.driver.boot.validate(task))
        lab.run(server.node,
                lambda task: task.driver.boot.prepare_instance(task))
        lab.run(server.node, lambda task: manager_utils.node_power_action(
            task, states.POWER_ON))


def _wait_booted(servers: List[Server], boot_times: BootTimes,
                 scenario: str) -> None:
    for server in servers:
        seconds = server.backend.wait_for_console(server.volume.marker,
                                                  BOOT_TIMEOUT)
        boot_times.add('ironic: %s, %s' % (scenario, server.label), seconds)


def _wait_settled(servers: List[Server], boot_times: BootTimes,
                  scenario: str) -> List[Tuple[Server, str, str]]:
    settled = []
    for server in servers:
        outcome = server.backend.wait_for_outcome(BOOT_TIMEOUT)
        boot_times.add('ironic: %s, %s' % (scenario, server.label),
                       server.backend.last_run.elapsed())
        settled.append((server, outcome.state, outcome.detail))
    return settled


def _pairs(lab: Lab, tmp_path: Path, target: TgtDaemon,
           volume: Dict[int, volumes.Volume], interface: Optional[str] = None,
           stranger: bool = False, **kwargs: Any) -> List[Server]:
    """A Gen9 and a Gen10 server, each with its volume of ``volume``.

    The interface alternates if not given. ``stranger``: the node's
    connector is not the one the target lets in.
    """
    return [_server(lab, tmp_path, target, gen,
                    interface or INTERFACES[i % 2], volume[gen],
                    connector=_stranger(gen) if stranger else None, **kwargs)
            for i, gen in enumerate(GENERATIONS)]


def _assert_firmware_loaded(server: Server) -> None:
    """The firmware itself loaded the LUN (its device path: target, LUN
    as EDK2 writes it, ``0x000A000000000000`` for 10), no iPXE."""
    console = server.backend.last_run.console()
    assert 'iPXE' not in console
    lun = '0x%04X000000000000' % server.volume.lun
    assert re.search(r'BdsDxe: loading Boot[0-9A-F]{4} .* from \S*/iSCSI\('
                     + re.escape(server.volume.iqn) + ',0x1,' + lun + ',',
                     console.replace(lun.lower(), lun)), console


def _stranger(generation: int) -> str:
    return '%s:not-the-connector-gen%d' % (volumes.PREFIX, generation)


@pytest.mark.parametrize('chap', [False, True], ids=['nochap', 'chap'])
@pytest.mark.parametrize('interface', INTERFACES)
def test_uefi_deploy_boots_the_volume(lab, tmp_path, target, boot_times,
                                      interface, chap):
    """Without CHAP the volume is LUN 10: the firmware reads it as 10."""
    volume = volumes.UEFI_CHAP if chap else volumes.UEFI_LUN10
    servers = _pairs(lab, tmp_path, target, volume, interface=interface)

    _deploy(lab, servers)
    _wait_booted(servers, boot_times, 'UEFI iSCSI boot %s' % (
        'with CHAP, LUN 3' if chap else 'of LUN 10'))

    sessions = target.sessions()
    for server in servers:
        machine = server.ilo.state().machine
        mine = server.volume
        assert machine.startswith(
            'booted from iSCSI target %s LUN %d at %s:%d (NIC %s, '
            'initiator %s' % ((mine.iqn, mine.lun) + target.portal + (
                server.node.port_macs[0], mine.initiator))), machine
        if chap:
            assert 'CHAP user %s)' % volumes.CHAP.user in machine
        assert volumes.CHAP.secret not in machine
        assert (mine.iqn, mine.initiator) in sessions
        _assert_firmware_loaded(server)

    # The tear down: clean_up_instance powers off and clears the target.
    _each(lab, servers,
          lambda task: task.driver.boot.clean_up_instance(task))
    for server in servers:
        assert not server.backend.last_run.machine.alive()
        expect.assert_no_target(server.ilo.state())
    if chap:
        return
    # Powered on again, the firmware no longer boots from iSCSI.
    _each(lab, servers, lambda task: manager_utils.node_power_action(
        task, states.POWER_ON))
    for server, state, detail in _wait_settled(
            servers, boot_times, 'UEFI power-on after clean_up_instance'):
        assert state == 'nothing', detail
        console = server.backend.last_run.console()
        assert 'iPXE' not in console
        assert server.volume.marker not in console


def test_uefi_wrong_chap_secret_does_not_boot(lab, tmp_path, target,
                                              boot_times):
    volume = volumes.UEFI_CHAP
    servers = _pairs(lab, tmp_path, target, volume,
                     secret=volumes.WRONG_SECRET)

    _deploy(lab, servers)

    for server, state, detail in _wait_settled(
            servers, boot_times, 'UEFI wrong CHAP secret, no boot'):
        assert state == 'failed'
        assert detail.startswith(
            'iSCSI boot failed: tgtd: CHAP authentication of %s failed: '
            'wrong secret' % server.volume.initiator), detail
        assert server.volume.marker not in server.backend.last_run.console()
        assert volumes.WRONG_SECRET not in server.ilo.state().machine


def test_uefi_connector_the_target_does_not_know(lab, tmp_path, target,
                                                 boot_times):
    """The target is bound to the connector IQN; another one is refused."""
    servers = _pairs(lab, tmp_path, target, volumes.UEFI, stranger=True)

    _deploy(lab, servers)

    for server, state, detail in _wait_settled(
            servers, boot_times, 'UEFI connector not bound, no boot'):
        assert state == 'failed'
        assert 'initiator %s' % _stranger(server.ilo.generation) in detail
        assert detail.startswith(
            'iSCSI boot failed: tgtd: target %s does not let initiator %s '
            'in' % (server.volume.iqn, _stranger(server.ilo.generation))
        ), detail


def _bios_pairs(lab: Lab, tmp_path: Path, target: TgtDaemon,
                gateway: TranslatingWebServer,
                volume: Dict[int, volumes.Volume]) -> List[Server]:
    """Legacy BIOS servers on ilo-pxe, deployed by ironic (powered on)."""
    tftp = tmp_path / 'tftp'  # qemu's TFTP server: nothing on it
    tftp.mkdir()
    boot_script = gateway.guest_url('%s/boot.ipxe' % gateway.url)
    network_boot = NetworkBoot(tftp, boot_script,
                               endpoints=(target.portal, gateway.endpoint))
    servers = _pairs(lab, tmp_path, target, volume, interface='ilo-pxe',
                     boot_mode='bios', network_boot=network_boot)
    _deploy(lab, servers)
    return servers


def test_bios_ilo_pxe_boots_through_ironics_ipxe(lab, tmp_path, target,
                                                 gateway: TranslatingWebServer,
                                                 boot_times):
    """Legacy BIOS: ilo-pxe falls back to ironic's iPXE boot from volume.

    The VM's NIC ROM (iPXE) gets from DHCP the boot file ironic's DHCP
    options name (``[deploy]http_url``/boot.ipxe), chains to the node's
    iPXE configuration and ``sanboot``-s the volume: ironic's files, as
    ``gateway`` serves them to the guest.
    """
    servers = _bios_pairs(lab, tmp_path, target, gateway, volumes.BIOS)
    for server in servers:
        options = lab.run(server.node, pxe_utils.dhcp_options_for_instance)
        assert '%s/boot.ipxe' % gateway.url in [o['opt_value']
                                                for o in options]
        config = Path(pxe_utils.get_pxe_config_file_path(server.node.uuid))
        assert 'sanhook --drive 0x80 iscsi:%s::%d:%d:%s' % (
            target.portal + (server.volume.lun, server.volume.iqn)
        ) in config.read_text()
    _wait_booted(servers, boot_times, 'legacy BIOS, ironic iPXE sanboot')

    sessions = target.sessions()
    for server in servers:
        run = server.backend.last_run
        assert (run.plan.mode, run.plan.kind) == ('legacy', 'network')
        assert run.outcome().state == 'booted'
        assert (server.volume.iqn, server.volume.initiator) in sessions
    requested = ' '.join(gateway.requests)
    assert '/boot.ipxe' in requested and '/pxelinux.cfg/' in requested


def test_uefi_ipxe_stand_in_md5_chap(lab, tmp_path, target, boot_times):
    """iPXE EFI as the initiator: MD5 CHAP against the patched tgtd.

    The firmware offers SHA-256 first, so only iPXE exercises the MD5
    path of the patched tgtd from a booting machine.
    """
    servers = _pairs(lab, tmp_path, target, volumes.UEFI_CHAP,
                     initiator='ipxe')

    _deploy(lab, servers)
    _wait_booted(servers, boot_times, 'UEFI iPXE EFI stand-in, MD5 CHAP')

    for server in servers:
        assert 'iPXE' in server.backend.last_run.console()
        assert server.ilo.state().machine.startswith(
            'booted from iSCSI target %s' % server.volume.iqn)


def test_bios_ilo_pxe_lun10_boots_lun10(lab, tmp_path, target,
                                        gateway: TranslatingWebServer,
                                        boot_times):
    """Legacy BIOS, ironic's iPXE, LUN 10: LUN 10 boots, not LUN 16.

    Each target has LUN 10 (the volume) and LUN 16, whose marker names it.
    iPXE reads an ``iscsi:`` URI's LUN as hexadecimal; ironic 9.1.6 wrote
    it in decimal and booted LUN 16, which patch 3 of the series fixes.
    """
    servers = _bios_pairs(lab, tmp_path, target, gateway,
                          volumes.BIOS_LUN10)

    seen = []
    for server, decoy in zip(servers, volumes.DECOYS):
        machine = server.backend.last_run.machine
        markers = (server.volume.marker, decoy.marker)
        seen.append(machine.wait_for(
            lambda text: next((m for m in markers if m in text), None),
            BOOT_TIMEOUT, 'a marker of LUN 10 or LUN 16'))
        boot_times.add('ironic: legacy BIOS LUN 10, %s: %s' % (
            server.label, seen[-1]), server.backend.last_run.elapsed())
    assert seen == [s.volume.marker for s in servers]
