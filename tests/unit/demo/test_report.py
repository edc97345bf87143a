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

"""The demo's readable lines, from real emulator state views."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from iloemu.config import NicSpec, ServerSpec
from iloemu.secret import Secret
from iloemu import state as emu_state

from demo import report

SECRET = 'Never-Shown-42'


def _view(**changes):
    spec = ServerSpec('127.0.0.9', generation=9, nics=(
        NicSpec('9c:b6:54:09:00:01'), NicSpec('9c:b6:54:09:00:02')))
    server = emu_state.initial_state(spec)
    attempt = server.iscsi_pending.attempts['NicBoot1']
    attempt.enabled = True
    attempt.target_name = 'iqn.2010-10.org.openstack:volume-1'
    attempt.lun = '3'
    attempt.target_ip = '2001:db8::10'
    attempt.target_port = 3261
    attempt.auth_method = 'Chap'
    attempt.chap_user = 'ironic-chap'
    attempt.chap_secret = Secret(SECRET)
    server.iscsi_pending.initiator_name = 'iqn.2017-11.org.example:n1'
    server.boot.enabled = 'Continuous'
    server.boot.target = 'UefiTarget'
    server.boot.uefi_target = 'NIC.LOM.1.1.iSCSI'
    for name, value in changes.items():
        setattr(server, name, value)
    return emu_state.view(server)


def test_state_lines_show_the_target_never_the_secret():
    lines = report.state_lines(_view())
    text = '\n'.join(lines)
    assert text.find(SECRET) == -1
    assert 'boot device  persistent: UefiTarget NIC.LOM.1.1.iSCSI' in lines
    assert ('iSCSI        9c:b6:54:09:00:01 enabled  '
            'iqn.2010-10.org.openstack:volume-1 LUN 3 at '
            '[2001:db8::10]:3261, CHAP user ironic-chap, secret set') in lines
    assert 'iSCSI        9c:b6:54:09:00:02 disabled' in lines
    initiator = [line for line in lines if line.startswith('initiator')][0]
    assert initiator.endswith('(pending: iqn.2017-11.org.example:n1)')


def test_state_lines_name_the_last_boot():
    boot = emu_state.BootRecord('power-on', 'uefi', 'NIC.LOM.1.1.iSCSI',
                                'iqn.2017-11.org.example:n1')
    lines = report.state_lines(_view(boots=[boot]))
    assert lines[-1] == ('last boot    power-on in UEFI mode from '
                         'NIC.LOM.1.1.iSCSI as iqn.2017-11.org.example:n1')


def test_pending_boot_mode_is_shown():
    server = emu_state.initial_state(ServerSpec('127.0.0.9',
                                                boot_mode='legacy'))
    server.bios_pending.attributes['BootMode'] = 'Uefi'
    lines = report.state_lines(emu_state.view(server))
    assert 'boot mode    legacy BIOS (pending: UEFI)' in lines


@pytest.mark.parametrize('ok, detail, line', [
    (True, 'ignored', 'ok    it works'),
    (False, None, 'FAIL  it works'),
    (False, 'because', 'FAIL  it works: because'),
])
def test_check_lines(ok, detail, line):
    assert report.Check('it works', ok, detail).line() == line


def Rec(method):  # noqa: N802 (reads as the record it stands for)
    return SimpleNamespace(method=method)


def test_count_table_aligns_long_cells():
    table = report.count_table(['prepare_instance', 'power on'], {
        'Gen9 ilo-virtual-media': {
            'prepare_instance': [Rec('GET')] * 34 + [Rec('PATCH')] * 4,
            'power on': [Rec('POST')]},
        'Gen10 ilo-pxe': {'prepare_instance': [Rec('GET')]}})
    lines = table.splitlines()
    assert lines[0].split() == ['step', 'Gen9', 'ilo-virtual-media',
                                'Gen10', 'ilo-pxe']
    column = lines[0].index('Gen10')
    assert lines[1][column:] == '1 request (GET 1)'
    assert lines[1][:column].rstrip().endswith('(GET 34, PATCH 4)')
    assert lines[2].endswith('-')
