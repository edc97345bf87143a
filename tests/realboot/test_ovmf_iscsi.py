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
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from realboot import console, images, network, ovmfvars, vm
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

    @property
    def initiator(self) -> str:
        """Its own initiator IQN: tgtd's log lines tell VMs apart."""
        return '%s-%s' % (INITIATOR, self.name)


#: The longest boots first (DHCP's offer window, a refused login's way
#: to PXE): the two VMs at a time then end together.
SCENARIOS = [
    Scenario('dhcp', dhcp=True),
    Scenario('wrong-secret', secret='Secret-1234567a',
             target_secret='Secret-1234567b', boots=False),
    # 17 fill CHAR8[17] without a NUL; the login hashes all 17 (the
    # firmware's form would refuse them; the store is not checked).
    Scenario('chap17', secret='Secret-123456789'),
    Scenario('static'),
    Scenario('lun10', lun=10),
    Scenario('chap12', secret='Secret-12345'),
    Scenario('chap16', secret='Secret-1234567a'),
    # EDK2's login refuses fewer than 12: tgtd never sees a response.
    Scenario('chap11', secret='Secret-1234', boots=False),
]
#: VMs booting at once: the machine's two cores.
AT_ONCE = 2


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
                tid, scenario.iqn, image, scenario.lun,
                (scenario.initiator,),
                ChapAccount(scenario.user, secret) if secret else None))
        yield daemon
    finally:
        daemon.stop()


@dataclasses.dataclass(frozen=True)
class Boot:
    """What one scenario's VM did."""

    seen: str
    console: str
    tgtd_said: str


def _machine(daemon: TgtDaemon, scenario: Scenario,
             directory: Path) -> vm.VirtualMachine:
    forwards = network.plan_forwards([daemon.portal])
    chap = (ovmfvars.Chap(scenario.user, scenario.secret)
            if scenario.secret else None)
    attempt = ovmfvars.Attempt(
        mac=MAC, target_iqn=scenario.iqn,
        target_ip=forwards[0].guest_address, target_port=daemon.port,
        lun=scenario.lun, static=None if scenario.dhcp else STATIC,
        chap=chap)
    return vm.VirtualMachine(vm.VmConfig(
        'ovmf-' + scenario.name, 'uefi', MAC, 'firmware-iscsi',
        forwards=forwards,
        iscsi=ovmfvars.IscsiConfig(scenario.initiator, (attempt,))),
        directory / scenario.name)


@pytest.fixture(scope='module')
def boots(firmware_target, tmp_path_factory,
          boot_times) -> Dict[str, Boot]:
    """Every scenario booted, two VMs at a time (the machine's cores):
    as soon as one has its verdict it stops and the next one starts."""
    directory = tmp_path_factory.mktemp('ovmf-vms')
    mark = firmware_target.log_size()
    seen: Dict[str, Boot] = {}
    waiting = list(SCENARIOS)
    running: List[Tuple[Scenario, vm.VirtualMachine]] = []
    try:
        while waiting or running:
            while waiting and len(running) < AT_ONCE:
                scenario = waiting.pop(0)
                running.append((scenario, _machine(
                    firmware_target, scenario, directory).start()))
            time.sleep(console.POLL_INTERVAL)
            for scenario, machine in list(running):
                what = _verdict(machine.console.text())
                if what is None and machine.alive() and (
                        machine.elapsed() < timing.BOOT_TIMEOUT):
                    continue
                if what is None:  # stopped or out of time: it says why
                    what = machine.wait_for(_verdict, 0, 'the marker or PXE')
                machine.stop()
                running.remove((scenario, machine))
                boot_times.add('OVMF IScsiDxe, %s: %s' % (
                    scenario.name, what), machine.elapsed())
                seen[scenario.name] = Boot(
                    what, machine.console.text(),
                    firmware_target.log_since(mark))
    finally:
        for _, machine in running:
            machine.stop()
    return seen


@pytest.mark.parametrize('scenario', SCENARIOS, ids=lambda s: s.name)
def test_firmware_iscsi_boot(boots, scenario):
    boot = boots[scenario.name]
    if scenario.boots:
        assert boot.seen == 'marker', boot.console[-500:]
        loaded = _LOADED.search(boot.console)
        assert loaded and scenario.iqn in loaded.group(1)
        assert loaded.group(1).lower().endswith(
            '0x%04x000000000000' % scenario.lun)
    else:
        assert boot.seen == 'pxe', boot.console[-500:]
        refused = ('authentication of %s failed (wrong secret'
                   % scenario.initiator)
        assert (refused in boot.tgtd_said) == (
            scenario.target_secret is not None), boot.tgtd_said
