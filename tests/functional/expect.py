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

from typing import Any, Dict

from iloemu import StateView
from ironic.drivers.modules.ilo import common as ilo_common

from harness.lab import Enrolled
from harness.nodes import CHAP_USER

PORTALS = {'ipv4': ('192.0.2.10:3260', '192.0.2.10', 3260),
           'ipv6': ('[2001:db8::10]:3261', '2001:db8::10', 3261)}

TARGET_KEY = ilo_common.ISCSI_BOOT_TARGET_KEY
MACS_KEY = ilo_common.ISCSI_BOOT_MACS_KEY


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
            assert target.chap_user == CHAP_USER
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


def assert_recorded(info: Dict[str, Any], node: Enrolled) -> None:
    """driver_internal_info says iLO holds the node's target."""
    assert node.volume is not None
    assert info[TARGET_KEY] == node.volume.iqn
    assert info[MACS_KEY] == node.port_macs


def assert_not_recorded(info: Dict[str, Any]) -> None:
    """driver_internal_info claims no target in iLO."""
    assert TARGET_KEY not in info
    assert MACS_KEY not in info
