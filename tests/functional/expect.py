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

"""What the iLO and the database must hold after a step: the asserts.

The nodes are :class:`harness.lab.Enrolled` nodes of the test's
:class:`harness.lab.Lab` (fixture ``lab``).
"""
from __future__ import annotations

from typing import Any, Dict, List

from iloemu import StateView
from ironic.common import boot_devices

from harness.lab import Enrolled, Lab

PORTALS = {'ipv4': ('192.0.2.10:3260', '192.0.2.10', 3260),
           'ipv6': ('[2001:db8::10]:3261', '2001:db8::10', 3261)}

#: Issue 13 item 9: upstream 10.x's flag, and the series' own MAC list.
TARGET_KEY = 'ilo_uefi_iscsi_boot'
MACS_KEY = 'ilo_iscsi_boot_macs'
#: Requests that change nothing: reads, logins and logouts, RIBCL's
#: product name query (the model detection).
_SESSIONS = ('/rest/v1/sessions', '/redfish/v1/sessionservice/sessions')


# -- what the iLO holds -------------------------------------------------------
def enabled_targets(view: StateView) -> Dict[str, Any]:
    """The NICs (by MAC) whose pending iSCSI attempt is enabled."""
    return {mac: target for mac, target in view.iscsi.items()
            if target.enabled}


def assert_target(view: StateView, node: Enrolled, portal: str) -> None:
    """The node's boot volume is the pending target of its NICs only."""
    volume = node.volume
    assert volume is not None
    _, address, port = PORTALS[portal]
    assert sorted(enabled_targets(view)) == sorted(node.port_macs)
    for mac in node.port_macs:
        target = view.iscsi[mac]
        assert (target.iqn, target.lun, target.ip_address, target.port) == (
            volume.iqn, str(volume.lun), address, port)
        if volume.chap_secret:
            assert target.auth_method == 'Chap'
            assert target.chap_user == volume.chap_username
            assert target.chap_secret is not None
            assert target.chap_secret.reveal() == volume.chap_secret
        else:
            assert target.auth_method == 'None'
            assert target.chap_user in (None, '')


def assert_no_target(view: StateView) -> None:
    """No NIC has an enabled iSCSI attempt."""
    assert enabled_targets(view) == {}


def assert_iscsi_boot_device(view: StateView, node: Enrolled) -> None:
    """The persistent boot override is the UEFI iSCSI boot option of the
    node's first NIC (both generations: a continuous ``UefiTarget``)."""
    first = next(nic for nic in node.ilo.spec.nics
                 if nic.mac == node.port_macs[0])
    port = list(node.ilo.spec.nics).index(first) + 1
    assert view.boot_override == 'Continuous'
    assert view.boot_target == 'UefiTarget'
    assert view.uefi_target == 'NIC.LOM.1.%d.iSCSI' % port


def iscsi_override(view: StateView) -> bool:
    """Whether a boot source override makes the server boot an iSCSI
    option: the ``UefiTargetBootSourceOverride`` counts only while the
    override target is ``UefiTarget`` (with ``Hdd``, proliantutils leaves
    the previous UEFI target in that field and the firmware ignores it)."""
    return (view.boot_override != 'Disabled'
            and view.boot_target == 'UefiTarget'
            and view.uefi_target.endswith('.iSCSI'))


def assert_recorded(info: Dict[str, Any], node: Enrolled) -> None:
    """driver_internal_info says iLO holds the node's target."""
    assert node.volume is not None
    assert info[TARGET_KEY] is True
    assert info[MACS_KEY] == node.port_macs


def assert_not_recorded(info: Dict[str, Any]) -> None:
    """driver_internal_info claims no target in iLO."""
    assert TARGET_KEY not in info
    assert MACS_KEY not in info


def writes(records: Any) -> List[str]:
    """'METHOD path' of the requests that can change what iLO holds."""
    found = []
    for record in records:
        path = record.path.lower().rstrip('/')
        if record.method in ('GET', 'HEAD') or path == '/ribcl' or (
                record.method in ('POST', 'DELETE')
                and path.startswith(_SESSIONS)):
            continue
        found.append('%s %s' % (record.method, record.path))
    return found


def tenant_data(view: StateView, node: Enrolled) -> List[str]:
    """What any iSCSI attempt iLO holds (pending or applied) keeps of the
    node's volume: its target, CHAP user or secret (names only)."""
    volume = node.volume
    assert volume is not None
    found = []
    for kind, targets in (('pending', view.iscsi),
                          ('current', view.iscsi_current)):
        for mac, target in targets.items():
            secret = target.chap_secret.reveal() if target.chap_secret \
                else None
            held = [name for name, value, mine in (
                ('target', target.iqn, volume.iqn),
                ('CHAP user', target.chap_user, volume.chap_username),
                ('CHAP secret', secret, volume.chap_secret))
                if mine and value == mine]
            found += ['%s %s: %s' % (kind, mac, name) for name in held]
    return found


def assert_nothing_left(lab: Lab, node: Enrolled) -> None:
    """After a tear down: no enabled attempt, nothing of the tenant in the
    attempts iLO will apply, no iSCSI boot override (ironic does not
    report ``iscsiboot``), no record.

    The attempts the firmware applied at the last POST are what iLO
    reads back from the server until the next POST applies the pending
    ones: they are checked after the next power on
    (:func:`assert_nothing_applied`).
    """
    view = node.ilo.state()
    assert_no_target(view)
    assert [t for t in tenant_data(view, node)
            if t.startswith('pending')] == []
    assert not iscsi_override(view)
    device = lab.run(
        node, lambda task: task.driver.management.get_boot_device(task))
    assert device['boot_device'] != boot_devices.ISCSIBOOT
    assert_not_recorded(lab.info(node))


def assert_nothing_applied(view: StateView, node: Enrolled) -> None:
    """After the next POST: the server holds nothing of the tenant."""
    assert tenant_data(view, node) == []
