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
``build/tgt`` or ``$REALBOOT_TGT_DIR``; ``./wb test`` builds it): EDK2
offers SHA-256. Without it the module skips, saying so.

CHAP secret lengths, what EDK2 (edk2-stable202211, Debian's OVMF) does
with a secret written straight into the store: its login computes the
response over ``AsciiStrLen(CHAPSecret)`` bytes and refuses only fewer
than 12 (``IScsiCHAPCalculateResponse``: the login stops before a
response is sent). The 12-16 rule (``ISCSI_CHAP_SECRET_MIN_LEN``/
``MAX_LEN``) lives in its setup form and its x-UEFI keyword handler,
the paths through which a BIOS configuration reaches the driver. 17
characters fill ``CHAR8[17]`` without a NUL; ``AsciiStrLen`` runs on
into ``ReverseCHAPName``, which is empty with one-way CHAP, so all 17
are used and the login succeeds. The driver keeps the 12-16 rule: it
is what the firmware's configuration accepts.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Iterator, Optional

import pytest

from realboot import images, network, ovmfvars, vm
from realboot.target import ChapAccount, TargetSpec, TgtDaemon
from tests.realboot import timing
from tests.realboot.conftest import patched_tgtd

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
    # EDK2's login refuses fewer than 12: tgtd never sees a response.
    Scenario('chap11', secret='Secret-1234', boots=False),
    # 17 fill CHAR8[17] without a NUL; the login hashes all 17 (the
    # firmware's form would refuse them; the store is not checked).
    Scenario('chap17', secret='Secret-123456789'),
    Scenario('wrong-secret', secret='Secret-1234567a',
             target_secret='Secret-1234567b', boots=False),
]


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
    image = images.build_uefi_lun(directory / 'uefi.img', MARKER)
    daemon = TgtDaemon(directory, tgtd=patched_tgtd()).start()
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
                             boot_times):
    forwards = network.plan_forwards([firmware_target.portal])
    chap = (ovmfvars.Chap(scenario.user, scenario.secret)
            if scenario.secret else None)
    attempt = ovmfvars.Attempt(
        mac=MAC, target_iqn=scenario.iqn,
        target_ip=forwards[0].guest_address,
        target_port=firmware_target.port, lun=scenario.lun,
        static=None if scenario.dhcp else STATIC, chap=chap)
    machine = vm.VirtualMachine(vm.VmConfig(
        'ovmf-' + scenario.name, 'uefi', MAC, 'firmware-iscsi',
        forwards=forwards, iscsi=ovmfvars.IscsiConfig(INITIATOR, (attempt,))),
        tmp_path / 'vm')
    mark = firmware_target.log_size()
    machine.start()
    try:
        seen = machine.wait_for(_verdict, timing.BOOT_TIMEOUT,
                                'the marker or PXE')
    finally:
        machine.stop()
    boot_times.add('OVMF IScsiDxe, %s: %s' % (scenario.name, seen),
                   machine.elapsed())
    console = machine.console.text()
    tgt_said = firmware_target.log_since(mark)
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
