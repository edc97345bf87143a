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

"""LUN images built at test time from Debian packages; no download.

* UEFI: a FAT file system holding ``\\EFI\\BOOT\\BOOTX64.EFI``, a GRUB made
  by ``grub-mkstandalone -O x86_64-efi`` whose embedded ``grub.cfg``
  echoes a marker (GRUB writes to the UEFI console, which OVMF copies to
  the serial port).
* Legacy BIOS: a 512-byte boot sector assembled by ``nasm`` from the
  source below; it writes the marker to COM1 and halts. The image is
  16 MiB: iPXE gives a SAN disk 255 heads x 63 sectors and reads the
  boot sector by cylinder/head/sector, so a disk under one such cylinder
  (7.8 MiB) has no cylinder 0 and the read fails ("Input/output error").

>>> print(grub_config('REALBOOT uefi-lun'), end='')
echo "REALBOOT uefi-lun"
>>> 'REALBOOT bios-lun' in boot_sector_source('REALBOOT bios-lun')
True
>>> boot_sector_source("it's")
Traceback (most recent call last):
...
realboot.errors.ImageError: cannot build the image boot sector: the \
marker "it's" may hold only letters, digits, space and _.:=-
"""
from __future__ import annotations

from pathlib import Path
import re
import tempfile
from typing import List

from realboot import commands
from realboot.errors import ImageError

_MARKER = re.compile(r'^[A-Za-z0-9 _.:=-]{1,200}$')
#: FAT image size (KiB) and BIOS disk size (bytes).
FAT_KIB = 4096
BIOS_DISK_BYTES = 16 * 1024 * 1024
#: Environment for mtools: no ~/.mtoolsrc, no geometry complaints.
MTOOLS_ENV = {'MTOOLS_SKIP_CHECK': '1'}

BOOT_SECTOR = """\
; A BIOS boot sector that writes its marker to COM1 and halts.
bits 16
org 0x7c00
start:
    cli
    xor ax, ax
    mov ds, ax
    mov si, message
next_char:
    lodsb                   ; al = [ds:si], si += 1
    test al, al
    jz done
    mov bl, al
    mov dx, 0x3fd           ; COM1 line status register
wait_ready:
    in al, dx
    test al, 0x20           ; transmitter holding register empty?
    jz wait_ready
    mov al, bl
    mov dx, 0x3f8           ; COM1 data register
    out dx, al
    jmp next_char
done:
    hlt
    jmp done
message:
    db 13, 10, '%(marker)s', 13, 10, 0
    times 510 - ($ - $$) db 0
    dw 0xaa55
"""


def check_marker(image: str, marker: str) -> str:
    """``marker`` if it can go into nasm and GRUB source unquoted."""
    if not _MARKER.match(marker):
        raise ImageError(image=image, reason='the marker "%s" may hold only '
                         'letters, digits, space and _.:=-' % marker)
    return marker


def boot_sector_source(marker: str) -> str:
    """The nasm source of the BIOS boot sector."""
    return BOOT_SECTOR % {'marker': check_marker('boot sector', marker)}


def nasm_command(source: Path, output: Path) -> List[str]:
    """Assemble ``source`` into a flat binary."""
    return ['nasm', '-f', 'bin', '-o', str(output), str(source)]


def grub_config(marker: str) -> str:
    """The GRUB configuration embedded in the UEFI boot loader."""
    return 'echo "%s"\n' % check_marker('grub.cfg', marker)


def grub_command(config: Path, output: Path) -> List[str]:
    """A standalone x86_64 EFI GRUB with ``config`` as its grub.cfg.

    Only the modules it needs (``normal`` reads the configuration, ``echo``
    runs it): 0.5 MB instead of the 5 MB of every module, which the guest
    would read over iSCSI.
    """
    return ['grub-mkstandalone', '-O', 'x86_64-efi', '-o', str(output),
            '--install-modules=normal echo', '--locales=', '--themes=',
            '--fonts=', 'boot/grub/grub.cfg=%s' % config]


def fat_commands(image: Path, efi_binary: Path,
                 label: str = 'REALBOOT') -> List[List[str]]:
    """A FAT file system in ``image``, the loader at the removable path.

    The removable-media path is ``\\EFI\\BOOT\\BOOTX64.EFI``.
    """
    spec = '-i', str(image)
    return [['mkfs.fat', '-C', '-n', label, str(image), str(FAT_KIB)],
            ['mmd', *spec, '::/EFI', '::/EFI/BOOT'],
            ['mcopy', *spec, str(efi_binary), '::/EFI/BOOT/BOOTX64.EFI']]


def build_uefi_lun(image: Path, marker: str) -> Path:
    """Build the UEFI LUN image at ``image``; return it."""
    with tempfile.TemporaryDirectory(prefix='realboot-grub-') as tmp:
        config = Path(tmp) / 'grub.cfg'
        config.write_text(grub_config(marker))
        loader = Path(tmp) / 'BOOTX64.EFI'
        commands.run(grub_command(config, loader), timeout=120)
        image.unlink(missing_ok=True)
        for argv in fat_commands(image, loader):
            commands.run(argv, timeout=60, env=MTOOLS_ENV)
    return image


def build_bios_lun(image: Path, marker: str) -> Path:
    """Build the legacy BIOS LUN image at ``image``; return it."""
    with tempfile.TemporaryDirectory(prefix='realboot-mbr-') as tmp:
        source = Path(tmp) / 'bootsector.asm'
        source.write_text(boot_sector_source(marker))
        binary = Path(tmp) / 'bootsector.bin'
        commands.run(nasm_command(source, binary), timeout=60)
        sector = binary.read_bytes()
    if len(sector) != 512 or sector[-2:] != b'\x55\xaa':
        raise ImageError(image=str(image), reason='nasm made %d bytes '
                         'without the 55 AA signature' % len(sector))
    with open(image, 'wb') as disk:
        disk.write(sector)
        disk.truncate(BIOS_DISK_BYTES)
    return image
