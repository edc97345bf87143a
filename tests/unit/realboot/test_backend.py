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

"""What the qemu backend makes of the iLO's state, without starting qemu."""
from __future__ import annotations

import pytest

from iloemu.config import NicSpec, ServerSpec
from iloemu.secret import Secret
from iloemu.state import initial_state
from realboot import ipxe, vm
from realboot.backend import (BootPlan, MachineRun, NetworkBoot,
                              QemuBackend, plan_boot)

IQN = 'iqn.2024-05.org.example:vol'
SPEC = ServerSpec('127.0.77.9', generation=10, nics=(
    NicSpec('9c:b6:54:09:00:01'), NicSpec('9c:b6:54:09:00:02')))


def _state(nic_boot='NicBoot2', mode='uefi', **fields):
    state = initial_state(ServerSpec(SPEC.address, generation=10,
                                     nics=SPEC.nics, boot_mode=mode))
    values = dict(enabled=True, target_name=IQN, lun='10',
                  target_ip='127.0.0.1', target_port=40123,
                  target_info_via_dhcp=False)
    values.update(fields)
    for config in (state.iscsi_current, state.iscsi_pending):
        for name, value in values.items():
            setattr(config.attempts[nic_boot], name, value)
        config.initiator_name = 'iqn.2024-05.org.example:host'
    return state


def test_iscsi_device_boots_that_nics_attempt():
    plan = plan_boot(_state(), 'NIC.LOM.1.2.iSCSI')
    assert plan == BootPlan(
        'uefi', 'NIC.LOM.1.2.iSCSI', 'iscsi', '9c:b6:54:09:00:02',
        ipxe.SanTarget('127.0.0.1', 40123, 10, IQN),
        ipxe.IscsiLogin('iqn.2024-05.org.example:host'))


def test_chap_attempt_gives_user_and_secret():
    plan = plan_boot(_state(auth_method='Chap', chap_user='u',
                            chap_secret=Secret('Secret-12345')),
                     'NIC.LOM.1.2.iSCSI')
    assert (plan.login.chap_user, plan.login.chap_secret) == (
        'u', 'Secret-12345')
    assert 'Secret-12345' not in plan.describe() + repr(plan)


def test_chap_settings_are_ignored_when_the_method_is_none():
    plan = plan_boot(_state(auth_method='None', chap_user='u',
                            chap_secret=Secret('Secret-12345')),
                     'NIC.LOM.1.2.iSCSI')
    assert plan.login.chap_user is None and plan.login.chap_secret is None


def test_an_empty_initiator_name_is_not_sent():
    state = _state()
    state.iscsi_current.initiator_name = ''
    assert plan_boot(state, 'NIC.LOM.1.2.iSCSI').login.initiator_iqn is None


@pytest.mark.parametrize('fields, kind, reason', [
    (dict(enabled=False), 'nothing', 'no enabled iSCSI attempt'),
    (dict(target_info_via_dhcp=True), 'refused', 'via DHCP'),
    (dict(auth_method='MutualChap'), 'refused', 'MutualChap'),
])
def test_attempts_the_emulation_cannot_boot(fields, kind, reason):
    plan = plan_boot(_state(**fields), 'NIC.LOM.1.2.iSCSI')
    assert plan.kind == kind and reason in plan.reason


def test_the_attempt_of_another_nic_is_not_used():
    plan = plan_boot(_state(nic_boot='NicBoot1'), 'NIC.LOM.1.2.iSCSI')
    assert plan.kind == 'nothing'


@pytest.mark.parametrize('device', ['Pxe', 'NIC.LOM.1.1.IPv4',
                                    'NIC.LOM.1.2.IPv6'])
def test_network_devices_boot_what_was_handed_over(tmp_path, device):
    boot = NetworkBoot(tmp_path, 'boot.ipxe')
    plan = plan_boot(_state(mode='legacy'), device, boot)
    assert (plan.kind, plan.mode) == ('network', 'legacy')
    assert plan.mac == ('9c:b6:54:09:00:02' if device.endswith('2.IPv6')
                        else '9c:b6:54:09:00:01')
    assert plan_boot(_state(), device).kind == 'nothing'


@pytest.mark.parametrize('device', ['Hdd', 'HD.Emb.1.1', 'Cd',
                                    'CD.Virtual.2.1', 'None', 'UefiShell'])
def test_other_devices_have_nothing_to_boot(device):
    plan = plan_boot(_state(), device)
    assert plan.kind == 'nothing' and plan.mac is None


def _run(tmp_path, plan, console='', initiator='ipxe'):
    machine = vm.VirtualMachine(vm.VmConfig('t', 'uefi', SPEC.nics[0].mac,
                                            'none'), tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    machine.files.console.write_text(console)
    return MachineRun(1, 'power-on', plan, 0.0, machine,
                      initiator=initiator)


def test_outcome_of_the_firmwares_own_initiator(tmp_path):
    iscsi = plan_boot(_state(), 'NIC.LOM.1.2.iSCSI')
    booted = _run(tmp_path / 'a', iscsi, 'BdsDxe: loading Boot0001 "UEFI" '
                  'from PciRoot(0x0)/iSCSI(%s,0x1,0x000A000000000000,None,'
                  'None,None,TCP)\n' % IQN, initiator='firmware')
    assert booted.outcome().detail.startswith(
        'booted from iSCSI target %s LUN 10 at 127.0.0.1:40123' % IQN)
    failed = _run(tmp_path / 'b', iscsi, '>>Start PXE over IPv4.\n',
                  initiator='firmware')
    assert failed.outcome().detail.startswith(
        "iSCSI boot failed: no tgtd of this process serves the target "
        "(the firmware's iSCSI login failed (it went on to PXE)); iSCSI "
        "target %s" % IQN)


def test_outcome_reads_ipxe_and_the_firmware(tmp_path):
    iscsi = plan_boot(_state(), 'NIC.LOM.1.2.iSCSI')
    booted = _run(tmp_path / 'a', iscsi, 'Booting from SAN device 0x80\n')
    assert booted.outcome().state == 'booted'
    assert booted.outcome().detail.startswith(
        'booted from iSCSI target %s LUN 10 at 127.0.0.1:40123' % IQN)
    failed = _run(tmp_path / 'b', iscsi, 'Could not open SAN device: '
                  'Operation not permitted (http://ipxe.org/x)\n')
    assert failed.outcome().detail.startswith(
        'iSCSI boot failed: Could not open SAN device: Operation not '
        'permitted; iSCSI target')
    nothing = _run(tmp_path / 'c', plan_boot(_state(), 'Hdd'),
                   'BdsDxe: starting Boot0001 "EFI Internal Shell" from')
    assert nothing.outcome().state == 'nothing'
    stopped = _run(tmp_path / 'd', iscsi, 'iPXE initialising devices...')
    assert stopped.outcome().state == 'failed'  # never started: not alive
    refused = MachineRun(2, 'reset', plan_boot(
        _state(target_info_via_dhcp=True), 'NIC.LOM.1.2.iSCSI'), 0.0)
    assert refused.outcome().detail == (
        'boot failed: NIC.LOM.1.2.iSCSI: target information via DHCP is '
        'not emulated')


def test_factory_gives_each_address_its_directory(tmp_path):
    backend = QemuBackend.factory(tmp_path, memory_mib=128)(SPEC)
    assert backend.directory == tmp_path / SPEC.address
    assert backend.memory_mib == 128 and backend.machine_status() is None
    assert backend.view().machine is None


def test_a_target_off_loopback_is_not_reached(tmp_path):
    backend = QemuBackend(SPEC, tmp_path)
    # Instance 1: the strict model boots no attempt of instance 0.
    state = _state(target_ip='192.0.2.10', instance=1)
    state.boot.enabled, state.boot.target = 'Continuous', 'UefiTarget'
    state.boot.uefi_target = 'NIC.LOM.1.2.iSCSI'
    backend.on_power_on(state)
    assert backend.last_run.machine is None
    assert backend.view().machine == (
        'boot failed: 192.0.2.10 is not a loopback IPv4 address; the VM '
        'reaches only forwarded loopback endpoints')
