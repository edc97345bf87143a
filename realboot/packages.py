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

"""The Debian packages the real boot needs, and whether they are there.

The real-boot group and ``python -m demo --boot`` only check: they never
install. What is missing is named in one line that says to run ``./wb
deps`` (the workbench installs the packages of ``bindep.txt``). Whether
qemu can start at all is a separate question (:func:`qemu_problem`).

>>> sorted(PACKAGES)[:3]
['dosfstools', 'grub-common', 'grub-efi-amd64-bin']
>>> str(PackagesMissing(packages='socat nasm'))
'Debian packages missing: socat nasm; run ./wb deps'
"""
from __future__ import annotations

import subprocess
from typing import Dict, List, Optional, Sequence

from realboot import commands
from realboot.errors import CommandFailed, PackagesMissing

#: Package -> what the group uses from it.
PACKAGES: Dict[str, str] = {
    'qemu-system-x86': 'qemu-system-x86_64 (TCG)',
    'seabios': 'the legacy BIOS (a dependency of qemu, named for clarity)',
    'ipxe-qemu': "virtio-net option ROM: the legacy BIOS's PXE/iPXE",
    'ovmf': 'UEFI firmware: OVMF_CODE.fd and OVMF_VARS.fd',
    'ipxe': 'ipxe.efi, standing in for the firmware iSCSI initiator',
    'grub-common': 'grub-mkstandalone',
    'grub-efi-amd64-bin': 'the x86_64-efi GRUB modules of the UEFI LUN',
    'dosfstools': 'mkfs.fat for the UEFI LUN',
    'mtools': 'mmd/mcopy to fill the UEFI LUN without mounting it',
    'nasm': 'assembles the boot sector of the BIOS LUN',
    'socat': 'forwards the guest to the loopback iSCSI portal',
    'tgt': 'tgtd/tgtadm: the iSCSI target',
}


def missing(packages: Sequence[str] = tuple(PACKAGES)) -> List[str]:
    """The packages of ``packages`` that dpkg does not list as installed."""
    absent = []
    for name in packages:
        try:
            status = commands.run(['dpkg-query', '-W', '-f=${Status}',
                                   name], timeout=60)
        except CommandFailed:
            status = ''
        if not status.strip().endswith(' installed'):
            absent.append(name)
    return absent


def check(packages: Sequence[str] = tuple(PACKAGES)) -> None:
    """Nothing if every one of ``packages`` is installed.

    :raises PackagesMissing: naming the missing ones (one line).
    """
    absent = missing(packages)
    if absent:
        raise PackagesMissing(packages=' '.join(absent))


def qemu_problem(binary: str = 'qemu-system-x86_64',
                 timeout: float = 60) -> Optional[str]:
    """Why qemu cannot start a q35 TCG machine here, or None if it can.

    The machine is created stopped (``-S``) and told to quit on its
    monitor, so the probe costs no guest CPU.
    """
    argv = [binary, '-machine', 'q35,accel=tcg,smm=off', '-nodefaults',
            '-no-user-config', '-display', 'none', '-serial', 'none',
            '-S', '-monitor', 'stdio']
    try:
        proc = subprocess.run(argv, input='quit\n', capture_output=True,
                              text=True, timeout=timeout)
    except FileNotFoundError:
        return '%s is not installed' % binary
    except subprocess.TimeoutExpired:
        return 'the probe did not quit within %d s' % timeout
    except OSError as exc:
        return str(exc)
    if proc.returncode != 0:
        return ' '.join(proc.stderr.split())[-300:] or 'exit %d' % (
            proc.returncode)
    return None


def boot_problem() -> Optional[str]:
    """Why a VM cannot boot here (a Debian package missing, saying to run
    ``./wb deps``; qemu unable to start a TCG machine), or None."""
    try:
        check()
    except PackagesMissing as exc:
        return str(exc)
    problem = qemu_problem()
    if problem:
        return 'qemu cannot start a TCG machine here: %s' % problem
    return None
