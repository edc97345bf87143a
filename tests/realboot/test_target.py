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

"""The LUN images and the tgtd lifecycle, for real (no VM)."""
from __future__ import annotations

import os

import pytest

from realboot import commands, images
from realboot.errors import TargetError
from realboot.target import (SOCKET_DIR, ChapAccount, TargetSpec, TgtDaemon,
                             tgtadm)

IQN = 'iqn.2024-05.org.example.realboot:lifecycle'


def test_bios_image_is_a_boot_sector_with_the_marker(realboot_ready,
                                                     tmp_path):
    image = images.build_bios_lun(tmp_path / 'bios.img', 'REALBOOT bios')
    data = image.read_bytes()
    assert len(data) == images.BIOS_DISK_BYTES
    assert data[510:512] == b'\x55\xaa' and b'REALBOOT bios' in data[:512]


def test_uefi_image_holds_the_loader_at_the_removable_path(realboot_ready,
                                                           tmp_path):
    image = images.build_uefi_lun(tmp_path / 'uefi.img', 'REALBOOT uefi')
    listing = commands.run(['mdir', '-b', '-i', str(image), '::/EFI/BOOT'],
                           env=images.MTOOLS_ENV)
    assert listing.split() == ['::/EFI/BOOT/BOOTX64.EFI']
    loader = tmp_path / 'loader.efi'
    commands.run(['mcopy', '-i', str(image), '::/EFI/BOOT/BOOTX64.EFI',
                  str(loader)], env=images.MTOOLS_ENV)
    assert loader.read_bytes()[:2] == b'MZ'  # a PE image
    assert 500 * 1024 > loader.stat().st_size > 100 * 1024


def test_tgtd_serves_read_only_luns_and_leaves_no_trace(realboot_ready,
                                                        tmp_path):
    backing = tmp_path / 'lun.img'
    backing.write_bytes(b'\0' * 1024 * 1024)
    daemon = TgtDaemon(tmp_path).start()
    pid, control = daemon.process.pid, daemon.control_port
    try:
        daemon.add(TargetSpec(1, IQN, backing, lun=2,
                              initiators=('iqn.2024-05.org.example:a',),
                              chap=ChapAccount('user', 'Secret-12345')))
        with pytest.raises(TargetError, match='taken'):
            daemon.add(TargetSpec(1, IQN + '2', backing))
        with pytest.raises(TargetError) as info:
            daemon.add(TargetSpec(2, IQN + '-bad', tmp_path / 'missing.img',
                                  chap=ChapAccount('u2', 'Secret-99999')))
        assert 'Secret-99999' not in str(info.value)
        show = commands.run(tgtadm(control, '--op', 'show', '--mode',
                                   'target'))
        assert 'Target 2' not in show  # the failed one was removed
        assert 'Readonly: Yes' in show and 'iqn.2024-05.org.example:a' in show
        assert 'Account information:\n        user' in show
        assert daemon.sessions() == []
    finally:
        daemon.stop()
    assert not os.path.exists('/proc/%d' % pid) or _zombie(pid)
    assert not (SOCKET_DIR / ('socket.%d' % control)).exists()
    assert not (SOCKET_DIR / ('socket.%d.lock' % control)).exists()


def _zombie(pid: int) -> bool:
    with open('/proc/%d/stat' % pid) as stat:
        return stat.read().split(')')[1].split()[0] == 'Z'
