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

"""The backend's firmware bookkeeping, without HTTP."""
from __future__ import annotations

import pytest

from iloemu.backends.base import chap_secret_ok
from iloemu.backends.fake import FakeBackend
from iloemu.config import ServerSpec
from iloemu import errors
from iloemu.secret import Secret


@pytest.fixture
def backend():
    return FakeBackend(ServerSpec('127.0.0.2', generation=10))


def test_power_actions_follow_the_power_state(backend):
    with pytest.raises(errors.InvalidOperationForSystemState):
        backend.power('ForceOff')
    with pytest.raises(errors.InvalidOperationForSystemState):
        backend.power('ForceRestart')
    backend.power('PushPowerButton')
    assert backend.view().power == 'On'
    with pytest.raises(errors.InvalidOperationForSystemState):
        backend.power('On')
    backend.power('Nmi')
    backend.power('PressAndHold')
    assert backend.view().power == 'Off'
    with pytest.raises(errors.PropertyValueNotInList):
        backend.power('Explode')


def test_pending_settings_apply_at_power_on(backend):
    backend.patch_bios({'BootMode': 'legacybios'})
    backend.patch_iscsi('iqn.2010-10.org.example:node', [
        {'nic_source': 'NicBoot2', 'enabled': True,
         'target_name': 'iqn.t:1', 'lun': 4, 'target_ip': '192.0.2.9'}])
    view = backend.view()
    assert (view.boot_mode, view.pending_boot_mode) == ('uefi', 'legacy')
    assert view.initiator_name != view.pending_initiator_name
    backend.power('On')
    view = backend.view()
    assert view.boot_mode == 'legacy'
    assert view.initiator_name == 'iqn.2010-10.org.example:node'
    target = view.iscsi_current[backend.spec.nics[1].mac]
    assert (target.enabled, target.lun, target.ip_address) == (
        True, '4', '192.0.2.9')


def test_iscsi_attempts_merge_per_nic(backend):
    backend.patch_iscsi(attempts=[{'nic_source': 'NicBoot1',
                                   'target_name': 'iqn.t:1',
                                   'auth_method': 'Chap',
                                   'chap_secret': Secret('x' * 12)}])
    backend.patch_iscsi(attempts=[{'nic_source': 'NicBoot1',
                                   'enabled': False}])
    target = backend.view().iscsi[backend.spec.nics[0].mac]
    assert (target.iqn, target.auth_method, target.enabled) == (
        'iqn.t:1', 'Chap', False)


@pytest.mark.parametrize('entry,error', [
    ({'target_name': 'x'}, errors.PropertyMissing),
    ({'nic_source': 'NicBoot9'}, errors.PropertyValueNotInList),
    ({'nic_source': 'NicBoot1', 'target_ip': 'host'},
     errors.PropertyValueFormatError),
    ({'nic_source': 'NicBoot1', 'target_port': 70000},
     errors.PropertyValueFormatError),
    ({'nic_source': 'NicBoot1', 'lun': 'one'},
     errors.PropertyValueFormatError),
    ({'nic_source': 'NicBoot1', 'auth_method': 'Kerberos'},
     errors.PropertyValueNotInList),
    ({'nic_source': 'NicBoot1', 'colour': 'red'}, errors.PropertyUnknown),
])
def test_bad_iscsi_attempts_are_refused(backend, entry, error):
    with pytest.raises(error):
        backend.patch_iscsi(attempts=[entry])


def test_iscsi_refused_in_legacy_mode():
    backend = FakeBackend(ServerSpec('127.0.0.2', boot_mode='legacy'))
    with pytest.raises(errors.UnsupportedInLegacyBootMode):
        backend.patch_iscsi('iqn.2010-10.org.example:node')
    with pytest.raises(errors.PropertyValueNotInList):
        backend.set_boot_override('Continuous', 'UefiTarget')


def test_chap_secret_rule_when_asked_for():
    backend = FakeBackend(ServerSpec('127.0.0.2', check_chap_secret=True))
    with pytest.raises(errors.PropertyValueFormatError) as info:
        backend.patch_iscsi(attempts=[{'nic_source': 'NicBoot1',
                                       'chap_secret': Secret('short')}])
    assert 'short' not in str(info.value)
    assert chap_secret_ok('0x' + 'ab' * 16) and not chap_secret_ok('a' * 17)


def test_boot_override_validation(backend):
    with pytest.raises(errors.PropertyValueNotInList):
        backend.set_boot_override('Sometimes', 'Pxe')
    with pytest.raises(errors.PropertyValueNotInList):
        backend.set_boot_override('Once', 'Floppy')
    with pytest.raises(errors.PropertyValueNotInList):
        backend.set_boot_override(uefi_target='NIC.LOM.1.1.iSCSI')
    backend.set_boot_override('Once', 'Pxe')
    backend.power('On')
    view = backend.view()
    assert (view.boots[-1].device, view.boot_override) == ('Pxe',
                                                           'Disabled')


def test_boot_order_only_names_known_options(backend):
    backend.patch_boot_order(['NIC.LOM.1.2.IPv4', 'HD.Emb.1.1'])
    with pytest.raises(errors.PropertyValueNotInList):
        backend.patch_boot_order(['USB.Front.1.1'])
    backend.power('On')
    assert backend.view().boots[-1].device == 'NIC.LOM.1.2.IPv4'


def test_spec_defaults_and_checks():
    spec = ServerSpec('127.0.0.3', generation=9)
    assert spec.initiator_name.startswith('iqn.1986-03.com.hp:')
    assert len(ServerSpec('127.0.0.3', nics=()).nics) == 2  # defaults
    for bad in ({'generation': 8}, {'boot_mode': 'bios'}, {'power': 'Up'}):
        with pytest.raises(errors.ConfigError):
            ServerSpec('127.0.0.3', **bad)
    with pytest.raises(errors.ConfigError, match='unique'):
        ServerSpec.from_mapping({'address': '127.0.0.3', 'nics': [
            {'mac': '52:54:00:00:00:01'}, {'mac': '52:54:00:00:00:01'}]})
