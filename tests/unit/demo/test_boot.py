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

"""``--boot``: option parsing, the console excerpt, the verdict, the
work folder; no VM, no tgtd, no ironic step runs here."""
from __future__ import annotations

import argparse
import stat
from pathlib import Path

import pytest

from demo import boot
from demo import main as demo_main
from demo.steps import Printer, summary
from realboot.served import ChapAccount, ServedVolume, target_spec

SECRET = 'Chap-secret-77'


def test_without_boot_there_are_no_boot_options():
    args, options = demo_main.parse_args([])
    assert options is None and args.keep is None


def test_boot_defaults_gen10_ilo_pxe_with_chap():
    _, options = demo_main.parse_args(['--boot'])
    assert options == boot.BootOptions(10, 'ilo-pxe', True,
                                       boot.DEFAULT_TIMEOUT)


@pytest.mark.parametrize('argv, want', [
    (['--boot-generation', '9'],
     boot.BootOptions(9, 'ilo-virtual-media', True, boot.DEFAULT_TIMEOUT)),
    (['--boot-generation', '9', '--boot-interface', 'ilo-pxe'],
     boot.BootOptions(9, 'ilo-pxe', True, boot.DEFAULT_TIMEOUT)),
    (['--no-boot-chap', '--boot-timeout', '40'],
     boot.BootOptions(10, 'ilo-pxe', False, 40.0)),
    (['--boot-chap'], boot.BootOptions()),
])
def test_boot_options(argv, want):
    assert demo_main.parse_args(['--boot'] + argv)[1] == want


@pytest.mark.parametrize('argv, message', [
    (['--boot-generation', '9'], '--boot-generation needs --boot'),
    (['--no-boot-chap'], '--boot-chap needs --boot'),
    (['--boot', '--boot-timeout', '0'], 'must be more than 0'),
    (['--boot', '--boot-generation', '8'], 'invalid choice'),
])
def test_boot_option_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo_main.parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_names_apart_from_the_demo():
    name = boot.names(10)
    assert name == {
        'node': 'demo-boot-gen10',
        'connector': 'iqn.2017-11.org.example.bm:demo-boot-gen10',
        'volume': 'iqn.2010-10.org.openstack:volume-demo-boot-gen10'}


CONSOLE = '\n'.join([
    'BdsDxe: loading Boot0001 "UEFI Misc Device" from PciRoot(0x0)',
    'BdsDxe: starting Boot0001 "UEFI Misc Device" from PciRoot(0x0)',
    'iPXE 1.0.0+git-20190125.36a4c85-5.1 -- Open Source Network Boot',
    '',
    'tftp://10.0.2.2/boot.ipxe... ok',
    'set password %s' % SECRET,
    'Registered SAN device 0x80',
    'Booting from SAN device 0x80',
    'Welcome to GRUB!',
    boot.MARKER,
    'after the marker',
])


def test_console_excerpt_from_ipxe_to_the_marker_without_secrets():
    lines = boot.console_excerpt(CONSOLE, boot.MARKER, [SECRET])
    assert lines[0].startswith('iPXE 1.0.0')
    assert lines[-1] == boot.MARKER
    assert 'set password ******' in lines
    assert all(SECRET not in line for line in lines)
    assert '' not in lines


def test_console_excerpt_keeps_the_last_lines():
    lines = boot.console_excerpt(CONSOLE, boot.MARKER, [SECRET], limit=3)
    assert lines == ['Booting from SAN device 0x80', 'Welcome to GRUB!',
                     boot.MARKER]


def test_console_excerpt_of_a_failed_boot_ends_with_ipxes_words():
    text = ('iPXE 1.0.0\nConfiguring (net0)... ok\n'
            'Could not open SAN device: Operation not permitted '
            '(http://ipxe.org/410de13c)\n')
    lines = boot.console_excerpt(text, boot.MARKER)
    assert lines[-1].startswith('Could not open SAN device: Operation')


def test_console_excerpt_without_ipxe_shows_the_firmware():
    text = 'BdsDxe: failed to load Boot0001\nShell> '
    assert boot.console_excerpt(text, boot.MARKER) == [
        'BdsDxe: failed to load Boot0001', 'Shell>']


def test_the_marker_can_go_into_grub():
    from realboot import images
    assert images.grub_config(boot.MARKER) == 'echo "%s"\n' % boot.MARKER


def test_summary_counts_the_real_boot(capsys):
    out = Printer()
    seen = boot.BootResult(boot.BootOptions(), seconds=15.0)
    assert summary([], [], 10, out, seen) == 0
    assert 'ok    real boot: the VM printed the marker 15.0 s' in (
        capsys.readouterr().out)
    missed = boot.BootResult(boot.BootOptions(), error='WaitTimeout')
    assert summary([], [], 10, out, missed) == 1
    printed = capsys.readouterr().out
    assert 'FAIL  real boot: the VM printed the marker: WaitTimeout' in printed
    assert printed.rstrip().endswith('1 check(s) failed')


def test_reason_drops_the_console_the_error_announces():
    assert boot.reason("'M' on the console: not seen within 4 s; last "
                       "console lines:\niPXE") == (
        "'M' on the console: not seen within 4 s")
    assert boot.reason('plain') == 'plain'


def test_a_failed_step_fails_the_boot_even_with_the_marker():
    result = boot.BootResult(boot.BootOptions(), seconds=15.0)
    result.run = argparse.Namespace(failed=2)
    assert result.failed() == 2


def test_served_volume_names_its_portal_and_target():
    daemon = argparse.Namespace(port=36143)
    volume = ServedVolume('iqn.2010-10.org.openstack:v', 1,
                          'iqn.2017-11.org.example.bm:n', boot.MARKER,
                          ChapAccount('u', SECRET), daemon)
    assert volume.portal == '127.0.0.1:36143'
    assert SECRET not in repr(volume)
    spec = target_spec(volume, Path('/w/lun.img'))
    assert spec.initiators == ('iqn.2017-11.org.example.bm:n',)
    assert spec.chap.secret == SECRET and spec.lun == 1


@pytest.mark.parametrize('argv', [
    ['--boot', '--boot-generation', '9', '--boot-interface', 'ilo-pxe',
     '--no-boot-chap', '--boot-timeout', '90'],
    ['--boot-timeout', '90', '--no-boot-chap', '--boot',
     '--boot-interface', 'ilo-pxe', '--boot-generation', '9'],
])
def test_the_demo_defines_every_boot_option(argv):
    assert demo_main.parse_args(argv)[1] == boot.BootOptions(
        9, 'ilo-pxe', False, 90.0)


def test_keep_dir_is_the_owners_only(tmp_path):
    keep = tmp_path / 'kept' / 'demo'
    assert demo_main.work_dir(keep) == keep
    assert stat.S_IMODE(keep.stat().st_mode) == 0o700
    keep.chmod(0o755)  # an existing folder is narrowed too
    demo_main.work_dir(keep)
    assert stat.S_IMODE(keep.stat().st_mode) == 0o700
    made = demo_main.work_dir(None)
    try:
        assert stat.S_IMODE(made.stat().st_mode) == 0o700
    finally:
        made.rmdir()


def test_no_qemu_is_a_clear_refusal(monkeypatch):
    from realboot import packages
    monkeypatch.setattr(packages, 'check', lambda: None)
    monkeypatch.setattr(packages, 'qemu_problem',
                        lambda: 'qemu-system-x86_64 is not installed')
    with pytest.raises(boot.BootUnavailable) as error:
        boot.check_host()
    assert str(error.value) == ('qemu cannot start a TCG machine here: '
                                'qemu-system-x86_64 is not installed')


def test_missing_packages_are_a_one_line_refusal(monkeypatch):
    from realboot import packages
    monkeypatch.setattr(packages, 'missing', lambda names: ['tgt', 'socat'])
    with pytest.raises(boot.BootUnavailable) as error:
        boot.check_host()
    assert str(error.value) == ('Debian packages missing: tgt socat; '
                                'run ./wb deps')
