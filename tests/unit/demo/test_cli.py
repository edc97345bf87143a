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

"""The CLI demo's pure parts: commands as typed, state lines, verdicts."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from demo import cli
from demo.steps import Printer
from iloemu.secret import Secret

SECRET = 'Cinder-secret16c'
ENDPOINT = ['--os-auth-type', 'none', '--os-endpoint', 'http://127.0.0.1:1']


@pytest.mark.parametrize('argv,shown', [
    (['openstack', *ENDPOINT, 'baremetal', 'node', 'deploy', 'n', '--wait',
      '300'], 'openstack baremetal node deploy n --wait 300'),
    (['openstack', *ENDPOINT, 'baremetal', 'node', 'show', 'n', '-f',
      'json'], 'openstack baremetal node show n'),
    (['cinder', '--os-auth-type', 'noauth', '--os-user-id', 'admin',
      '--os-project-id', 'admin', '--os-endpoint', 'http://x/v3', 'manage',
      '--name', 'v', 'services@sparse#sparse', 'f'],
     'cinder manage --name v services@sparse#sparse f'),
])
def test_typed(argv, shown):
    assert cli.typed(argv) == shown


def test_node_line_in_transition():
    node = {'name': 'demo-gen9', 'provision_state': 'deploying',
            'target_provision_state': 'active', 'power_state': 'power off',
            'last_error': 'boom'}
    assert cli.node_line(node) == (
        'node demo-gen9: deploying -> active, power off, last_error boom')


def test_ilo_lines_show_enabled_attempts_without_the_secret():
    target = SimpleNamespace(
        mac='9c:b6:54:02:00:01', enabled=True, iqn='iqn.x:v', lun='0',
        ip_address='127.0.0.1', port=3260, auth_method='Chap',
        chap_user='u', chap_secret=Secret(SECRET))
    off = SimpleNamespace(mac='9c:b6:54:02:00:02', enabled=False, iqn='')
    view = SimpleNamespace(
        power='On', boot_override='Continuous', boot_target='UefiTarget',
        uefi_target='NIC.LOM.1.1.iSCSI', iscsi={'a': target, 'b': off},
        machine='booted from iSCSI target iqn.x:v')
    lines = cli.ilo_lines(view)
    assert lines == [
        'power On, boot device persistent: UefiTarget NIC.LOM.1.1.iSCSI',
        'iSCSI 9c:b6:54:02:00:01 enabled  iqn.x:v LUN 0 at 127.0.0.1:3260, '
        'CHAP user u, secret set',
        'machine booted from iSCSI target iqn.x:v']


def test_ilo_lines_without_an_attempt():
    view = SimpleNamespace(power='Off', boot_override='Disabled',
                           boot_target='None', uefi_target='None', iscsi={},
                           machine=None)
    assert cli.ilo_lines(view) == [
        'power Off, boot device none set (boot order)',
        'iSCSI no enabled attempt']


@pytest.mark.parametrize('server,status', [
    (cli.Server(9, 'ilo-virtual-media', marker_seconds=9.0), 0),
    (cli.Server(9, 'ilo-virtual-media', error='timeout'), 1),
    (cli.Server(10, 'ilo-pxe', marker_seconds=9.0,
                left=['m: attempt enabled']), 1),
])
def test_summary_status(server, status, capsys):
    assert cli.summary([server], 1.0, Printer()) == status


def test_a_failed_boot_says_why(capsys):
    server = cli.Server(10, 'ilo-pxe', error='VM x: iSCSI boot failed')
    cli.summary([server], 1.0, Printer())
    assert 'FAIL  Gen10, ilo-pxe: the VM printed the marker: VM x: iSCSI ' \
        'boot failed' in capsys.readouterr().out


def test_a_line_holding_a_secret_fails_the_demo(capsys):
    out = Printer()
    out.secrets.append(SECRET)
    out('console | %s' % SECRET)
    server = cli.Server(9, 'ilo-virtual-media', marker_seconds=9.0)
    assert (cli.summary([server], 1.0, out), SECRET in
            capsys.readouterr().out) == (1, False)


@pytest.mark.parametrize('argv', [['--boot-timeout', '0'],
                                  ['--boot-timeout', '-1']])
def test_a_timeout_must_be_positive(argv):
    with pytest.raises(SystemExit):
        cli.parse_args(argv)


@pytest.mark.parametrize('argv', [[], ['--boot']])
def test_the_vms_boot_with_or_without_boot(argv):
    """``./wb demo --boot`` (issue 14's command) runs the CLI demo."""
    assert cli.parse_args(argv).boot_timeout == cli.DEFAULT_TIMEOUT


def test_shown_cli_prints_and_runs_a_command(tmp_path, capsys):
    """Each command through the client's runner: typed, run, timed."""
    from services.layout import Layout
    fake = tmp_path / 'client-venv' / 'bin' / 'cinder'
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho "| status | available |"\n')
    fake.chmod(0o755)
    shown = cli.ShownCli(Layout(tmp_path / 'services', build=tmp_path),
                         Printer())
    assert shown.cinder('list') == '| status | available |\n'
    out = capsys.readouterr().out
    assert ('$ cinder' in out, ' 0 iLO requests' in out) == (True, True)
