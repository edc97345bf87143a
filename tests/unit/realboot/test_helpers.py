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

"""The pure helpers: scripts, forwards, command lines, console reading.

No qemu, no tgtd and no Debian package is needed here.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from realboot import console, images, ipxe, network, packages, target, vm
from realboot.errors import (ImageError, InvalidSetting, NotLoopback,
                             RealBootError, ScriptValueError)

IQN = 'iqn.2024-05.org.example:vol'
HOST = 'iqn.2024-05.org.example:host'


# -- iPXE scripts -------------------------------------------------------------
def test_script_without_login_is_one_sanboot():
    script = ipxe.boot_script(ipxe.SanTarget('10.0.2.100', 3260, 1, IQN))
    assert script == '#!ipxe\nsanboot iscsi:10.0.2.100::3260:1:%s\n' % IQN


def test_script_with_initiator_and_chap():
    script = ipxe.boot_script(
        ipxe.SanTarget('10.0.2.100', 40123, 0, IQN),
        ipxe.IscsiLogin(HOST, 'user', 'Secret-12345'))
    assert script.splitlines() == [
        '#!ipxe', 'set initiator-iqn ' + HOST, 'set username user',
        'set password Secret-12345',
        'sanboot iscsi:10.0.2.100::40123:0:' + IQN]


@pytest.mark.parametrize('lun, written', [(0, '0'), (9, '9'), (10, 'a'),
                                          (255, 'ff')])
def test_lun_is_written_in_hex_as_ipxe_reads_it(lun, written):
    uri = ipxe.sanboot_uri(ipxe.SanTarget('10.0.2.100', 3260, lun, IQN))
    assert uri == 'iscsi:10.0.2.100::3260:%s:%s' % (written, IQN)


@pytest.mark.parametrize('field, value', [
    ('port', 0), ('port', 65536), ('lun', -1), ('lun', 256),
    ('iqn', 'volume-1'), ('iqn', 'iqn.2024-05.org.example:a b'),
    ('address', '10.0.2.100 x')])
def test_bad_target_values_are_refused(field, value):
    values = dict(address='10.0.2.100', port=3260, lun=1, iqn=IQN)
    values[field] = value
    with pytest.raises(ScriptValueError):
        ipxe.sanboot_uri(ipxe.SanTarget(**values))


@pytest.mark.parametrize('secret', ['with space12', 'dollar$12345',
                                    'pipe|123456', 'hash#1234567',
                                    'semi;colon12', 'caf\u00e9-secret1'])
def test_unscriptable_secret_is_refused_without_showing_it(secret):
    with pytest.raises(ScriptValueError) as info:
        ipxe.boot_script(ipxe.SanTarget('10.0.2.100', 3260, 1, IQN),
                         ipxe.IscsiLogin(None, 'user', secret))
    assert secret not in str(info.value)
    assert 'CHAP secret' in str(info.value)


def test_chap_user_without_secret_is_refused():
    with pytest.raises(ScriptValueError, match='a user needs a secret'):
        ipxe.boot_script(ipxe.SanTarget('10.0.2.100', 3260, 1, IQN),
                         ipxe.IscsiLogin(None, 'user', None))


def test_login_repr_hides_the_secret():
    assert 'Secret-12345' not in repr(ipxe.IscsiLogin(HOST, 'u',
                                                      'Secret-12345'))


@pytest.mark.parametrize('text, verdict', [
    ('', None),
    ('Registered SAN device 0x80\r\nBooting from SAN device 0x80\r\n',
     (True, 'Booting from SAN device 0x80')),
    ('Could not open SAN device: Operation not permitted '
     '(http://ipxe.org/410de13c)',
     (False, 'Could not open SAN device: Operation not permitted')),
    ('Booting from SAN device 0x80\nBoot from SAN device 0x80 failed: '
     'Input/output error (http://ipxe.org/1d852039)',
     (False, 'Boot from SAN device 0x80 failed: Input/output error')),
    ('Could not boot: No such file or directory',
     (False, 'Could not boot: No such file or directory')),
])
def test_san_verdict(text, verdict):
    assert ipxe.san_verdict(text) == verdict


# -- network ------------------------------------------------------------------
def test_forward_keeps_the_port_and_translates_the_address():
    (forward,) = network.plan_forwards([('127.0.0.1', 40123)])
    assert forward.guest == '10.0.2.100:40123'
    assert forward.option() == (
        'tcp:10.0.2.100:40123-cmd:socat - TCP:127.0.0.1:40123')


@pytest.mark.parametrize('address', ['192.0.2.10', '10.0.2.2', '::1',
                                     'localhost', '0.0.0.0'])
def test_only_loopback_ipv4_is_forwarded(address):
    with pytest.raises(NotLoopback):
        network.plan_forwards([(address, 3260)])


def test_netdev_is_restricted_and_serves_tftp(tmp_path):
    forwards = network.plan_forwards([('127.0.0.1', 3260),
                                      ('127.0.0.5', 8080)])
    option = network.netdev_option('n0', forwards, tmp_path, 'boot.ipxe')
    assert option.split(',') == [
        'user', 'id=n0', 'restrict=on', 'tftp=%s' % tmp_path,
        'bootfile=boot.ipxe',
        'guestfwd=tcp:10.0.2.100:3260-cmd:socat - TCP:127.0.0.1:3260',
        'guestfwd=tcp:10.0.2.101:8080-cmd:socat - TCP:127.0.0.5:8080']


def test_netdev_refuses_a_comma_in_the_tftp_path(tmp_path):
    with pytest.raises(InvalidSetting):
        network.netdev_option('n0', (), tmp_path / 'a,b', 'boot.ipxe')


def test_translate_rewrites_only_forwarded_endpoints():
    forwards = network.plan_forwards([('127.0.0.1', 3260),
                                      ('127.0.0.1', 8080)])
    text = ('sanboot iscsi:127.0.0.1::3260:1:%s\n'
            'chain http://127.0.0.1:8080/boot.ipxe\n'
            'chain http://127.0.0.1:9999/other\n'
            'sanboot iscsi:127.0.0.10::3260:1:%s\n') % (IQN, IQN)
    assert network.translate(text, forwards).splitlines() == [
        'sanboot iscsi:10.0.2.100::3260:1:' + IQN,
        'chain http://10.0.2.100:8080/boot.ipxe',
        'chain http://127.0.0.1:9999/other',
        'sanboot iscsi:127.0.0.10::3260:1:' + IQN]


# -- images -------------------------------------------------------------------
def test_grub_command_embeds_the_config_with_few_modules():
    argv = images.grub_command(Path('/w/grub.cfg'), Path('/w/BOOTX64.EFI'))
    assert argv[:5] == ['grub-mkstandalone', '-O', 'x86_64-efi', '-o',
                        '/w/BOOTX64.EFI']
    assert '--install-modules=normal echo' in argv
    assert argv[-1] == 'boot/grub/grub.cfg=/w/grub.cfg'


def test_fat_commands_put_the_loader_at_the_removable_path():
    argvs = images.fat_commands(Path('/w/lun.img'), Path('/w/BOOTX64.EFI'))
    assert argvs == [
        ['mkfs.fat', '-C', '-n', 'REALBOOT', '/w/lun.img', '4096'],
        ['mmd', '-i', '/w/lun.img', '::/EFI', '::/EFI/BOOT'],
        ['mcopy', '-i', '/w/lun.img', '/w/BOOTX64.EFI',
         '::/EFI/BOOT/BOOTX64.EFI']]


def test_boot_sector_source_writes_the_marker_to_com1():
    source = images.boot_sector_source('REALBOOT MARKER bios')
    assert "db 13, 10, 'REALBOOT MARKER bios', 13, 10, 0" in source
    assert 'mov dx, 0x3f8' in source and 'dw 0xaa55' in source
    assert images.nasm_command(Path('a.asm'), Path('a.bin')) == [
        'nasm', '-f', 'bin', '-o', 'a.bin', 'a.asm']


@pytest.mark.parametrize('marker', ['', "quote'", 'new\nline', 'x' * 201])
def test_markers_that_cannot_be_embedded_are_refused(marker):
    with pytest.raises(ImageError):
        images.grub_config(marker)


# -- target -------------------------------------------------------------------
def test_target_without_initiators_lets_every_initiator_in():
    spec = target.TargetSpec(7, IQN, Path('/lun.img'), lun=3)
    argvs = target.target_commands(4711, spec)
    assert [a[:5] for a in argvs] == [['tgtadm', '-C', '4711', '--lld',
                                       'iscsi']] * 4
    assert argvs[1][5:] == ['--op', 'new', '--mode', 'logicalunit', '--tid',
                            '7', '--lun', '3', '--backing-store', '/lun.img']
    assert argvs[3][5:] == ['--op', 'bind', '--mode', 'target', '--tid', '7',
                            '--initiator-address', 'ALL']


def test_target_binds_each_initiator_and_the_chap_account():
    spec = target.TargetSpec(2, IQN, Path('/l.img'), initiators=(HOST, 'x'),
                             chap=target.ChapAccount('u', 'Secret-12345'))
    tails = [a[5:] for a in target.target_commands(1, spec)]
    assert ['--op', 'bind', '--mode', 'target', '--tid', '2',
            '--initiator-name', HOST] in tails
    assert ['--op', 'bind', '--mode', 'target', '--tid', '2',
            '--initiator-name', 'x'] in tails
    assert tails[-2:] == [
        ['--op', 'new', '--mode', 'account', '--user', 'u', '--password',
         'Secret-12345'],
        ['--op', 'bind', '--mode', 'account', '--tid', '2', '--user', 'u']]


def test_delete_and_daemon_command_lines():
    assert target.delete_command(9, 2)[5:] == [
        '--op', 'delete', '--force', '--mode', 'target', '--tid', '2']
    assert target.tgtd_command(40123, 9) == [
        'tgtd', '-f', '-C', '9', '--iscsi', 'portal=127.0.0.1:40123']


# -- VM command lines ---------------------------------------------------------
def _argv(config):
    return vm.qemu_command(config, vm.VmFiles(Path('/vm')))


def test_uefi_ipxe_vm_has_ovmf_the_ipxe_drive_and_a_restricted_nic():
    forwards = network.plan_forwards([('127.0.0.1', 3260)])
    argv = _argv(vm.VmConfig('s', 'uefi', '9c:b6:54:02:00:01', 'ipxe-efi',
                             forwards, Path('/vm/tftp'), 'boot.ipxe'))
    joined = ' '.join(argv)
    assert '-machine q35,accel=tcg,smm=off' in joined
    assert ('if=pflash,format=raw,readonly=on,file=%s' % vm.OVMF_CODE
            in argv)
    assert 'if=pflash,format=raw,file=/vm/OVMF_VARS.fd' in argv
    assert 'if=none,id=esp,format=raw,readonly=on,file=fat:/vm/esp' in argv
    assert 'virtio-blk-pci,drive=esp,bootindex=0' in argv
    assert ('virtio-net-pci,netdev=n0,mac=9c:b6:54:02:00:01,romfile='
            in argv)
    netdev = argv[argv.index('-netdev') + 1]
    assert netdev.startswith('user,id=n0,restrict=on,tftp=/vm/tftp,')
    assert '-serial' in argv and 'file:/vm/console.log' in argv


def test_legacy_network_vm_boots_the_nic_rom_with_serial_console():
    argv = _argv(vm.VmConfig('s', 'legacy', '9c:b6:54:02:00:01', 'network',
                             (), Path('/t'), 'boot.ipxe'))
    assert 'name=etc/sercon-port,file=/vm/sercon.bin' in argv
    assert ('virtio-net-pci,netdev=n0,mac=9c:b6:54:02:00:01,bootindex=0'
            in argv)
    assert not any('pflash' in a for a in argv)


def test_nothing_to_boot_vm_has_no_disk_and_no_nic():
    argv = _argv(vm.VmConfig('s', 'uefi', '9c:b6:54:02:00:01', 'none'))
    assert '-netdev' not in argv and '-device' not in argv


@pytest.mark.parametrize('settings', [
    dict(firmware='coreboot', boot='none'),
    dict(firmware='uefi', boot='floppy'),
    dict(firmware='legacy', boot='ipxe-efi'),
    dict(firmware='uefi', boot='network', tftp_dir=Path('/t')),
])
def test_impossible_vm_configs_are_refused(settings):
    with pytest.raises(InvalidSetting):
        vm.VmConfig('s', mac='52:54:00:00:00:01', **settings)


@pytest.mark.parametrize('text, meaning', [
    ('BdsDxe: starting Boot0001 "EFI Internal Shell" from Fv(...)',
     'the UEFI firmware found nothing to boot and started its shell'),
    ('Booting from Hard Disk...\nNo bootable device.',
     'the BIOS found no bootable device'),
    ('BdsDxe: starting Boot0001 "UEFI Misc Device"', None)])
def test_firmware_gave_up(text, meaning):
    assert vm.firmware_gave_up(text) == meaning


# -- console, packages, errors ------------------------------------------------
def test_console_text_drops_escapes_and_backspaces(tmp_path):
    log = tmp_path / 'console.log'
    log.write_bytes(b'\x1b[2J\x1b[01;01HPress Ctrl-B...\x08 \x08\x08 \x08ok'
                    b'\r\n\x1b[0m\x1b[37m\x1b[40mREALBOOT\r\n')
    con = console.Console(log)
    assert con.lines() == ['Press Ctrl-B.ok', 'REALBOOT']
    assert con.contains('REALBOOT') and con.tail(1) == 'REALBOOT'


def test_console_wait_times_out_with_the_tail(tmp_path):
    con = console.Console(tmp_path / 'console.log')
    (tmp_path / 'console.log').write_text('line one\nline two\n')
    with pytest.raises(RealBootError, match='(?s)marker: not seen.*'
                       'line two'):
        console.wait_for(con, lambda text: None, 0.2, 'marker')


def test_the_packages_of_the_real_boot():
    assert {'qemu-system-x86', 'ovmf', 'ipxe', 'tgt', 'socat',
            'nasm'} <= set(packages.PACKAGES)


def test_every_error_is_a_realboot_error():
    from realboot import errors
    kinds = [obj for obj in vars(errors).values()
             if isinstance(obj, type) and issubclass(obj, Exception)]
    assert all(issubclass(kind, RealBootError) for kind in kinds)


def test_check_names_the_missing_packages_and_installs_nothing(
        monkeypatch):
    calls = []

    def fake_run(argv, timeout=60, env=None):
        calls.append(list(argv))
        installed = argv[-1] == 'tgt'
        return ('install ok installed' if installed
                else 'unknown ok not-installed')

    monkeypatch.setattr(packages.commands, 'run', fake_run)
    with pytest.raises(RealBootError) as error:
        packages.check(['tgt', 'nasm', 'socat'])
    assert str(error.value) == ('Debian packages missing: nasm socat; '
                                'run ./wb deps')
    assert {argv[0] for argv in calls} == {'dpkg-query'}
    packages.check(['tgt'])


def test_qemu_problem_names_a_missing_binary():
    assert packages.qemu_problem('qemu-system-nonexistent') == (
        'qemu-system-nonexistent is not installed')


def test_a_tgtd_that_exits_at_start_is_reported(monkeypatch, tmp_path):
    monkeypatch.setattr(target, 'tgtd_command', lambda *args: [
        'sh', '-c', 'echo "-C argument value out of range"; exit 1'])
    with pytest.raises(RealBootError, match='exited at start: -C argument'):
        target.TgtDaemon(tmp_path).start(attempts=2)
    assert target._STARTED == []
