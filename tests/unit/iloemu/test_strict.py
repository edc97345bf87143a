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
"""The strict firmware model, seen through the real proliantutils client.

Every test names its model (``firmware='strict'`` or ``'lenient'``), so
the tests hold whatever ``DEFAULT_FIRMWARE`` is. The iLOs live in the
fleet of ``conftest.py``.
"""
from __future__ import annotations

import time

from proliantutils import exception
import pytest

from iloemu import NicSpec, ServerSpec
from iloemu.config import DEFAULT_FIRMWARE, FIRMWARE_MODELS
from iloemu.testing import ilo_client

IQN = 'iqn.2010-10.org.openstack:volume-0001'
IQN2 = 'iqn.2010-10.org.openstack:volume-0002'
SECRET = 'tenant-secret-1'
NO_OPTION = 'No UEFI iSCSI bootable device found'
GENS = pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])


def strict(fleet, gen, **settings):
    settings.setdefault('post_seconds', (0.2, 0.4))
    return fleet.add(generation=gen, firmware='strict', **settings)


def wait_post(client, state='InPostDiscoveryComplete', limit=5.0):
    """Poll get_host_post_state as a driver would, until ``state``."""
    order = ('InPost', 'InPostDiscoveryComplete', 'FinishedPost')
    seen = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        now = client.get_host_post_state()
        if not seen or seen[-1] != now:
            seen.append(now)
        if now in order and order.index(now) >= order.index(state):
            return seen
        time.sleep(0.05)
    raise AssertionError('POST stuck: %s' % seen)


def post_cycle(client):
    """Power on, wait for discovery, power off: the driver's cycle."""
    client.set_host_power('ON')
    wait_post(client)
    _power_off(client)


def _power_off(client):
    # Gen10 set_host_power('OFF') waits for 'ON' (see README); the
    # button press is one request on both generations.
    client.hold_pwr_btn()


def test_one_default_constant():
    assert DEFAULT_FIRMWARE in FIRMWARE_MODELS
    assert ServerSpec('127.0.0.100').firmware == DEFAULT_FIRMWARE
    with pytest.raises(Exception, match='firmware'):
        ServerSpec('127.0.0.100', firmware='picky')
    with pytest.raises(Exception, match='post_seconds'):
        ServerSpec('127.0.0.100', post_seconds=(1, 0.5))


# -- item 1: a modelled POST ------------------------------------------------
@GENS
def test_post_moves_through_its_states(fleet, gen):
    ilo = strict(fleet, gen, post_seconds=(0.6, 1.2))
    client = ilo_client(ilo)
    assert client.get_host_post_state() == 'PowerOff'
    client.set_host_power('ON')
    seen = wait_post(client, 'FinishedPost')
    assert seen == ['InPost', 'InPostDiscoveryComplete', 'FinishedPost']
    assert ilo.state().post_state == 'FinishedPost'
    _power_off(client)
    assert client.get_host_post_state() == 'PowerOff'


@GENS
def test_lenient_model_has_no_post(fleet, gen):
    ilo = fleet.add(generation=gen, firmware='lenient')
    client = ilo_client(ilo)
    client.set_host_power('ON')
    assert client.get_host_post_state() == 'FinishedPost'


@GENS
def test_pending_settings_apply_when_post_starts(fleet, gen):
    ilo = strict(fleet, gen, boot_mode='legacy', post_seconds=(5, 10))
    client = ilo_client(ilo)
    client.set_pending_boot_mode('uefi')
    assert client.get_current_boot_mode() == 'LEGACY'
    client.set_host_power('ON')
    assert client.get_host_post_state() == 'InPost'
    assert client.get_current_boot_mode() == 'UEFI'
    client.set_iscsi_initiator_info('iqn.2010-10.org.openstack:node')
    client.reset_server()
    assert client.get_iscsi_initiator_info() == (
        'iqn.2010-10.org.openstack:node')


# -- item 2: the iSCSI boot option exists only after a POST -----------------
@GENS
def test_iscsi_option_only_after_discovery(fleet, gen):
    ilo = strict(fleet, gen, post_seconds=(0.5, 1.0))
    client = ilo_client(ilo)
    client.set_iscsi_info(IQN, 1, '192.0.2.10')
    with pytest.raises(exception.IloError, match=NO_OPTION):
        client.update_persistent_boot(['ISCSI'])
    client.set_host_power('ON')
    assert client.get_host_post_state() == 'InPost'
    with pytest.raises(exception.IloError, match=NO_OPTION):
        client.update_persistent_boot(['ISCSI'])
    assert ilo.state().iscsi_options == ()
    wait_post(client)
    _power_off(client)  # the options stay listed while the server is off
    client.update_persistent_boot(['ISCSI'])
    view = ilo.state()
    assert view.iscsi_options == ('NIC.LOM.1.1.iSCSI', 'NIC.LOM.1.2.iSCSI')
    assert view.persistent_boot == 'UefiTarget'


@GENS
def test_power_off_before_discovery_discovers_nothing(fleet, gen):
    ilo = strict(fleet, gen, post_seconds=(5, 10))
    client = ilo_client(ilo)
    client.set_iscsi_info(IQN, 1, '192.0.2.10')
    client.set_host_power('ON')
    _power_off(client)
    with pytest.raises(exception.IloError, match=NO_OPTION):
        client.update_persistent_boot(['ISCSI'])


@GENS
def test_lenient_model_lists_a_pending_attempt(fleet, gen):
    ilo = fleet.add(generation=gen, firmware='lenient')
    client = ilo_client(ilo)
    client.set_iscsi_info(IQN, 1, '192.0.2.10')
    client.update_persistent_boot(['ISCSI'])
    assert ilo.state().persistent_boot == 'UefiTarget'


# -- item 5: the boot override after unset ----------------------------------
@GENS
def test_disabled_attempt_and_its_stale_override(fleet, gen):
    ilo = strict(fleet, gen)
    client = ilo_client(ilo)
    mac = ilo.spec.nics[0].mac
    client.set_iscsi_info(IQN, 1, '192.0.2.10', macs=[mac])
    post_cycle(client)
    client.update_persistent_boot(['ISCSI'])
    client.unset_iscsi_info(macs=[mac])
    assert ilo.state().iscsi_options == ('NIC.LOM.1.1.iSCSI',)  # until POST
    client.set_host_power('ON')
    wait_post(client)
    view = ilo.state()
    assert view.iscsi_options == ()
    # The override stays as written; it no longer resolves, and the
    # firmware boots the boot order instead.
    assert (view.persistent_boot, view.uefi_target) == (
        'UefiTarget', 'NIC.LOM.1.1.iSCSI')
    assert view.boots[-1].device == 'HD.Emb.1.1'
    reported = client.get_persistent_boot_device()
    assert reported == ('ISCSI' if gen == 9 else 'NETWORK')
    client.update_persistent_boot(['HDD'])  # what clears it
    assert client.get_persistent_boot_device() == 'HDD'


# -- item 3: IPv6 portals ---------------------------------------------------
@GENS
def test_ipv6_portal_gives_no_option_under_ipv4(fleet, gen):
    ilo = strict(fleet, gen)
    client = ilo_client(ilo)
    client.set_iscsi_info(IQN, 1, '2001:db8::10')
    post_cycle(client)
    view = ilo.state()
    assert {t.ip_address_type for t in view.iscsi_current.values()} == {
        'IPv4'}
    assert view.iscsi_options == ()
    with pytest.raises(exception.IloError, match=NO_OPTION):
        client.update_persistent_boot(['ISCSI'])


def test_ipv6_portal_with_its_address_type_boots(fleet):
    ilo = strict(fleet, 10)
    ilo.backend.patch_iscsi(attempts=[{
        'nic_source': 'NicBoot1', 'instance': 1, 'enabled': True,
        'target_name': IQN, 'target_ip': '2001:db8::10',
        'ip_address_type': 'IPv6'}])
    ilo.backend.power('On')
    time.sleep(0.25)
    assert ilo.state().iscsi_options == ('NIC.LOM.1.1.iSCSI',)


@GENS
def test_lenient_model_infers_the_address_type(fleet, gen):
    ilo = fleet.add(generation=gen, firmware='lenient')
    ilo_client(ilo).set_iscsi_info(IQN, 1, '2001:db8::10')
    view = ilo.state()
    assert {t.ip_address_type for t in view.iscsi.values()} == {'IPv6'}
    assert len(view.iscsi_options) == 2


# -- item 7: four NIC sources at most ---------------------------------------
SIX_NICS = tuple(NicSpec('52:54:00:00:01:%02x' % n) for n in range(1, 7))


@GENS
def test_at_most_four_sources(fleet, gen):
    ilo = strict(fleet, gen, nics=SIX_NICS)
    client = ilo_client(ilo)
    with pytest.raises(exception.IloError, match='ArraySizeTooLong|at most 4'):
        client.set_iscsi_info(IQN, 1, '192.0.2.10')  # all six NICs
    assert not any(t.enabled for t in ilo.state().iscsi.values())
    client.set_iscsi_info(IQN, 1, '192.0.2.10',
                          macs=[n.mac for n in SIX_NICS[:4]])
    with pytest.raises(exception.IloError, match='ArraySizeTooLong|at most 4'):
        client.set_iscsi_info(IQN, 1, '192.0.2.10', macs=[SIX_NICS[4].mac])
    assert sum(t.enabled for t in ilo.state().iscsi.values()) == 4


def test_lenient_model_takes_six_sources(fleet):
    ilo = fleet.add(generation=10, firmware='lenient', nics=SIX_NICS)
    ilo_client(ilo).set_iscsi_info(IQN, 1, '192.0.2.10')
    assert all(t.enabled for t in ilo.state().iscsi.values())


# -- item 8: a NIC without a NicBoot mapping --------------------------------
@GENS
def test_nic_without_nicboot_fails_inside_proliantutils(fleet, gen):
    nics = (NicSpec('52:54:00:00:02:01'),
            NicSpec('52:54:00:00:02:02', boot_capable=False))
    ilo = strict(fleet, gen, nics=nics)
    client = ilo_client(ilo)
    for call in (lambda: client.set_iscsi_info(IQN, 1, '192.0.2.10',
                                               macs=[nics[1].mac]),
                 lambda: client.unset_iscsi_info(macs=[nics[1].mac])):
        with pytest.raises(IndexError):
            call()


# -- item 4: what tear down can scrub ---------------------------------------
def _chap_deploy(client, mac):
    client.set_iscsi_info(IQN, 1, '192.0.2.10', auth_method='CHAP',
                          username='tenant-user', password=SECRET,
                          macs=[mac])


@GENS
def test_strict_registry_refuses_blank_address_and_secret(fleet, gen):
    ilo = strict(fleet, gen)
    client = ilo_client(ilo)
    mac = ilo.spec.nics[0].mac
    for ip, secret in (('', 'filler-secret-16'), ('0.0.0.0', ''),
                       ('0.0.0.0', None), ('0.0.0.0', '0x' + 'ab' * 12),
                       ('0.0.0.0', 'x' * 17)):
        with pytest.raises(exception.IloError) as info:
            client.set_iscsi_info('', 0, ip, auth_method='CHAP',
                                  username='', password=secret, macs=[mac])
        assert not secret or secret not in str(info.value)
    assert not ilo.state().iscsi[mac].enabled


@GENS
def test_scrub_through_public_calls_leaves_the_chap_method(fleet, gen):
    """set_iscsi_info(blank target, 0.0.0.0, CHAP, '', filler) + unset."""
    ilo = strict(fleet, gen)
    client = ilo_client(ilo)
    mac = ilo.spec.nics[0].mac
    _chap_deploy(client, mac)
    client.set_iscsi_info('', 0, '0.0.0.0', auth_method='CHAP',
                          username='', password='filler-secret-16',
                          macs=[mac])
    client.unset_iscsi_info(macs=[mac])
    target = ilo.state().iscsi[mac]
    assert (target.enabled, target.iqn, target.ip_address, target.lun,
            target.chap_user) == (False, '', '0.0.0.0', '0', '')
    assert target.chap_secret.reveal() == 'filler-secret-16'
    assert target.auth_method == 'Chap'  # no public call writes 'None'


def _change(client, gen, info, macs):
    """The private proliantutils helper behind set/unset_iscsi_info."""
    if gen == 9:
        client.ris._change_iscsi_settings(info, macs)
    else:
        client.redfish._change_iscsi_target_settings(info, macs)


@GENS
def test_full_scrub_through_the_private_helper(fleet, gen):
    ilo = strict(fleet, gen)
    client = ilo_client(ilo)
    mac = ilo.spec.nics[0].mac
    _chap_deploy(client, mac)
    enable = 'iSCSIBootEnable' if gen == 9 else 'iSCSIConnection'
    lun = 'iSCSIBootLUN' if gen == 9 else 'iSCSILUN'
    _change(client, gen, {
        enable: 'Disabled', 'iSCSITargetName': '', lun: '0',
        'iSCSITargetIpAddress': '0.0.0.0', 'iSCSIAuthenticationMethod':
        'None', 'iSCSIChapUsername': '', 'iSCSIChapSecret':
        'filler-secret-16'}, [mac])
    target = ilo.state().iscsi[mac]
    assert (target.enabled, target.iqn, target.ip_address,
            target.auth_method, target.chap_user) == (
        False, '', '0.0.0.0', 'None', '')
    assert target.chap_secret.reveal() == 'filler-secret-16'


@GENS
def test_stale_chap_fails_the_next_login(fleet, gen):
    ilo = strict(fleet, gen)
    fleet.san.add(IQN, 'tenant-user', SECRET)
    fleet.san.add(IQN2)  # no CHAP
    client = ilo_client(ilo)
    mac = ilo.spec.nics[0].mac
    _chap_deploy(client, mac)
    post_cycle(client)
    client.update_persistent_boot(['ISCSI'])
    client.set_host_power('ON')
    assert ilo.state().boots[-1].outcome == 'booted from iSCSI target ' + IQN
    _power_off(client)
    client.unset_iscsi_info(macs=[mac])  # today's tear down
    client.set_iscsi_info(IQN2, 1, '192.0.2.10', macs=[mac])
    client.set_host_power('ON')
    outcome = ilo.state().boots[-1].outcome
    assert outcome == ('iSCSI login to %s failed: the initiator offers only '
                       'CHAP, the target has no CHAP' % IQN2)
    _change(client, gen, {'iSCSIAuthenticationMethod': 'None'}, [mac])
    client.reset_server()
    assert ilo.state().boots[-1].outcome == (
        'booted from iSCSI target ' + IQN2)


def test_lenient_model_does_not_check_logins(fleet):
    ilo = fleet.add(generation=10, firmware='lenient')
    fleet.san.add(IQN2)
    client = ilo_client(ilo)
    client.set_iscsi_info(IQN2, 1, '192.0.2.10', auth_method='CHAP',
                          username='u', password=SECRET)
    client.update_persistent_boot(['ISCSI'])
    client.set_host_power('ON')
    assert ilo.state().boots[-1].outcome is None
