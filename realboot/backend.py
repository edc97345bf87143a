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

"""The qemu backend: a real VM behind an emulated iLO.

It plugs into iloemu's backend interface
(:class:`iloemu.backends.base.Backend`);
iloemu knows nothing of it: a caller hands ``QemuBackend.factory(...)`` to
``IloFleet.add(backend=...)``.

When the iLO powers the server on or resets it, a qemu VM (TCG) starts
with what the iLO holds at that moment: the boot mode picks the firmware
(OVMF or SeaBIOS), the boot override or the boot order picks the device,
and for an iSCSI device the firmware's iSCSI attempt of that NIC gives the
target, LUN, CHAP and the initiator name. In UEFI mode the firmware's own
initiator (OVMF's ``IScsiDxe``) boots: at each start the VM gets a fresh
variable store holding the initiator name and one attempt per enabled
iSCSI attempt of the iLO, bound to its NIC's MAC
(:mod:`realboot.firmwareboot`), as iLO configures a ProLiant's UEFI.
``initiator='ipxe'`` puts iPXE EFI in its place instead, fed a script
written from the same settings (:func:`realboot.ipxe.boot_script`); it
is kept for what the firmware path cannot test (MD5 CHAP, iPXE's own
words on a failure). The guest reaches only
loopback endpoints, each through a forward (:mod:`realboot.network`);
the target address iLO holds must be a loopback one. Power off, a reset
and :meth:`QemuBackend.close` stop the VM.

What the machine does with each device:

* ``NIC.LOM.1.<n>.iSCSI`` (UEFI): iSCSI boot through that NIC's attempt;
* ``Pxe`` or ``NIC.LOM.1.<n>.IPv4/IPv6``: network boot from the
  :class:`NetworkBoot` the test handed over (legacy BIOS: the NIC's iPXE
  ROM runs the boot file, an iPXE script; UEFI: OVMF's own PXE);
* anything else (disk, CD, shell): nothing to boot, the firmware says so.

The StateView's ``machine`` line tells what became of the last start:
"booted from iSCSI target ...", "iSCSI boot failed: <tgtd's reason> ...",
...

>>> from iloemu.config import ServerSpec
>>> from iloemu.secret import Secret
>>> from iloemu.state import initial_state
>>> state = initial_state(ServerSpec('127.0.0.2', generation=9))
>>> attempt = state.iscsi_current.attempts['NicBoot1']
>>> attempt.enabled, attempt.target_name = True, 'iqn.2024-01.org.example:v'
>>> attempt.target_ip, attempt.target_port = '127.0.0.1', 3260
>>> attempt.target_info_via_dhcp = False
>>> attempt.auth_method, attempt.chap_user = 'Chap', 'user'
>>> attempt.chap_secret = Secret('Secret-12345')
>>> plan = plan_boot(state, 'NIC.LOM.1.1.iSCSI')
>>> plan.kind, plan.mac
('iscsi', '9c:b6:54:02:00:01')
>>> print(plan.describe())
iSCSI target iqn.2024-01.org.example:v LUN 0 at 127.0.0.1:3260 (NIC \
9c:b6:54:02:00:01, initiator iqn.1986-03.com.hp:uefi-p89-emu0000002, CHAP \
user user)
>>> plan_boot(state, 'HD.Emb.1.1').describe()
'HD.Emb.1.1: nothing to boot (the emulated server has no disk or CD)'
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
import re
import threading
import time
from typing import Callable, List, Optional, Tuple

from iloemu.backends.base import Backend
from iloemu.config import ServerSpec
from iloemu.state import Nic, ServerState
from realboot import firmwareboot, ipxe, network, target, vm
from realboot.errors import RealBootError, VmError, WaitTimeout
from realboot.outcome import FAILED, NOTHING, Outcome, judge

_NIC_DEVICE = re.compile(r'^NIC\.LOM\.1\.(\d+)\.(iSCSI|IPv4|IPv6)$')
_NOTHING = 'nothing to boot (the emulated server has no disk or CD)'
#: Who logs in to the iSCSI target in UEFI mode.
INITIATORS = ('firmware', 'ipxe')


@dataclasses.dataclass(frozen=True)
class NetworkBoot:
    """What a network boot finds: a TFTP directory and its boot file.

    ``endpoints`` are the loopback (address, port) pairs the guest may
    reach; each is forwarded (:func:`realboot.network.plan_forwards`) and
    a script names them by :meth:`QemuBackend.guest_address`.
    """

    tftp_dir: Path
    bootfile: str
    endpoints: Tuple[Tuple[str, int], ...] = ()


@dataclasses.dataclass(frozen=True)
class BootPlan:
    """What the machine does at one start, read from the iLO's state."""

    mode: str
    device: str
    kind: str
    mac: Optional[str] = None
    target: Optional[ipxe.SanTarget] = None
    login: ipxe.IscsiLogin = ipxe.IscsiLogin()
    reason: str = ''

    def describe(self) -> str:
        """One line; never the CHAP secret."""
        if self.kind == 'iscsi' and self.target is not None:
            who = ['NIC %s' % self.mac]
            if self.login.initiator_iqn:
                who.append('initiator %s' % self.login.initiator_iqn)
            if self.login.chap_user is not None:
                who.append('CHAP user %s' % self.login.chap_user)
            return 'iSCSI target %s LUN %d at %s:%d (%s)' % (
                self.target.iqn, self.target.lun, self.target.address,
                self.target.port, ', '.join(who))
        if self.kind == 'network':
            return 'network boot through NIC %s' % self.mac
        return '%s: %s' % (self.device, self.reason)


def _nic(state: ServerState, port: int) -> Optional[Nic]:
    for nic in state.nics:
        if nic.port == port:
            return nic
    return None


def _iscsi_plan(state: ServerState, device: str, nic: Nic) -> BootPlan:
    mode = state.boot_mode()
    attempt = state.iscsi_current.attempts.get(nic.nic_boot or '')
    if mode != 'uefi' or attempt is None or not attempt.enabled:
        return BootPlan(mode, device, 'nothing', nic.mac,
                        reason='no enabled iSCSI attempt on this NIC')
    if attempt.target_info_via_dhcp:
        return BootPlan(mode, device, 'refused', nic.mac, reason=(
            'target information via DHCP is not emulated'))
    if attempt.auth_method not in ('None', 'Chap'):
        return BootPlan(mode, device, 'refused', nic.mac, reason=(
            'authentication %s is not emulated' % attempt.auth_method))
    login = ipxe.IscsiLogin(state.iscsi_current.initiator_name or None)
    if attempt.auth_method == 'Chap':
        secret = attempt.chap_secret
        login = dataclasses.replace(
            login, chap_user=attempt.chap_user or '',
            chap_secret=secret.reveal() if secret is not None else '')
    target = ipxe.SanTarget(attempt.target_ip, attempt.target_port,
                            int(attempt.lun), attempt.target_name)
    return BootPlan(mode, device, 'iscsi', nic.mac, target, login)


def plan_boot(state: ServerState, device: str,
              network_boot: Optional[NetworkBoot] = None) -> BootPlan:
    """What the server does when it starts with ``state`` from ``device``.

    ``device`` is what the firmware picked (the backend base's
    ``_next_device``): an override target or a boot order entry.
    """
    mode = state.boot_mode()
    match = _NIC_DEVICE.match(device)
    nic = _nic(state, int(match.group(1))) if match else None
    if device == 'Pxe':
        nic = next((n for n in state.nics if n.boot_capable), None)
    if match and match.group(2) == 'iSCSI' and nic is not None:
        return _iscsi_plan(state, device, nic)
    if nic is not None and (device == 'Pxe' or match):
        if network_boot is None:
            return BootPlan(mode, device, 'nothing', nic.mac, reason=(
                'no TFTP server answers (no network boot handed over)'))
        return BootPlan(mode, device, 'network', nic.mac)
    return BootPlan(mode, device, 'nothing', reason=_NOTHING)


@dataclasses.dataclass
class MachineRun:
    """One start of the server: its plan, its VM, its times."""

    number: int
    kind: str
    plan: BootPlan
    started_at: float
    machine: Optional[vm.VirtualMachine] = None
    refused: str = ''
    initiator: str = 'firmware'
    #: The tgtd serving the device's target (if this process runs it)
    #: and the size of its log when the VM started.
    tgtd: Optional[target.TgtDaemon] = None
    tgtd_mark: int = 0

    def elapsed(self) -> float:
        """Seconds since the iLO started the server (power-on or reset)."""
        end = self.machine.stopped_at if self.machine else None
        return (end or time.monotonic()) - self.started_at

    def console(self) -> str:
        """The VM's console text so far."""
        return self.machine.console.text() if self.machine else ''

    def outcome(self) -> Outcome:
        """Booting, booted, failed (with the words why) or nothing."""
        if self.refused or self.plan.kind == 'refused':
            return Outcome(FAILED, 'boot failed: %s' % (
                self.refused or self.plan.describe()))
        starting = self.machine is None  # the hook is still setting up
        return judge(self.plan.kind, self.plan.describe(), self.console(),
                     starting or self.machine.alive(),
                     firmware=self.initiator == 'firmware',
                     why=self.tgtd_reason)

    def tgtd_reason(self) -> str:
        """Why the login failed, as tgtd sees it (or that it cannot tell)."""
        plan = self.plan
        if self.tgtd is None or plan.target is None:
            return 'no tgtd of this process serves the target'
        return firmwareboot.tgtd_reason(
            self.tgtd.log_since(self.tgtd_mark),
            list(self.tgtd.targets.values()), plan.target.iqn,
            plan.target.lun, plan.login.initiator_iqn or '')


class QemuBackend(Backend):
    """A qemu VM per start; ``directory`` keeps every run's files."""

    def __init__(self, spec: ServerSpec, directory: Path,
                 network_boot: Optional[NetworkBoot] = None,
                 memory_mib: int = 256, initiator: str = 'firmware') -> None:
        super().__init__(spec)
        if initiator not in INITIATORS:
            raise ValueError('initiator %r is not one of %s'
                             % (initiator, ', '.join(INITIATORS)))
        self.initiator = initiator
        self.directory = Path(directory)
        self.network_boot = network_boot
        self.memory_mib = memory_mib
        self.runs: List[MachineRun] = []
        self._runs_lock = threading.Lock()

    @classmethod
    def factory(cls, directory: Path, **options
                ) -> Callable[[ServerSpec], 'QemuBackend']:
        """For ``IloFleet.add(backend=...)``: a backend per address."""
        def make(spec: ServerSpec) -> 'QemuBackend':
            return cls(spec, Path(directory) / spec.address, **options)
        return make

    # -- hooks -------------------------------------------------------------
    def on_power_on(self, state: ServerState) -> None:
        self._boot('power-on', state)

    def on_reset(self, state: ServerState) -> None:
        self._halt()
        self._boot('reset', state)

    def on_power_off(self, state: ServerState) -> None:
        self._halt()

    def close(self) -> None:
        """Stop the VM (teardown)."""
        self._halt()

    # -- machine -----------------------------------------------------------
    def _boot(self, kind: str, state: ServerState) -> None:
        plan = plan_boot(state, self._next_device(state), self.network_boot)
        with self._runs_lock:
            run = MachineRun(len(self.runs) + 1, kind, plan,
                             time.monotonic(), initiator=self.initiator)
            self.runs.append(run)
        if plan.kind == 'refused':
            return
        if plan.target is not None:
            run.tgtd = target.serving(plan.target.port)
            run.tgtd_mark = run.tgtd.log_size() if run.tgtd else 0
        directory = self.directory / ('run-%02d' % run.number)
        name = '%s-run%d' % (self.spec.address, run.number)
        try:
            config = self._vm_config(plan, directory, name, state)
        except RealBootError as exc:  # the firmware could not use it
            run.refused = str(exc)
            return
        run.machine = vm.VirtualMachine(config, directory / 'vm').start()

    def _vm_config(self, plan: BootPlan, directory: Path, name: str,
                   state: ServerState) -> vm.VmConfig:
        mac = plan.mac or self.spec.nics[0].mac
        common = dict(name=name, firmware=plan.mode, mac=mac,
                      memory_mib=self.memory_mib)
        if (plan.kind == 'iscsi' and plan.target is not None
                and self.initiator == 'firmware'):
            network.check_loopback(plan.target.address)
            forwards = network.plan_forwards(firmwareboot.endpoints(state))
            return vm.VmConfig(
                boot='firmware-iscsi', forwards=forwards,
                iscsi=firmwareboot.iscsi_config(state, forwards), **common)
        if plan.kind == 'iscsi' and plan.target is not None:
            forwards = network.plan_forwards(
                [(plan.target.address, plan.target.port)])
            guest = dataclasses.replace(plan.target, address=(
                network.guest_address(forwards, plan.target.address)))
            tftp = directory / 'tftp'
            tftp.mkdir(parents=True, exist_ok=True)
            script = tftp / 'boot.ipxe'  # holds the CHAP secret
            script.touch(mode=0o600)
            script.write_text(ipxe.boot_script(guest, plan.login))
            return vm.VmConfig(boot='ipxe-efi', forwards=forwards,
                               tftp_dir=tftp, bootfile='boot.ipxe',
                               **common)
        if plan.kind == 'network' and self.network_boot is not None:
            return vm.VmConfig(
                boot='network', forwards=self.forwards(),
                tftp_dir=Path(self.network_boot.tftp_dir),
                bootfile=self.network_boot.bootfile, **common)
        return vm.VmConfig(boot='none', **common)

    def forwards(self) -> Tuple[network.Forward, ...]:
        """The forwards of a network boot (its endpoints)."""
        endpoints = self.network_boot.endpoints if self.network_boot else ()
        return network.plan_forwards(endpoints)

    def guest_address(self, address: str) -> str:
        """Where the guest of a network boot reaches a loopback address."""
        return network.guest_address(self.forwards(), address)

    def _halt(self) -> None:
        with self._runs_lock:
            machines = [r.machine for r in self.runs if r.machine]
        for machine in machines:
            machine.stop()

    # -- what tests read -----------------------------------------------------
    @property
    def last_run(self) -> Optional[MachineRun]:
        """The latest start, if any."""
        with self._runs_lock:
            return self.runs[-1] if self.runs else None

    def machine_status(self) -> Optional[str]:
        """The StateView's ``machine`` line."""
        run = self.last_run
        if run is None:
            return None
        outcome = run.outcome()
        if run.machine is not None and not run.machine.alive():
            return 'off (last start: %s)' % outcome.detail
        return outcome.detail

    def wait_for_outcome(self, timeout: float = 120) -> Outcome:
        """Wait until the last start booted, failed or found nothing."""
        run = self._current_run()
        deadline = time.monotonic() + timeout
        while True:
            outcome = run.outcome()
            if outcome.settled:
                return outcome
            if time.monotonic() >= deadline:
                raise WaitTimeout(what='outcome of ' + run.plan.describe(),
                                  timeout=timeout, tail=_tail(run))
            time.sleep(0.1)

    def wait_for_console(self, marker: str, timeout: float = 120) -> float:
        """Wait for ``marker`` on the console; seconds since the start.

        :raises VmError: the boot failed or found nothing first (the error
            says why, with iPXE's or the firmware's words).
        """
        run = self._current_run()
        deadline = time.monotonic() + timeout
        while True:
            if marker in run.console():
                return run.elapsed()
            outcome = run.outcome()
            if outcome.state in (FAILED, NOTHING):
                raise VmError(name=self.spec.address, reason='%s; console:'
                              '\n%s' % (outcome.detail, _tail(run)))
            if time.monotonic() >= deadline:
                raise WaitTimeout(what='%r on the console' % marker,
                                  timeout=timeout, tail=_tail(run))
            time.sleep(0.1)

    def _current_run(self) -> MachineRun:
        run = self.last_run
        if run is None:
            raise VmError(name=self.spec.address, reason='never started')
        return run


def _tail(run: MachineRun) -> str:
    return run.machine.console.tail() if run.machine else '(no VM)'
