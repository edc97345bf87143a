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

"""The real proliantutils IloClient against emulated Gen9 and Gen10 iLOs.

Each test runs once per generation (``ilo``/``client`` fixtures); where
the generations differ, the expected values say how.
"""
from __future__ import annotations

from proliantutils import exception
import pytest

from iloemu import NicSpec
from iloemu.testing import ilo_client

IQN = 'iqn.2010-10.org.openstack:volume-0001'
SECRET = 'Chap-Secret-13'


def _power_on(ilo, client):
    client.set_host_power('ON')
    assert ilo.state().power == 'On'


def test_model_detection_picks_the_protocol(ilo, client):
    assert client.model == 'ProLiant DL380 Gen%d' % ilo.generation
    assert client.get_product_name() == client.model
    protocols = [r.protocol for r in ilo.log.records]
    expected = 'ris' if ilo.generation == 9 else 'redfish'
    assert protocols[0] == 'ribcl'
    assert expected in protocols
    assert hasattr(client, 'ris' if ilo.generation == 9 else 'redfish')


def test_power_on_reset_and_status(ilo, client):
    assert client.get_host_power_status() == 'OFF'
    _power_on(ilo, client)
    assert client.get_host_power_status() == 'ON'
    client.reset_server()
    assert [b.kind for b in ilo.state().boots] == ['power-on', 'reset']


def test_power_off(ilo, client, no_waits):
    _power_on(ilo, client)
    if ilo.generation == 9:
        client.set_host_power('OFF')
    else:
        # proliantutils retries until the state is 'ON' even for OFF: two
        # 7 s waits, then retrying.RetryError escapes (not an IloError).
        import retrying
        with pytest.raises(retrying.RetryError):
            client.set_host_power('OFF')
        assert no_waits.slept == [7.0, 7.0]
    assert ilo.state().power == 'Off'
    assert client.get_host_power_status() == 'OFF'


def test_boot_mode_is_pending_until_reset(ilo, client):
    _power_on(ilo, client)
    assert client.get_supported_boot_mode() == 'legacy bios and uefi'
    client.set_pending_boot_mode('legacy')
    assert client.get_current_boot_mode() == 'UEFI'
    assert client.get_pending_boot_mode() == 'LEGACY'
    assert ilo.state().pending_boot_mode == 'legacy'
    client.reset_server()
    assert client.get_current_boot_mode() == 'LEGACY'
    client.set_pending_boot_mode('uefi')
    client.reset_server()
    assert (ilo.state().boot_mode, client.get_current_boot_mode()) == (
        'uefi', 'UEFI')


def test_one_time_boot_is_used_once(ilo, client):
    assert client.get_one_time_boot() == 'Normal'
    client.set_one_time_boot('CDROM')
    assert client.get_one_time_boot() == 'CDROM'
    assert ilo.state().one_time_boot == 'Cd'
    _power_on(ilo, client)
    assert ilo.state().boots[-1].device == 'Cd'
    assert client.get_one_time_boot() == 'Normal'


@pytest.mark.parametrize('device,target', [
    ('NETWORK', 'Pxe'), ('HDD', 'Hdd'), ('CDROM', 'Cd')])
def test_persistent_boot_device(ilo, client, device, target):
    assert client.get_persistent_boot_device() == 'HDD'  # boot order
    client.update_persistent_boot([device])
    assert ilo.state().persistent_boot == target
    assert client.get_persistent_boot_device() == device


def test_persistent_iscsi_boot(lenient):
    """Lenient: the option is listed at once (strict: test_strict.py)."""
    ilo, client = lenient, ilo_client(lenient)
    client.set_iscsi_info(IQN, 1, '192.0.2.10')
    client.update_persistent_boot(['ISCSI'])
    state = ilo.state()
    assert (state.persistent_boot, state.uefi_target) == (
        'UefiTarget', 'NIC.LOM.1.1.iSCSI')
    # Gen9 (RIS) reports ISCSI; Gen10 (Redfish) maps UefiTarget to NETWORK.
    assert client.get_persistent_boot_device() == (
        'ISCSI' if ilo.generation == 9 else 'NETWORK')
    _power_on(ilo, client)
    assert ilo.state().boots[-1].device == 'NIC.LOM.1.1.iSCSI'


def test_iscsi_without_target_cannot_be_a_boot_device(ilo, client):
    with pytest.raises(exception.IloError, match='No UEFI iSCSI bootable'):
        client.update_persistent_boot(['ISCSI'])


def test_set_iscsi_info_all_nics_no_chap(ilo, client):
    client.set_iscsi_info(IQN, 1, '192.0.2.10', '3261')
    targets = ilo.state().iscsi
    assert sorted(targets) == [n.mac for n in ilo.spec.nics]
    for instance, nic in enumerate(ilo.spec.nics, start=1):
        t = targets[nic.mac]
        assert (t.enabled, t.iqn, t.lun, t.ip_address, t.port) == (
            True, IQN, '1', '192.0.2.10', 3261)
        assert (t.auth_method, t.chap_user, t.chap_secret) == (
            'None', None, None)
        assert t.attempt_instance == instance
    # Pending until the next reset, as BIOS settings are:
    assert not any(t.enabled for t in ilo.state().iscsi_current.values())
    _power_on(ilo, client)
    assert all(t.enabled for t in ilo.state().iscsi_current.values())


def test_set_iscsi_info_with_chap(ilo, client):
    client.set_iscsi_info(IQN, 0, '192.0.2.10', auth_method='CHAP',
                          username='chap-user', password=SECRET)
    for target in ilo.state().iscsi.values():
        assert (target.auth_method, target.chap_user) == ('Chap',
                                                          'chap-user')
        assert target.chap_secret.reveal() == SECRET


def test_set_and_unset_iscsi_info_for_one_mac(ilo, client):
    first, second = (n.mac for n in ilo.spec.nics)
    client.set_iscsi_info(IQN, 2, '192.0.2.10', macs=[second])
    targets = ilo.state().iscsi
    assert (targets[second].enabled, targets[second].iqn) == (True, IQN)
    assert targets[second].attempt_instance == 1  # numbered per call
    assert (targets[first].enabled, targets[first].iqn) == (False, '')
    client.set_iscsi_info(IQN, 2, '192.0.2.10', macs=[first])
    client.unset_iscsi_info(macs=[second])
    targets = ilo.state().iscsi
    assert (targets[first].enabled, targets[second].enabled) == (True,
                                                                 False)


def test_unset_iscsi_info_disables_every_attempt(ilo, client):
    client.set_iscsi_info(IQN, 1, '192.0.2.10')
    client.unset_iscsi_info()
    targets = ilo.state().iscsi.values()
    assert not any(t.enabled for t in targets)
    # A PATCH merges: the target stays written, only disabled.
    assert all(t.iqn == IQN for t in targets)


def test_set_without_chap_after_chap_keeps_the_chap_settings(ilo, client):
    client.set_iscsi_info(IQN, 1, '192.0.2.10', auth_method='CHAP',
                          username='chap-user', password=SECRET)
    client.set_iscsi_info(IQN, 1, '192.0.2.10')
    target = next(iter(ilo.state().iscsi.values()))
    # proliantutils sends no iSCSIAuthenticationMethod without CHAP:
    assert (target.auth_method, target.chap_user) == ('Chap', 'chap-user')


def test_ipv6_portal(lenient):
    """Lenient: the address type follows the address (strict: none)."""
    ilo, client = lenient, ilo_client(lenient)
    client.set_iscsi_info(IQN, 3, 'fd00::5', '3260')
    client.update_persistent_boot(['ISCSI'])
    target = ilo.state().iscsi[ilo.spec.nics[0].mac]
    assert (target.ip_address, target.lun) == ('fd00::5', '3')


def test_unknown_mac_is_refused_before_any_write(ilo, client):
    with pytest.raises(exception.InvalidInputError,
                       match='aa:bb:cc:dd:ee:ff'):
        client.set_iscsi_info(IQN, 1, '192.0.2.10',
                              macs=['aa:bb:cc:dd:ee:ff'])
    assert not [r for r in ilo.log.records if r.method == 'PATCH']
    # Not an IloError: a caller catching IloError does not see it.
    assert not issubclass(exception.InvalidInputError, exception.IloError)


def test_upper_case_mac_is_refused_by_proliantutils(ilo, client):
    with pytest.raises(exception.InvalidInputError):
        client.unset_iscsi_info(macs=[ilo.spec.nics[0].mac.upper()])


def test_nic_that_cannot_boot(fleet):
    ilo = fleet.add(generation=10, nics=(
        NicSpec('52:54:00:00:00:01'),
        NicSpec('52:54:00:00:00:02', boot_capable=False)))
    client = ilo_client(ilo)
    client.set_iscsi_info(IQN, 1, '192.0.2.10')
    assert list(ilo.state().iscsi) == ['52:54:00:00:00:01']
    with pytest.raises(IndexError):  # proliantutils finds no NicBoot name
        client.set_iscsi_info(IQN, 1, '192.0.2.10',
                              macs=['52:54:00:00:00:02'])


def test_initiator_name_is_pending_until_reset(ilo, client):
    default = ilo.spec.initiator_name
    assert client.get_iscsi_initiator_info() == default
    client.set_iscsi_initiator_info('iqn.2010-10.org.openstack:node-1')
    state = ilo.state()
    assert state.pending_initiator_name == 'iqn.2010-10.org.openstack:node-1'
    assert client.get_iscsi_initiator_info() == default  # still current
    _power_on(ilo, client)
    assert client.get_iscsi_initiator_info() == (
        'iqn.2010-10.org.openstack:node-1')
    assert ilo.state().boots[-1].initiator_name == (
        'iqn.2010-10.org.openstack:node-1')


def test_bios_mode_refuses_iscsi(fleet, ilo):
    legacy = fleet.add(generation=ilo.generation, boot_mode='legacy')
    client = ilo_client(legacy)
    in_bios = exception.IloCommandNotSupportedInBiosError
    with pytest.raises(in_bios):
        client.set_iscsi_info(IQN, 1, '192.0.2.10')
    with pytest.raises(in_bios):
        client.unset_iscsi_info()
    if legacy.generation == 9:
        assert client.get_iscsi_initiator_info() == (
            legacy.spec.initiator_name)
        with pytest.raises(exception.IloCommandNotSupportedError) as info:
            client.set_iscsi_initiator_info('iqn.2010-10.org.a:b')
        assert not isinstance(info.value, in_bios)
    else:
        with pytest.raises(in_bios):
            client.get_iscsi_initiator_info()
        with pytest.raises(in_bios):
            client.set_iscsi_initiator_info('iqn.2010-10.org.a:b')
    with pytest.raises(exception.IloError, match='No UEFI iSCSI bootable'):
        client.update_persistent_boot(['ISCSI'])
    assert client.get_persistent_boot_device() is None
    assert not [r for r in legacy.log.records if r.method == 'PATCH']


def test_virtual_media_eject_and_secure_boot(ilo, client):
    ilo.backend.insert_media('CDROM', 'http://192.0.2.1/boot.iso')
    assert ilo.state().media['CDROM'] == 'http://192.0.2.1/boot.iso'
    client.eject_virtual_media('CDROM')
    client.eject_virtual_media('FLOPPY')
    assert ilo.state().media == {'FLOPPY': None, 'CDROM': None}
    assert client.get_secure_boot_mode() is False
