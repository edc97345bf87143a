"""The Debian packages the real-boot group needs, and installing them.

The group runs where only python3 and git were there at first (CI on a
fresh machine, as root), so the test session installs what is missing:
``apt-get update`` once, then ``apt-get install --no-install-recommends``
of exactly the missing packages. Whether qemu can start at all is a
separate question (:func:`qemu_problem`); only that may skip the group.

>>> sorted(PACKAGES)[:3]
['dosfstools', 'grub-common', 'grub-efi-amd64-bin']
>>> install_commands(['socat', 'nasm'])[1][-2:]
['socat', 'nasm']
"""
from __future__ import annotations

import os
import subprocess
from typing import Dict, List, Optional, Sequence

from realboot import commands
from realboot.errors import CommandFailed, CommandTimeout, PackagesMissing

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

#: How long apt may take (a fresh machine downloads about 60 MB).
APT_TIMEOUT = 900


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


def install_commands(packages: Sequence[str]) -> List[List[str]]:
    """``apt-get update``, then the install of ``packages``."""
    return [['apt-get', 'update', '-q'],
            ['apt-get', 'install', '-y', '-q', '--no-install-recommends',
             *packages]]


def ensure(packages: Sequence[str] = tuple(PACKAGES)) -> List[str]:
    """Install whichever of ``packages`` are missing; return those.

    :raises PackagesMissing: not root, or apt failed.
    """
    absent = missing(packages)
    if not absent:
        return []
    if os.geteuid() != 0:
        raise PackagesMissing(packages=' '.join(absent),
                              reason='not root: install them with apt-get')
    env = {'DEBIAN_FRONTEND': 'noninteractive'}
    try:
        for argv in install_commands(absent):
            commands.run(argv, timeout=APT_TIMEOUT, env=env)
    except (CommandFailed, CommandTimeout) as exc:
        raise PackagesMissing(packages=' '.join(absent), reason=str(exc))
    still = missing(absent)
    if still:
        raise PackagesMissing(packages=' '.join(still),
                              reason='apt-get did not install them')
    return absent


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
