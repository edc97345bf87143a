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

"""The demo's checks and verdict, on state views made up for them."""
from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from harness.logcheck import Leak
from harness.nodes import NodeSpec, VolumeSpec

from demo import steps

MAC = '9c:b6:54:02:00:01'
OTHER = '9c:b6:54:02:00:02'
CHAP = 'Chap-secret-77'


def _run():
    scenario = steps.SCENARIOS[1]
    spec = NodeSpec('n', '127.0.0.3', 'Administrator', 'pw',
                    [MAC], 'iqn.2017-11.org.example.bm:n',
                    scenario.boot_interface)
    volume = VolumeSpec('iqn.v:1', 1, scenario.portal, 'ironic-chap', CHAP)
    return steps.Run(scenario, None, 'uuid', spec, volume)


def _target(mac, enabled=True, secret=CHAP):
    return NS(mac=mac, enabled=enabled, iqn='iqn.v:1', lun='1',
              ip_address='192.0.2.10', port=3261, auth_method='Chap',
              chap_user='ironic-chap',
              chap_secret=NS(reveal=lambda: secret) if secret else None)


def _view(**changes):
    view = dict(power='Off', boot_override='Continuous',
                boot_target='UefiTarget', uefi_target='NIC.LOM.1.1.iSCSI',
                pending_initiator_name='iqn.2017-11.org.example.bm:n',
                iscsi={MAC: _target(MAC), OTHER: _target(OTHER, False)},
                boots=())
    view.update(changes)
    return NS(**view)


INFO = {steps.RECORD_KEYS[0]: True, steps.RECORD_KEYS[1]: [MAC]}


def _failed(checks):
    return [c.what for c in checks if not c.ok]


def test_prepare_checks_pass_on_the_expected_state():
    run = _run()
    assert _failed(steps.checks_for('prepare_instance', run, _view(),
                                    INFO, None)) == []


@pytest.mark.parametrize('changes, info, failing', [
    ({'iscsi': {MAC: _target(MAC, secret='other'),
                OTHER: _target(OTHER, False)}}, INFO,
     'and the CHAP secret of the volume'),
    ({'iscsi': {MAC: _target(MAC), OTHER: _target(OTHER)}}, INFO,
     'no other NIC has a target'),
    ({'pending_initiator_name': 'iqn.1986-03.com.hp:x'}, INFO,
     "the firmware will present the connector's IQN"),
    ({'boot_override': 'Disabled'}, INFO,
     'persistent boot from the UEFI iSCSI boot option'),
    ({}, {}, 'ironic records the target'),
])
def test_prepare_checks_fail_on_each_difference(changes, info, failing):
    checks = steps.checks_for('prepare_instance', _run(),
                              _view(**changes), info, None)
    assert _failed(checks) == [failing]


def test_power_on_checks_the_boot_record():
    run = _run()
    good = NS(kind='power-on', boot_mode='uefi', device='NIC.LOM.1.1.iSCSI',
              initiator_name=run.spec.initiator_iqn)
    assert _failed(steps.checks_for(
        'power on', run, _view(power='On', boots=(good,)), INFO, None)) == []
    wrong = NS(kind='power-on', boot_mode='uefi', device='HD.Emb.1.1',
               initiator_name='iqn.1986-03.com.hp:x')
    assert len(_failed(steps.checks_for(
        'power on', run, _view(power='On', boots=(wrong,)), INFO,
        None))) == 2
    assert len(_failed(steps.checks_for(
        'power on', run, _view(), INFO, None))) == 3


def test_boot_device_and_clean_up_checks():
    run = _run()
    assert _failed(steps.checks_for(
        'get_boot_device', run, _view(), INFO,
        {'boot_device': 'iscsiboot', 'persistent': True})) == []
    assert _failed(steps.checks_for(
        'get_boot_device', run, _view(), INFO,
        {'boot_device': 'pxe', 'persistent': True})) != []
    clean = _view(iscsi={MAC: _target(MAC, False)})
    assert _failed(steps.checks_for('clean_up_instance', run, clean,
                                    {}, None)) == []
    assert len(_failed(steps.checks_for(
        'clean_up_instance', run, _view(power='On'), INFO, None))) == 3


def test_printer_withholds_a_line_with_a_secret(capsys):
    out = steps.Printer()
    out.secrets.append(CHAP)
    out('fine line')
    out('oops %s' % CHAP)
    printed = capsys.readouterr().out
    assert printed.find(CHAP) == -1
    assert out.withheld == 1
    assert 'withheld' in printed.splitlines()[1]


def test_summary_verdict(capsys):
    run = _run()
    out = steps.Printer()
    assert steps.summary([run], [], 10, out) == 0
    run.failed = 1
    assert steps.summary([run], [], 10, out) == 1
    run.failed = 0
    assert steps.summary(
        [run], [Leak('sushy.connector', 'DEBUG', 1, 'message')], 10,
        out) == 1
    assert 'from: sushy.connector' in capsys.readouterr().out
