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
"""The strict firmware rules at the backend, without HTTP."""
from __future__ import annotations

import pytest

from iloemu import errors
from iloemu.backends.fake import FakeBackend
from iloemu.config import ServerSpec
from iloemu.san import San
from iloemu.secret import Secret

IQN = 'iqn.2010-10.org.openstack:volume-0001'


def _strict(**settings):
    settings.setdefault('post_seconds', (0, 0))
    return FakeBackend(ServerSpec('127.0.0.2', firmware='strict',
                                  **settings))


def _attempt(**fields):
    entry = {'nic_source': 'NicBoot1', 'instance': 1, 'enabled': True,
             'target_name': IQN, 'target_ip': '192.0.2.10'}
    entry.update(fields)
    return entry


@pytest.mark.parametrize('fields,error', [
    ({'target_name': 'volume-1'}, errors.PropertyValueFormatError),
    ({'target_name': 'iqn.' + 'x' * 220}, errors.PropertyValueFormatError),
    ({'ip_address_type': 'IPv5'}, errors.PropertyValueNotInList),
    ({'chap_user': 'u' * 127}, errors.PropertyValueFormatError),
    ({'chap_secret': Secret('0x' + 'ab' * 12)},
     errors.PropertyValueFormatError),
    ({'chap_secret': Secret('')}, errors.PropertyValueFormatError),
    ({'chap_secret': None}, errors.PropertyValueFormatError),
    ({'instance': 5}, errors.PropertyValueNotInList),
])
def test_strict_registry_refuses(fields, error):
    backend = _strict()
    with pytest.raises(error) as info:
        backend.patch_iscsi(attempts=[_attempt(**fields)])
    assert '0xabab' not in str(info.value)
    assert not backend.view().iscsi[backend.spec.nics[0].mac].enabled


def test_strict_registry_accepts_blanks_but_the_secret():
    backend = _strict()
    backend.patch_iscsi(attempts=[_attempt(
        target_name='', target_ip='0.0.0.0', chap_user='',
        auth_method='None', chap_secret=Secret('x' * 16), enabled=False)])
    target = backend.view().iscsi[backend.spec.nics[0].mac]
    assert (target.iqn, target.ip_address, target.chap_user) == (
        '', '0.0.0.0', '')


def test_lenient_model_keeps_its_old_rules():
    backend = FakeBackend(ServerSpec('127.0.0.2', firmware='lenient'))
    backend.patch_iscsi(attempts=[_attempt(
        instance=9, target_name='volume-1', ip_address_type='IPv5',
        chap_secret=None)])
    assert backend.view().iscsi[backend.spec.nics[0].mac].enabled


def test_zero_post_seconds_discovers_at_once():
    backend = _strict()
    backend.patch_iscsi(attempts=[_attempt()])
    assert backend.view().iscsi_options == ()
    backend.power('On')
    view = backend.view()
    assert (view.post_state, view.iscsi_options) == (
        'FinishedPost', ('NIC.LOM.1.1.iSCSI',))


def test_instance_zero_is_ignored():
    backend = _strict()
    backend.patch_iscsi(attempts=[_attempt(instance=0)])
    backend.power('On')
    assert backend.view().iscsi_options == ()


FAILED = 'iSCSI login to %s failed: ' % IQN


@pytest.mark.parametrize('target,secret,outcome', [
    ((None, None), 'Secret-12345',
     FAILED + 'the initiator offers only CHAP, the target has no CHAP'),
    (('user', 'Secret-12345'), None,
     FAILED + 'the target requires CHAP, the initiator offers none'),
    (('user', 'Secret-12345'), 'Secret-54321',
     FAILED + 'CHAP authentication failed'),
    (('user', 'Secret-12345'), 'Secret-12345',
     'booted from iSCSI target ' + IQN),
])
def test_login_outcomes(target, secret, outcome):
    backend = _strict()
    backend.san = San()
    backend.san.add(IQN, *target)
    chap = {'auth_method': 'Chap' if secret else 'None', 'chap_user': 'user'}
    chap.update({'chap_secret': Secret(secret)} if secret else {})
    backend.patch_iscsi(attempts=[_attempt(**chap)])
    backend.power('On')
    backend.set_boot_override('Continuous', 'UefiTarget',
                              'NIC.LOM.1.1.iSCSI')
    backend.power('ForceRestart')
    assert backend.view().boots[-1].outcome == outcome
