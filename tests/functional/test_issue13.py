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

"""Issue 13, item by item, through the conductor's path.

Every deploy and tear down is ironic's conductor's (``lab.deploy``,
``lab.tear_down``: :mod:`harness.provision`): the interfaces' validation
as the API and ``do_node_deploy`` run it (``CinderStorage.validate``
included), the deploy with the volumes attached through a stubbed
Cinder API, the tear down with the detach. After every tear down,
nothing of the tenant is left on the emulated iLO. The test names carry
the item (``test_a1_...``, ``test_b4_...``); README lists them.
"""
from __future__ import annotations

import re
import time

import pytest

from iloemu import DelayRule, DropRule, FaultPlan, HttpErrorRule, NicSpec
from iloemu.testing import ilo_client
from ironic.common import boot_devices
from ironic.common import exception
from ironic.conf import CONF
from ironic.drivers.modules.ilo import common as ilo_common
from ironic import objects

from harness import nodes
from harness.logcheck import secret_free
from harness.nodes import VolumeSpec
from harness.provision import ValidationFailed
from tests.functional import expect

GENS = pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
INTERFACES = ('ilo-pxe', 'ilo-virtual-media')
ISCSI_SETTINGS = '*/bios/iscsi/settings'
IPV6_PORTAL = expect.PORTALS['ipv6'][0]
STRICT_ONLY = pytest.mark.firmware('strict', reason=(
    'the lenient model has no POST discovery and no iSCSI login'))


@pytest.fixture
def no_ipxe():
    """``[pxe]ipxe_enabled = False``: the conductor's other PXE nodes
    stay on plain PXE."""
    CONF.set_override('ipxe_enabled', False, 'pxe')
    yield
    CONF.clear_override('ipxe_enabled', 'pxe')


def _nine_nics(count):
    return tuple(NicSpec('9c:b6:54:0d:00:%02x' % n)
                 for n in range(1, count + 1))


def _deployed(lab, node):
    """Deploy through the conductor; it must end active, no error."""
    deployed = lab.deploy(node)
    assert (deployed.provision_state, deployed.last_error) == (
        'active', None)
    return deployed


def _torn_down(lab, node):
    """Tear down through the conductor; nothing of the tenant is left."""
    undeployed = lab.tear_down(node)
    assert (undeployed.provision_state, undeployed.last_error) == (
        'available', None)
    expect.assert_nothing_left(lab, node)


def _refused(lab, node):
    """The deploy is refused at validation: no iLO write, node available.

    Returns the failing interfaces and their reasons.
    """
    node.ilo.log.clear()
    with pytest.raises(ValidationFailed) as refusal:
        lab.deploy(node)
    assert expect.writes(node.ilo.log.records) == []
    after = objects.Node.get_by_uuid(lab.context, node.uuid)
    assert after.provision_state == 'available'
    assert secret_free(str(refusal.value), lab.secrets)
    return refusal.value.failed


def _port_off(lab, node, mac):
    """The port of ``mac`` no longer PXE boots."""
    port = objects.Port.get_by_address(lab.context, mac)
    port.pxe_enabled = False
    port.save()


def _remove_port(lab, mac):
    objects.Port.get_by_address(lab.context, mac).destroy()


def _wait_post(ilo, state='FinishedPost', timeout=10.0):
    """Until the emulated server's POST reaches ``state``."""
    deadline = time.monotonic() + timeout
    while ilo.state().post_state != state and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ilo.state().post_state == state


# -- A.1 storage validation without global iPXE -------------------------------
@GENS
@pytest.mark.parametrize('iface', INTERFACES)
def test_a1_firmware_boot_validates_without_ipxe(lab, no_ipxe, gen, iface):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, iface, provision_state='available',
                      volume=lab.volume(cinder=True))
    results = lab.conductor.validate(node.uuid)
    assert [results[name]['result'] for name in ('power', 'deploy', 'boot',
                                                 'storage')] == [True] * 4
    _deployed(lab, node)
    view = ilo.state()
    expect.assert_target(view, node, 'ipv4')
    assert view.boots[-1].device == view.uefi_target
    _torn_down(lab, node)


@GENS
def test_a1_bios_ilo_pxe_still_needs_ipxe(lab, no_ipxe, gen):
    ilo = lab.ilo(gen, boot_mode='legacy')
    node = lab.enroll(ilo, 'ilo-pxe', boot_mode='bios',
                      provision_state='available', volume=lab.volume())
    failed = _refused(lab, node)
    assert 'ipxe_enabled' in failed['storage']


@GENS
def test_a1_bios_ilo_pxe_validates_with_ipxe(lab, gen):
    ilo = lab.ilo(gen, boot_mode='legacy')
    node = lab.enroll(ilo, 'ilo-pxe', boot_mode='bios',
                      provision_state='available', volume=lab.volume())
    assert lab.conductor.validate(node.uuid)['storage'] == {'result': True}


# -- A.2 mountpoint, A.3 done once --------------------------------------------
@GENS
def test_a2_attach_sends_a_mountpoint(lab, gen):
    """The Cinder stub refuses a null mountpoint as Cinder >= 13 does."""
    ilo = lab.ilo(gen)
    volume = lab.volume(cinder=True)
    node = lab.enroll(ilo, provision_state='available', volume=volume)
    _deployed(lab, node)
    assert lab.cinder.status(volume.volume_id) == 'in-use'
    assert ('attach', volume.volume_id) in lab.cinder.calls
    assert lab.cinder.connectors[-1]['initiator'] == node.spec.initiator_iqn
    _torn_down(lab, node)
    assert lab.cinder.status(volume.volume_id) == 'available'


@GENS
def test_a3_deploy_ends_active_without_error(lab, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-virtual-media', provision_state='available',
                      volume=lab.volume(cinder=True))
    deployed = lab.deploy(node)
    assert (deployed.provision_state, deployed.target_provision_state,
            deployed.last_error) == ('active', None, None)
    _torn_down(lab, node)


# -- B.4 one POST cycle -------------------------------------------------------
@GENS
@pytest.mark.parametrize('iface', INTERFACES)
def test_b4_legacy_server_deploys_in_uefi(lab, firmware, gen, iface):
    """A legacy server deploys in UEFI, then the next deploy runs no POST
    cycle (power on, discovery, power off): the option is listed, the
    mode current.

    The first deploy needs two cycles, not the one issue 13 B.4 allows:
    proliantutils' ``set_iscsi_info`` writes only while the CURRENT boot
    mode is UEFI (``_is_boot_mode_uefi`` reads ``get_current_boot_mode``),
    so one cycle makes the pending UEFI mode current before the target
    can be written, and the option is listed only after the next POST
    (strict model; the lenient one lists it at once: one cycle).
    """
    ilo = lab.ilo(gen, boot_mode='legacy')
    node = lab.enroll(ilo, iface, provision_state='available',
                      volume=lab.volume(cinder=True))
    before = len(ilo.state().boots)
    _deployed(lab, node)
    view = ilo.state()
    # The mode's cycle, the option's cycle (strict), then the boot.
    cycles = {'strict': 2, 'lenient': 1}[firmware]
    assert len(view.boots) - before == cycles + 1
    assert not [boot for boot in view.boots[before:before + cycles]
                if boot.device.endswith('.iSCSI')]
    assert (view.boot_mode, view.boots[-1].device) == (
        'uefi', view.uefi_target)
    _redeploy_boots_without_a_cycle(lab, ilo, node)


@GENS
def test_b4_uefi_server_listed_option_needs_no_post_cycle(lab, gen):
    ilo = lab.ilo(gen)
    first = lab.enroll(ilo, provision_state='available',
                       volume=lab.volume(cinder=True))
    _deployed(lab, first)
    _redeploy_boots_without_a_cycle(lab, ilo, first)


def _redeploy_boots_without_a_cycle(lab, ilo, node):
    """Once the instance's POST has listed the option, tear down and
    deploy a new volume: one boot, no POST cycle."""
    _wait_post(ilo)
    _torn_down(lab, node)
    node = lab.attach(node, lab.volume(cinder=True))
    before = len(ilo.state().boots)
    _deployed(lab, node)
    assert len(ilo.state().boots) - before == 1
    _torn_down(lab, node)


# -- B.5 IPv6 portals ---------------------------------------------------------
@GENS
@pytest.mark.parametrize('iface', INTERFACES)
def test_b5_ipv6_portal_refused_at_validate(lab, gen, iface):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, iface, provision_state='available',
                      volume=lab.volume(portal=IPV6_PORTAL))
    failed = _refused(lab, node)
    assert 'ipv6' in failed['boot'].lower()
    assert 'ipxe' in failed['boot'].lower()


@STRICT_ONLY
@GENS
def test_b5_emulator_lists_no_option_for_a_mismatched_address(lab, gen):
    """proliantutils writes no iSCSIIpAddressType (IPv4 by default): an
    IPv6 target gives no boot option even after a POST."""
    ilo = lab.ilo(gen)
    client = ilo_client(ilo)
    mac = ilo.spec.nics[0].mac
    client.set_iscsi_info('iqn.2010-10.org.openstack:volume-v6', 1,
                          '2001:db8::10', macs=[mac])
    client.set_host_power('ON')
    _wait_post(ilo)
    view = ilo.state()
    assert view.iscsi[mac].ip_address_type == 'IPv4'
    assert view.iscsi_options == ()
    with pytest.raises(Exception, match='No UEFI iSCSI bootable device'):
        client.update_persistent_boot(['ISCSI'])


# -- B.6 CHAP secret rule -----------------------------------------------------
def _chap_volume(secret):
    return VolumeSpec(nodes.unique(nodes.VOLUME_PREFIX), 1, nodes.PORTAL,
                      nodes.chap_user(), secret)


@pytest.mark.parametrize('gen, secret', [
    (9, 'Eleven-char'), (10, 'Seventeen-chars-x'),
    (9, '0x' + '0123456789abcdef' * 2),
], ids=['gen9-11', 'gen10-17', 'gen9-hex-32'])
def test_b6_chap_secret_refused(lab, gen, secret):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-virtual-media', provision_state='available',
                      volume=_chap_volume(secret))
    failed = _refused(lab, node)
    assert '12' in failed['boot'] and '16' in failed['boot']


@pytest.mark.parametrize('gen, secret', [
    (9, 'Twelve-chars'), (10, 'Sixteen-chars-xy'),
    (10, 'Twelve-chars'), (9, 'Sixteen-chars-xy'),
], ids=['gen9-12', 'gen10-16', 'gen10-12', 'gen9-16'])
def test_b6_chap_secret_accepted(lab, gen, secret):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-pxe', provision_state='available',
                      volume=_chap_volume(secret))
    _deployed(lab, node)
    expect.assert_target(ilo.state(), node, 'ipv4')
    _torn_down(lab, node)


# -- B.7 NIC scope ------------------------------------------------------------
@GENS
def test_b7_only_pxe_enabled_ports_get_attempts(lab, gen):
    ilo = lab.ilo(gen, nics=_nine_nics(3))
    node = lab.enroll(ilo, ports=2, provision_state='available',
                      volume=lab.volume(cinder=True))
    pxe, other = node.port_macs
    _port_off(lab, node, other)
    _deployed(lab, node)
    view = ilo.state()
    assert sorted(expect.enabled_targets(view)) == [pxe]
    assert lab.info(node)[expect.MACS_KEY] == [pxe]
    assert [t for t in expect.tenant_data(view, node) if other in t] == []
    undeployed = lab.tear_down(node)
    assert undeployed.provision_state == 'available'
    expect.assert_no_target(ilo.state())
    assert [t for t in expect.tenant_data(ilo.state(), node)
            if t.startswith('pending')] == []


@pytest.mark.parametrize('gen, ports, reason', [
    (9, 0, 'pxe'), (10, 0, 'pxe'), (9, 5, '4|four'), (10, 5, '4|four'),
], ids=['gen9-none', 'gen10-none', 'gen9-five', 'gen10-five'])
def test_b7_port_count_refused(lab, gen, ports, reason):
    ilo = lab.ilo(gen, nics=_nine_nics(5))
    node = lab.enroll(ilo, ports=ports, provision_state='available',
                      volume=lab.volume(cinder=True))
    failed = _refused(lab, node)
    assert re.search(reason, failed['boot'].lower())


@GENS
def test_b7_mac_without_nicboot_names_the_mac(lab, gen):
    ilo = lab.ilo(gen, nics=(NicSpec('9c:b6:54:0e:00:01'),
                             NicSpec('9c:b6:54:0e:00:02',
                                     boot_capable=False)))
    stranger = '9c:b6:54:0e:00:02'
    node = lab.enroll(ilo, macs=[stranger], provision_state='available',
                      volume=lab.volume(cinder=True))
    with pytest.raises(exception.IloOperationError, match=stranger) as error:
        lab.run(node, lambda task:
                task.driver.management.set_iscsi_boot_target(task))
    assert secret_free(str(error.value), lab.secrets)
    failed = lab.deploy(node)
    assert failed.provision_state == 'deploy failed'
    assert stranger in failed.last_error
    assert secret_free(failed.last_error, lab.secrets)
    undeployed = lab.tear_down(node)
    assert undeployed.provision_state == 'available'
    expect.assert_no_target(ilo.state())


# -- B.8 tear down leaves nothing ---------------------------------------------
@GENS
@pytest.mark.parametrize('iface', INTERFACES)
def test_b8_tear_down_leaves_nothing_of_the_tenant(lab, gen, iface):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, iface, provision_state='available',
                      volume=lab.volume(cinder=True))
    _deployed(lab, node)
    assert lab.run(node, lambda task: task.driver.management
                   .get_boot_device(task))['boot_device'] == \
        boot_devices.ISCSIBOOT
    _torn_down(lab, node)
    assert ilo.state().power == 'Off'


@STRICT_ONLY
@GENS
def test_b8_tenants_without_chap_boot_one_after_another(lab, gen):
    """The same NIC, two tenants without CHAP: the tear down between them
    leaves no CHAP method the firmware would offer to the second."""
    ilo = lab.ilo(gen)
    first = lab.enroll(ilo, provision_state='available',
                       volume=lab.volume(chap=False))
    _deployed(lab, first)
    _torn_down(lab, first)
    second = lab.attach(first, lab.volume(chap=False))
    _deployed(lab, second)
    assert ilo.state().boots[-1].outcome == (
        'booted from iSCSI target %s' % second.volume.iqn)
    _torn_down(lab, second)


@STRICT_ONLY
@pytest.mark.xfail(strict=True, reason=(
    'no proliantutils call sets iSCSIAuthenticationMethod back to None: '
    'set_iscsi_info writes the method only for CHAP'))
@GENS
def test_b8_next_tenant_without_chap_boots(lab, gen):
    """The same NIC, a tenant with CHAP, then one without: the firmware
    offers no stale CHAP to the second target (its login succeeds)."""
    ilo = lab.ilo(gen)
    first = lab.enroll(ilo, provision_state='available',
                       volume=lab.volume(cinder=True))
    _deployed(lab, first)
    _torn_down(lab, first)
    second = lab.attach(first, lab.volume(chap=False))
    _deployed(lab, second)
    view = ilo.state()
    assert view.boots[-1].outcome == (
        'booted from iSCSI target %s' % second.volume.iqn)
    expect.assert_nothing_applied(view, first)
    _torn_down(lab, second)


# -- B.9 record before write --------------------------------------------------
LOST_ANSWERS = {
    'http500-after-applying': FaultPlan(http_errors=(
        HttpErrorRule(ISCSI_SETTINGS, 'PATCH', apply=True, times=1),)),
    'dropped-after-applying': FaultPlan(drops=(
        DropRule(ISCSI_SETTINGS, 'PATCH', times=1),)),
}


@pytest.mark.parametrize('gen, fault', [
    (9, 'http500-after-applying'), (10, 'http500-after-applying'),
    (9, 'dropped-after-applying'),
], ids=['gen9-500', 'gen10-500', 'gen9-drop'])
def test_b9_applied_write_whose_answer_is_lost_is_cleared(lab, no_waits,
                                                          gen, fault):
    """The connector's IQN is held already, so the first iSCSI write is
    the target's; the deploy fails, the tear down clears it."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, provision_state='available',
                      connector=ilo.spec.initiator_name,
                      volume=lab.volume(cinder=True))
    with ilo.faults_applied(LOST_ANSWERS[fault]):
        failed = lab.deploy(node)
    assert failed.provision_state == 'deploy failed'
    assert secret_free(failed.last_error, lab.secrets)
    _torn_down(lab, node)


def test_b9_read_timeout_after_applying_is_cleared(lab, no_waits):
    """Gen10: sushy's read timeout (shortened on the cached client) ends
    the call while iLO applies the write."""
    ilo = lab.ilo(10)
    node = lab.enroll(ilo, provision_state='available',
                      connector=ilo.spec.initiator_name,
                      volume=lab.volume(cinder=True))
    client = lab.run(node, lambda task: ilo_common.get_ilo_object(
        task.node))
    client.get_host_power_status()
    client.redfish._sushy._conn._default_request_timeout = 0.3
    plan = FaultPlan(delays=(DelayRule(0.6, ISCSI_SETTINGS, 'PATCH',
                                       after=True),))
    with ilo.faults_applied(plan):
        failed = lab.deploy(node)
    client.redfish._sushy._conn._default_request_timeout = 60
    assert failed.provision_state == 'deploy failed'
    _torn_down(lab, node)


# -- B.10 takeover, adoption, rebuild -----------------------------------------
@GENS
def test_b10_takeover_of_a_deployed_node_writes_nothing(lab, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, provision_state='available',
                      volume=lab.volume(cinder=True))
    _deployed(lab, node)
    held = ilo.state()
    ilo.log.clear()
    taken = lab.conductor.take_over(node.uuid)
    assert expect.writes(ilo.log.records) == []
    assert (taken.provision_state, taken.last_error) == ('active', None)
    assert ilo.state().iscsi == held.iscsi
    _torn_down(lab, node)


@GENS
def test_b10_takeover_keeps_an_ipxe_boot_path(lab, gen):
    """A node deployed before the upgrade (iPXE sanboot, nothing in the
    iLO's iSCSI attempts) keeps its boot path."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-pxe', provision_state='active',
                      volume=lab.volume(cinder=True))
    before = ilo.state()
    ilo.log.clear()
    lab.conductor.take_over(node.uuid)
    assert expect.writes(ilo.log.records) == []
    after = ilo.state()
    assert (after.iscsi, after.boot_override, after.boot_target) == (
        before.iscsi, before.boot_override, before.boot_target)


@GENS
def test_b10_adoption_writes_nothing(lab, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, provision_state='manageable',
                      volume=lab.volume(cinder=True))
    ilo.log.clear()
    adopted = lab.conductor.adopt(node.uuid)
    assert (adopted.provision_state, adopted.last_error) == ('active', None)
    assert expect.writes(ilo.log.records) == []


@GENS
def test_b10_rebuild_clears_dropped_nics(lab, gen):
    ilo = lab.ilo(gen, nics=_nine_nics(2))
    node = lab.enroll(ilo, ports=2, provision_state='available',
                      volume=lab.volume(cinder=True))
    _deployed(lab, node)
    kept, dropped = node.port_macs
    _remove_port(lab, dropped)
    rebuilt = lab.deploy(node, rebuild=True)
    assert (rebuilt.provision_state, rebuilt.last_error) == ('active', None)
    view = ilo.state()
    assert sorted(expect.enabled_targets(view)) == [kept]
    assert [t for t in expect.tenant_data(view, node)
            if t.startswith('pending ' + dropped)] == []
    assert lab.info(node)[expect.MACS_KEY] == [kept]
    undeployed = lab.tear_down(node)
    assert undeployed.provision_state == 'available'
    expect.assert_no_target(ilo.state())


# -- B.11 error mapping -------------------------------------------------------
NO_LINK = FaultPlan(no_iscsi_link=True)


@GENS
def test_b11_missing_iscsi_link_is_an_operation_error(lab, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, provision_state='available',
                      volume=lab.volume(cinder=True))
    with ilo.faults_applied(NO_LINK):
        with pytest.raises(exception.IloOperationError) as error:
            lab.run(node, lambda task:
                    task.driver.management.set_iscsi_boot_target(task))
        assert type(error.value) is exception.IloOperationError
        failed = lab.deploy(node)
    assert failed.provision_state == 'deploy failed'
    assert 'not supported' not in failed.last_error
    _torn_down(lab, node)


@GENS
def test_b11_tear_down_stops_with_a_clear_error(lab, gen):
    ilo = lab.ilo(gen)
    volume = lab.volume(cinder=True)
    node = lab.enroll(ilo, provision_state='available', volume=volume)
    _deployed(lab, node)
    with ilo.faults_applied(NO_LINK):
        stopped = lab.tear_down(node)
    assert stopped.provision_state == 'error'
    assert 'iSCSI' in stopped.last_error
    assert secret_free(stopped.last_error, lab.secrets)
    expect.assert_recorded(lab.info(node), node)
    _torn_down(lab, node)


# -- B.12 secrets -------------------------------------------------------------
@GENS
def test_b12_secret_echoed_by_the_ilo_is_masked(lab, gen):
    """No log record (checked after the test at every level), exception or
    last_error holds the secret the iLO repeats."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, provision_state='available',
                      connector=ilo.spec.initiator_name,
                      volume=lab.volume(cinder=True))
    with ilo.faults_applied(FaultPlan(echo_chap_secret=True)):
        with pytest.raises(exception.IloOperationError) as error:
            lab.run(node, lambda task:
                    task.driver.management.set_iscsi_boot_target(task))
        failed = lab.deploy(node)
    assert secret_free(str(error.value), lab.secrets)
    assert secret_free(repr(error.value.args), lab.secrets)
    assert failed.provision_state == 'deploy failed'
    assert secret_free(failed.last_error, lab.secrets)
    _torn_down(lab, node)


@pytest.fixture
def no_ca_file():
    CONF.set_override('ca_file', None, 'ilo')
    yield
    CONF.clear_override('ca_file', 'ilo')


@GENS
def test_b12_chap_without_ca_file_refused(lab, no_ca_file, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, provision_state='available',
                      volume=lab.volume(cinder=True))
    failed = _refused(lab, node)
    assert 'ca_file' in failed['boot']


def test_b12_chap_without_ca_file_opt_out(lab, no_ca_file):
    CONF.set_override('iscsi_chap_without_ca_file', True, 'ilo')
    try:
        ilo = lab.ilo(10)
        node = lab.enroll(ilo, provision_state='available',
                          volume=lab.volume(cinder=True))
        assert lab.conductor.validate(node.uuid)['boot'] == {'result': True}
    finally:
        CONF.clear_override('iscsi_chap_without_ca_file', 'ilo')
