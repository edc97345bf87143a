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

"""OVMF's own iSCSI initiator, configured by a generated variable store.

Each VM's store (:mod:`realboot.ovmfvars`) holds one attempt for its NIC
against a tgt LUN (:mod:`realboot.images`); the NIC has no boot index,
so the firmware's boot manager boots what it found. Success is the
firmware loading from an ``/iSCSI(`` device path and GRUB's marker;
a release OVMF prints nothing when a login fails and goes on to
``>>Start PXE over IPv4.``: then tgtd's log tells why.

CHAP needs the tgtd patched by ``tgt/`` (``python -m realboot.tgtbuild``;
``build/tgt`` or ``$REALBOOT_TGT_DIR``): EDK2 offers SHA-256. Without it
the CHAP scenarios skip, saying so.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
import re
from typing import Iterator, Optional

import pytest

from realboot import images, network, ovmfvars, target, vm
from realboot.target import ChapAccount, TargetSpec, TgtDaemon
from realboot.tgtbuild import TgtBuild, build_directory
from tests.realboot import timing

INITIATOR = 'iqn.2024-05.org.example.realboot:ovmf-host'
PREFIX = 'iqn.2024-05.org.example.realboot:ovmf-'
MARKER = 'REALBOOT ovmf-iscsi'
MAC = '52:54:00:0e:00:01'
#: qemu's user network: the guest's static address and gateway.
STATIC = ovmfvars.StaticAddress('10.0.2.15', '255.255.255.0', '10.0.2.2')
_LOADED = re.compile(r'BdsDxe: loading Boot[0-9A-F]+ .* from (\S*/iSCSI\('
                     r'[^,]+,[^,]+,[^,]+)')


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One boot: the attempt's choices and what the target holds."""

    name: str
    dhcp: bool = False
    lun: int = 1
    secret: Optional[str] = None       # what the store holds
    target_secret: Optional[str] = None  # what tgt holds (default: same)
    boots: bool = True

    @property
    def iqn(self) -> str:
        return PREFIX + self.name

    @property
    def user(self) -> str:
        return 'user-' + self.name


SCENARIOS = [
    Scenario('static'),
    Scenario('dhcp', dhcp=True),
    Scenario('lun10', lun=10),
    Scenario('chap12', secret='Secret-12345'),
    Scenario('chap16', secret='Secret-1234567a'),
    # EDK2 refuses 11 characters itself: tgtd never sees a response.
    Scenario('chap11', secret='Secret-1234', boots=False),
    # 17 fill CHAR8[17] without a NUL; EDK2 reads and sends all 17.
    Scenario('chap17', secret='Secret-123456789'),
    Scenario('wrong-secret', secret='Secret-1234567a',
             target_secret='Secret-1234567b', boots=False),
]


class FirmwareIscsiVm(vm.VirtualMachine):
    """A UEFI VM whose variable store holds ``iscsi`` (no iPXE)."""

    def __init__(self, config: vm.VmConfig, directory: Path,
                 iscsi: ovmfvars.IscsiConfig) -> None:
        super().__init__(config, directory)
        self.iscsi = iscsi

    def _prepare(self) -> None:
        super()._prepare()
        ovmfvars.write_store(vm.OVMF_VARS, self.files.vars, self.iscsi)


def _verdict(text: str) -> Optional[str]:
    if MARKER in text:
        return 'marker'
    if 'Start PXE over IPv4' in text:
        return 'pxe'
    return None


@pytest.fixture(scope='module')
def firmware_target(realboot_ready, tmp_path_factory
                    ) -> Iterator[TgtDaemon]:
    """tgtd (the patched one if built) with one target per scenario."""
    pytest.importorskip('virt.firmware.varstore.edk2',
                        reason='PyPI virt-firmware is not installed')
    directory = tmp_path_factory.mktemp('ovmf-target')
    patched = TgtBuild(build_directory(), progress=lambda _: None).current()
    image = images.build_uefi_lun(directory / 'uefi.img', MARKER)
    with pytest.MonkeyPatch.context() as monkeypatch:
        if patched is not None:
            command = target.tgtd_command
            monkeypatch.setattr(target, 'tgtd_command', lambda *a: [
                str(patched)] + command(*a)[1:])
        daemon = TgtDaemon(directory).start()
    daemon.patched = patched is not None
    try:
        for tid, scenario in enumerate(SCENARIOS, 1):
            secret = scenario.target_secret or scenario.secret
            daemon.add(TargetSpec(
                tid, scenario.iqn, image, scenario.lun, (INITIATOR,),
                ChapAccount(scenario.user, secret) if secret else None))
        yield daemon
    finally:
        daemon.stop()


@pytest.mark.parametrize('scenario', SCENARIOS, ids=lambda s: s.name)
def test_firmware_iscsi_boot(firmware_target, scenario, tmp_path,
                             monkeypatch, boot_times):
    if scenario.secret and not firmware_target.patched:
        pytest.skip('CHAP from OVMF needs the patched tgtd under %s '
                    '(python -m realboot.tgtbuild)' % build_directory())
    forwards = network.plan_forwards([firmware_target.portal])
    chap = (ovmfvars.Chap(scenario.user, scenario.secret)
            if scenario.secret else None)
    attempt = ovmfvars.Attempt(
        mac=MAC, target_iqn=scenario.iqn,
        target_ip=forwards[0].guest_address,
        target_port=firmware_target.port, lun=scenario.lun,
        static=None if scenario.dhcp else STATIC, chap=chap)
    # vm.py's "network" boot gives the NIC boot index 0 (PXE first);
    # the firmware path wants the NIC without one.
    command = vm.qemu_command
    monkeypatch.setattr(vm, 'qemu_command', lambda *a, **k: [
        arg.replace(',bootindex=0', '') for arg in command(*a, **k)])
    machine = FirmwareIscsiVm(
        vm.VmConfig('ovmf-' + scenario.name, 'uefi', MAC, 'network',
                    forwards=forwards),
        tmp_path / 'vm', ovmfvars.IscsiConfig(INITIATOR, (attempt,)))
    log_before = firmware_target.log_path.read_text(errors='replace')
    machine.start()
    try:
        seen = machine.wait_for(_verdict, timing.BOOT_TIMEOUT,
                                'the marker or PXE')
    finally:
        machine.stop()
    boot_times.add('OVMF IScsiDxe, %s: %s' % (scenario.name, seen),
                   machine.elapsed())
    console = machine.console.text()
    tgt_said = firmware_target.log_path.read_text(
        errors='replace')[len(log_before):]
    if scenario.boots:
        assert seen == 'marker', console[-500:]
        loaded = _LOADED.search(console)
        assert loaded and scenario.iqn in loaded.group(1)
        assert loaded.group(1).lower().endswith(
            '0x%04x000000000000' % scenario.lun)
    else:
        assert seen == 'pxe', console[-500:]
        assert ('wrong secret' in tgt_said) == (
            scenario.target_secret is not None), tgt_said
