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

"""A qemu VM (TCG, no KVM) that boots like the server behind an iLO.

Firmware by boot mode: OVMF (``OVMF_CODE.fd`` + a per-VM copy of
``OVMF_VARS.fd``) for UEFI, SeaBIOS for legacy BIOS, both on a q35
machine without SMM (1 s faster to boot under TCG, and OVMF_CODE.fd
does not need it). What the VM boots (:attr:`VmConfig.boot`):

* ``firmware-iscsi``: UEFI; the firmware's own iSCSI initiator (OVMF's
  ``IScsiDxe``) boots what this VM's variable store holds
  (:attr:`VmConfig.iscsi`, written by :mod:`realboot.ovmfvars`), as iLO
  configures a ProLiant's UEFI. The NIC has no boot index: the
  firmware's own boot order applies (the iSCSI disk comes before PXE).
* ``ipxe-efi``: UEFI; iPXE EFI stands in for the firmware's iSCSI
  initiator (kept for what the firmware path cannot test). It is
  ``\\EFI\\BOOT\\BOOTX64.EFI`` of a read-only qemu ``fat:`` drive, the
  first boot device; it configures the NIC by DHCP and runs the script
  qemu's TFTP server offers as boot file (Debian 12's iPXE, from 2019,
  reads no ``autoexec.ipxe`` from its own drive). It is ``ipxe.efi``
  with its own virtio driver: that version's ``snponly.efi`` finds no
  NIC when it was loaded from a disk. The NIC has no option ROM
  (``romfile=``): OVMF drives it itself, as a server's firmware would.
* ``network``: the NIC boots first: SeaBIOS runs the NIC's iPXE option
  ROM (``ipxe-qemu``); OVMF runs its own PXE. Either fetches the boot file
  from the TFTP directory.
* ``none``: neither disk nor NIC: the firmware finds nothing to boot
  (SeaBIOS says so; OVMF starts its built-in shell).

The serial console goes to a file; SeaBIOS is told to copy its screen
(and so the iPXE ROM's) to COM1. The guest network is restricted to the
forwards (:mod:`realboot.network`). Every VM started is stopped at exit
at the latest.

>>> cfg = VmConfig('gen9', 'legacy', '9c:b6:54:02:00:01', 'none')
>>> ' '.join(qemu_command(cfg, VmFiles(Path('/vm'))))
'qemu-system-x86_64 -name gen9 -machine q35,accel=tcg,smm=off -m 256 \
-nodefaults -no-user-config -display none -monitor none \
-serial file:/vm/console.log -fw_cfg name=etc/sercon-port,file=/vm/sercon.bin'
"""
from __future__ import annotations

import atexit
import dataclasses
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import threading
import time
from typing import Callable, List, Optional, Set, Tuple, TypeVar

from realboot import console as console_mod
from realboot import ovmfvars
from realboot.errors import InvalidSetting, VmError
from realboot.network import Forward, netdev_option

T = TypeVar('T')
QEMU = 'qemu-system-x86_64'
OVMF_CODE = Path('/usr/share/OVMF/OVMF_CODE.fd')
OVMF_VARS = Path('/usr/share/OVMF/OVMF_VARS.fd')
IPXE_EFI = Path('/usr/lib/ipxe/ipxe.efi')
#: SeaBIOS's fw_cfg file: the serial port its screen is copied to (COM1).
SERCON_PORT = (0x3f8).to_bytes(2, 'little')
FIRMWARES = ('uefi', 'legacy')
BOOTS = ('firmware-iscsi', 'ipxe-efi', 'network', 'none')

#: What firmware prints when it has nothing (left) to boot.
_GAVE_UP = (
    (re.compile(r'BdsDxe: starting Boot[0-9A-F]+ "EFI Internal Shell"'),
     'the UEFI firmware found nothing to boot and started its shell'),
    (re.compile(r'No bootable device\.'),
     'the BIOS found no bootable device'),
)

_RUNNING: Set['VirtualMachine'] = set()
_RUNNING_LOCK = threading.Lock()


@dataclasses.dataclass
class Usage:
    """What the VMs of this process cost: starts, VM-seconds, CPU.

    A VM's seconds run from its start to its stop (or to now, while it
    runs): the wall time qemu held a machine, whatever it did meanwhile.
    ``cpu_seconds`` is the processor time qemu used (user and system,
    read as it stops): the guest's work, which depends less on the
    machine's load than the wall time.
    """

    starts: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0


_USAGE = Usage()


@dataclasses.dataclass(frozen=True)
class VmConfig:
    """What one VM run is: firmware, NIC, boot path, network."""

    name: str
    firmware: str
    mac: str
    boot: str
    forwards: Tuple[Forward, ...] = ()
    tftp_dir: Optional[Path] = None
    bootfile: Optional[str] = None
    memory_mib: int = 256
    #: ``firmware-iscsi``: what the variable store holds.
    iscsi: Optional[ovmfvars.IscsiConfig] = None

    def __post_init__(self) -> None:
        if self.firmware not in FIRMWARES:
            raise InvalidSetting(reason='firmware %r' % self.firmware)
        if self.boot not in BOOTS:
            raise InvalidSetting(reason='boot %r' % self.boot)
        if self.boot == 'ipxe-efi' and self.firmware != 'uefi':
            raise InvalidSetting(reason='iPXE EFI needs UEFI firmware')
        if (self.boot == 'firmware-iscsi') != (self.iscsi is not None):
            raise InvalidSetting(reason='a firmware iSCSI boot needs its '
                                 'iSCSI settings, and only it')
        if self.boot == 'firmware-iscsi' and self.firmware != 'uefi':
            raise InvalidSetting(reason='the firmware initiator is UEFI')
        if (self.tftp_dir is None) != (self.bootfile is None):
            raise InvalidSetting(reason='a TFTP directory needs a boot file')


@dataclasses.dataclass(frozen=True)
class VmFiles:
    """The files of one VM run, all in its own directory."""

    directory: Path

    @property
    def console(self) -> Path:
        """The serial console (COM1)."""
        return self.directory / 'console.log'

    @property
    def qemu_log(self) -> Path:
        """qemu's own messages."""
        return self.directory / 'qemu.log'

    @property
    def vars(self) -> Path:
        """This VM's copy of the UEFI variable store."""
        return self.directory / 'OVMF_VARS.fd'

    @property
    def esp(self) -> Path:
        """The directory qemu shows as the iPXE EFI FAT drive."""
        return self.directory / 'esp'

    @property
    def sercon(self) -> Path:
        """SeaBIOS's serial console setting."""
        return self.directory / 'sercon.bin'


def qemu_command(config: VmConfig, files: VmFiles,
                 binary: str = QEMU) -> List[str]:
    """The qemu command line of ``config``."""
    argv = [binary, '-name', config.name,
            '-machine', 'q35,accel=tcg,smm=off',
            '-m', str(config.memory_mib), '-nodefaults', '-no-user-config',
            '-display', 'none', '-monitor', 'none',
            '-serial', 'file:%s' % files.console]
    uefi = config.firmware == 'uefi'
    if uefi:
        argv += ['-drive', 'if=pflash,format=raw,readonly=on,file=%s'
                 % OVMF_CODE,
                 '-drive', 'if=pflash,format=raw,file=%s' % files.vars]
    else:
        argv += ['-fw_cfg', 'name=etc/sercon-port,file=%s' % files.sercon]
    if config.boot == 'ipxe-efi':
        argv += ['-drive', 'if=none,id=esp,format=raw,readonly=on,'
                 'file=fat:%s' % files.esp,
                 '-device', 'virtio-blk-pci,drive=esp,bootindex=0']
    if config.boot != 'none':
        nic = 'virtio-net-pci,netdev=n0,mac=%s' % config.mac
        if uefi:
            nic += ',romfile='  # OVMF's own virtio-net driver and PXE
        if config.boot == 'network':
            nic += ',bootindex=0'
        argv += ['-netdev', netdev_option('n0', config.forwards,
                                          config.tftp_dir, config.bootfile),
                 '-device', nic]
    return argv


def firmware_gave_up(console: str) -> Optional[str]:
    """Why the firmware stopped looking for a boot device, or None.

    >>> firmware_gave_up('No bootable device.')
    'the BIOS found no bootable device'
    """
    for pattern, meaning in _GAVE_UP:
        if pattern.search(console):
            return meaning
    return None


class VirtualMachine:
    """One run of a VM: started once, stopped once."""

    def __init__(self, config: VmConfig, directory: Path,
                 binary: str = QEMU) -> None:
        self.config = config
        self.files = VmFiles(Path(directory))
        self.binary = binary
        self.console = console_mod.Console(self.files.console)
        self.process: Optional[subprocess.Popen] = None
        self.started_at: Optional[float] = None
        self.stopped_at: Optional[float] = None

    def __repr__(self) -> str:
        return '<VirtualMachine %s %s boot=%s %s>' % (
            self.config.name, self.config.firmware, self.config.boot,
            'running' if self.alive() else 'stopped')

    def _prepare(self) -> None:
        files = self.files
        files.directory.mkdir(parents=True, exist_ok=True)
        files.console.unlink(missing_ok=True)
        if self.config.iscsi is not None:  # the store holds the secret
            files.vars.unlink(missing_ok=True)
            files.vars.touch(mode=0o600)
            ovmfvars.write_store(OVMF_VARS, files.vars, self.config.iscsi)
        elif self.config.firmware == 'uefi':
            shutil.copyfile(OVMF_VARS, files.vars)
        else:
            files.sercon.write_bytes(SERCON_PORT)
        if self.config.boot == 'ipxe-efi':
            boot_dir = files.esp / 'EFI' / 'BOOT'
            boot_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(IPXE_EFI, boot_dir / 'BOOTX64.EFI')

    def start(self) -> 'VirtualMachine':
        """Start qemu (it returns at once; the guest boots meanwhile)."""
        if self.process is not None:
            raise VmError(name=self.config.name, reason='already started')
        self._prepare()
        argv = qemu_command(self.config, self.files, self.binary)
        (self.files.directory / 'command.txt').write_text(
            ' '.join(argv) + '\n')
        with open(self.files.qemu_log, 'ab') as log:
            try:
                self.process = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=log, start_new_session=True)
            except OSError as exc:
                raise VmError(name=self.config.name, reason=str(exc))
        self.started_at = time.monotonic()
        with _RUNNING_LOCK:
            _RUNNING.add(self)
            _USAGE.starts += 1
        return self

    def alive(self) -> bool:
        """Whether qemu still runs."""
        return self.process is not None and self.process.poll() is None

    def elapsed(self) -> float:
        """Seconds since qemu started (until it stopped)."""
        if self.started_at is None:
            return 0.0
        return (self.stopped_at or time.monotonic()) - self.started_at

    def qemu_messages(self) -> str:
        """What qemu itself wrote (warnings, errors)."""
        try:
            return self.files.qemu_log.read_text(errors='replace').strip()
        except OSError:
            return ''

    def wait_for(self, check: Callable[[str], Optional[T]], timeout: float,
                 what: str) -> T:
        """Poll the console until ``check(text)`` answers (see console)."""
        try:
            return console_mod.wait_for(self.console, check, timeout, what,
                                        self.alive)
        except VmError:
            raise VmError(name=self.config.name, reason=(
                'qemu stopped while waiting for %s; qemu said: %s; '
                'console:\n%s' % (what, self.qemu_messages()[-500:],
                                  self.console.tail())))

    def stop(self, timeout: float = 10) -> None:
        """Stop qemu and what it spawned (socat): its process group.

        SIGTERM to the group qemu leads, then SIGKILL. The group is
        signalled only while qemu is not yet reaped, so its id cannot
        belong to anyone else.
        """
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            cpu = _cpu_seconds(process.pid)
            with _RUNNING_LOCK:
                _USAGE.cpu_seconds += cpu
            self._signal_group(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                process.wait(timeout)
        with _RUNNING_LOCK:
            if self.stopped_at is None:
                self.stopped_at = time.monotonic()
                _USAGE.seconds += self.elapsed()
            _RUNNING.discard(self)

    def _signal_group(self, signum: int) -> None:
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass


def _cpu_seconds(pid: int) -> float:
    """User and system seconds of process ``pid`` (0 if it is gone)."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime: fields 14 and 15 of proc(5), 12 and 13 after ')'.
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def running() -> List[VirtualMachine]:
    """The VMs started and not yet stopped (in this process)."""
    with _RUNNING_LOCK:
        return list(_RUNNING)


def usage() -> Usage:
    """VM starts and VM-seconds of this process so far (running VMs
    count up to now)."""
    with _RUNNING_LOCK:
        return Usage(_USAGE.starts, _USAGE.seconds + sum(
            machine.elapsed() for machine in _RUNNING),
            _USAGE.cpu_seconds + sum(
                _cpu_seconds(machine.process.pid) for machine in _RUNNING
                if machine.process is not None))


@atexit.register
def stop_all() -> None:
    """Stop every VM still running (also run at interpreter exit)."""
    for machine in running():
        machine.stop()
