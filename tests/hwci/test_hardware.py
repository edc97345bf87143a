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

"""The functional scenarios that run on real servers (issue 16).

Every deploy and tear down goes through ironic's conductor
(:mod:`hwci.lab`); every check reads the server as a client of its iLO
can: proliantutils' getters and HTTPS GETs of the RIS / Redfish
resources (:mod:`hwci.reader`, :func:`hwci.guard.snapshot`). The
scenarios that need the emulator's insides (fault injection, request
counts, boot records) are listed in :data:`NOT_ON_HARDWARE` and skipped
with their reason; tests/functional runs them.
"""
from __future__ import annotations

import itertools
import re
import sys

import pytest

from ironic.common import boot_devices
from ironic import objects

from harness.logcheck import secret_free
from harness.provision import ValidationFailed
from hwci import bootcheck, guard

INTERFACES = ('ilo-pxe', 'ilo-virtual-media')
#: get_persistent_boot_device after an iSCSI boot target is set: Gen10
#: reports a continuous UefiTarget as NETWORK (doc: FACTS).
PERSISTENT = {9: 'ISCSI', 10: 'NETWORK'}
TARGET_KEY = 'ilo_uefi_iscsi_boot'
MACS_KEY = 'ilo_iscsi_boot_macs'


def _volume(lab, server, chap):
    try:
        return lab.volume(server, chap)
    except LookupError as exc:
        pytest.skip('targets file: %s' % exc)


def _enabled(attempts, keys):
    return sorted(source for source, attempt in attempts.items()
                  if attempt.get(keys.enable) == 'Enabled')


def _tenant(attempts, volume):
    """'source: field' of the pending attempts that hold the volume's
    target name or CHAP user (the secret cannot be read back)."""
    return ['%s: %s' % (source, key) for source, attempt in attempts.items()
            for key, mine in (('iSCSITargetName', volume.iqn),
                              ('iSCSIChapUsername', volume.chap_username))
            if mine and attempt.get(key) == mine]


def _iscsi_override(boot):
    """Whether the boot override makes the server boot a UEFI target
    (after a tear down, ironic leaves none)."""
    return (boot['BootSourceOverrideEnabled'] != 'Disabled'
            and boot['BootSourceOverrideTarget'] == 'UefiTarget')


def _boot_device(lab, node):
    return lab.run(node, lambda task:
                   task.driver.management.get_boot_device(task))


MATRIX = [pytest.param(iface, chap, id='%s-%s' % (
    iface, 'chap' if chap else 'nochap'))
    for iface, chap in itertools.product(INTERFACES, (True, False))]


@pytest.mark.parametrize('iface, chap', MATRIX)
def test_deploy_and_tear_down(lab, targets, server, iface, chap):
    """Deploy: the boot MAC's attempt holds the volume (the other NICs'
    attempts unchanged), the initiator is the connector's, UEFI current
    and pending, after POST the continuous override is the NIC's iSCSI
    option; tear down: off, no attempt enabled, nothing of the tenant
    pending, no iSCSI boot device, nothing recorded.

    Without CHAP the attempt's method is not checked: after a tenant with
    CHAP it stays ``Chap`` (no proliantutils call writes ``None``;
    tests/functional ``test_b8_next_tenant_without_chap_boots``, xfail).
    """
    volume = _volume(lab, server, chap)
    reader = lab.reader(server)
    keys = reader.ISCSI_KEYS
    source = reader.nic_source(server.boot_mac)
    before = guard.snapshot(reader)
    node = lab.enroll(server, iface, volume)

    deployed = lab.deploy(node)
    assert (deployed.provision_state, deployed.last_error) == (
        'active', None)
    client = reader.client()
    guard.wait_for('POST', client.get_host_post_state, ('FinishedPost',),
                   targets.timeouts.post_cycle, targets.timeouts.post_poll)
    after = guard.snapshot(reader)
    assert (after.power, after.boot_mode, after.pending_boot_mode) == (
        'ON', 'UEFI', 'UEFI')
    assert _enabled(after.iscsi, keys) == [source]
    attempt = after.iscsi[source]
    assert (attempt['iSCSITargetName'], str(attempt[keys.lun]),
            attempt['iSCSITargetIpAddress'],
            attempt['iSCSITargetTcpPort']) == (
        volume.iqn, str(volume.lun), volume.portal.rsplit(':', 1)[0],
        int(volume.portal.rsplit(':', 1)[1]))
    assert (attempt['iSCSIChapUsername'] or None) == volume.chap_username
    assert {s: a for s, a in after.iscsi.items() if s != source} == {
        s: a for s, a in before.iscsi.items() if s != source}
    assert after.pending_initiator == node.spec.initiator_iqn
    assert after.persistent_boot == PERSISTENT[server.generation]
    option = reader.options()[source]
    assert option is not None
    assert after.boot == {'BootSourceOverrideEnabled': 'Continuous',
                          'BootSourceOverrideTarget': 'UefiTarget',
                          'UefiTargetBootSourceOverride': option}
    assert _boot_device(lab, node) == {
        'boot_device': boot_devices.ISCSIBOOT, 'persistent': True}
    info = lab.info(node)
    assert (info[TARGET_KEY], info[MACS_KEY]) == (True, [server.boot_mac])

    undeployed = lab.tear_down(node)
    assert (undeployed.provision_state, undeployed.last_error) == (
        'available', None)
    final = guard.snapshot(reader)
    assert final.power == 'OFF'
    assert _enabled(final.iscsi, keys) == []
    assert _tenant(final.iscsi, volume) == []
    assert not _iscsi_override(final.boot)
    assert _boot_device(lab, node)['boot_device'] != boot_devices.ISCSIBOOT
    assert not {TARGET_KEY, MACS_KEY} & set(lab.info(node))


def _booting(server):
    if server.boot_check == 'none':
        pytest.skip('targets file: %s has boot_check: none' % server.name)
    return server


@pytest.mark.parametrize('chap', [True, False], ids=['chap', 'nochap'])
def test_boots_from_its_target(lab, targets, server, chap):
    """boot_check sessions: after a deploy through the conductor, the
    target's session list names the node's initiator (the server's
    firmware logged in: it boots from the volume); after the tear down
    (power off) it no longer does."""
    server = _booting(server)
    volume = _volume(lab, server, chap)
    times = targets.timeouts
    node = lab.enroll(server, INTERFACES[0], volume)

    deployed = lab.deploy(node)
    assert (deployed.provision_state, deployed.last_error) == (
        'active', None)
    shown = bootcheck.wait_for_session(
        server, node.spec.initiator_iqn, True, times.boot_check,
        times.post_poll, lab.secrets)
    assert bootcheck.names_initiator(shown, node.spec.initiator_iqn)

    undeployed = lab.tear_down(node)
    assert (undeployed.provision_state, undeployed.last_error) == (
        'available', None)
    assert guard.snapshot(lab.reader(server)).power == 'OFF'
    gone = bootcheck.wait_for_session(
        server, node.spec.initiator_iqn, False, times.boot_check,
        times.post_poll, lab.secrets)
    assert not bootcheck.names_initiator(gone, node.spec.initiator_iqn)


#: Deploys refused at validation: (volume, boot MAC PXE enabled, the
#: boot interface's reason).
REFUSALS = {
    'chap-secret-11': (dict(secret='Eleven-char'), True, r'12.*16'),
    'chap-secret-17': (dict(secret='Seventeen-chars-x'), True, r'12.*16'),
    'ipv6-portal': (dict(portal='[2001:db8::10]:3261'), True, r'ipv6'),
    'no-pxe-enabled-port': ({}, False, r'pxe'),
}


@pytest.mark.parametrize('case', sorted(REFUSALS))
def test_refused_at_validation_touches_nothing(lab, server, case):
    """Refused before any iLO write: the node stays available, the error
    holds no secret, and the server reads back as before."""
    volume_args, pxe_enabled, reason = REFUSALS[case]
    reader = lab.reader(server)
    before = guard.snapshot(reader)
    node = lab.enroll(server, 'ilo-virtual-media',
                      lab.made_up_volume(**volume_args), pxe_enabled)

    with pytest.raises(ValidationFailed) as refusal:
        lab.deploy(node)

    assert re.search(reason, refusal.value.failed['boot'].lower())
    assert secret_free(str(refusal.value), lab.secrets)
    assert objects.Node.get_by_uuid(
        lab.context, node.uuid).provision_state == 'available'
    assert guard.differences(before, guard.snapshot(reader)) == []


#: The functional scenarios hardware mode does not run, and why
#: (tests/functional/test_issue13.py runs them on the emulator).
NOT_ON_HARDWARE = {
    'b4-post-cycles-per-deploy': 'emulator only: counts POST cycles in '
    "the emulator's boot records",
    'b8-boot-outcome': "emulator only: reads the firmware's iSCSI login "
    'outcome from boot records',
    'b9-lost-answers': 'emulator only: fault injection (an answer lost '
    'after iLO applied the write)',
    'b10-writes-nothing': "emulator only: the emulator's request log "
    '(takeover and adoption send no write)',
    'b11-missing-iscsi-link': 'emulator only: fault injection (firmware '
    'without the iScsi link)',
    'b12-secret-echoed': 'emulator only: fault injection (an iLO that '
    'repeats the CHAP secret)',
}


@pytest.mark.parametrize('check', [
    pytest.param(name, marks=pytest.mark.skip(reason=reason))
    for name, reason in sorted(NOT_ON_HARDWARE.items())])
def test_not_on_hardware(check):
    """Listed so that a run's report names what it did not prove."""


def test_this_process_never_imported_the_emulator():
    """Hardware mode reaches the servers only through the targets file:
    the emulator's package is not loaded (it runs last in this module)."""
    assert [name for name in sys.modules
            if name == 'iloemu' or name.startswith('iloemu.')] == []
