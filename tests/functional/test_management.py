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

"""IloManagement's iSCSI calls against both generations, one rule each.

The target's portal forms, the NICs it goes to (the node's ports), the
initiator name (the node's ``iqn`` connector), the CHAP secret rule and
what ``get_boot_device`` reports back.
"""
from __future__ import annotations

import logging

import pytest

from ironic.common import boot_devices
from ironic.common import exception

from harness import nodes
from harness.logcheck import secret_free
from harness.nodes import VolumeSpec
from tests.functional import expect


def _set(task):
    task.driver.management.set_iscsi_boot_target(task)


def _clear(task):
    task.driver.management.clear_iscsi_boot_target(task)


def _boot_device(task):
    return task.driver.management.get_boot_device(task)


def _prepare(task):
    task.driver.boot.prepare_instance(task)


def _iscsi_patches(ilo):
    return [r for r in ilo.log.records
            if r.method == 'PATCH' and r.path.endswith('iscsi/settings')]


@pytest.mark.parametrize('gen, portal, address, port', [
    (9, '192.0.2.10', '192.0.2.10', 3260),
    (10, '192.0.2.10:3261', '192.0.2.10', 3261),
], ids=['gen9-v4-default-port', 'gen10-v4-port'])
def test_portal_forms(lab, gen, portal, address, port):
    ilo = lab.ilo(gen)
    volume = VolumeSpec(nodes.unique(nodes.VOLUME_PREFIX), 0, portal)
    node = lab.enroll(ilo, volume=volume)
    lab.run(node, _set)
    target = ilo.state().iscsi[node.port_macs[0]]
    assert (target.enabled, target.iqn, target.lun, target.ip_address,
            target.port) == (True, volume.iqn, '0', address, port)


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_two_ports_two_nics(lab, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, ports=2, volume=lab.volume())
    lab.run(node, _set)
    expect.assert_target(ilo.state(), node, 'ipv4')
    expect.assert_recorded(lab.info(node), node)
    lab.run(node, _clear)
    expect.assert_no_target(ilo.state())
    expect.assert_not_recorded(lab.info(node))


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_port_unknown_to_ilo(lab, gen):
    """proliantutils refuses the MAC before it writes anything: the error
    names it, and the clean up is not stuck on a MAC that holds nothing
    (issue 13 B.7, B.11)."""
    ilo = lab.ilo(gen)
    stranger = '52:54:00:aa:bb:cc'
    node = lab.enroll(ilo, macs=[stranger], volume=lab.volume())
    with pytest.raises(exception.IloOperationError, match=stranger) as error:
        lab.run(node, _set)
    assert secret_free(str(error.value), lab.secrets)
    expect.assert_no_target(ilo.state())
    lab.run(node, _clear)
    expect.assert_not_recorded(lab.info(node))


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_initiator_name_held_already_is_not_written(lab, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, volume=lab.volume(),
                      connector=ilo.spec.initiator_name)
    lab.run(node, _set)
    assert len(_iscsi_patches(ilo)) == 1  # the target only
    view = ilo.state()
    assert view.pending_initiator_name == ilo.spec.initiator_name
    expect.assert_target(view, node, 'ipv4')


def test_no_connector_keeps_the_firmware_name(lab, log_records):
    ilo = lab.ilo(10)
    node = lab.enroll(ilo, volume=lab.volume(), connector=None)
    lab.run(node, _set)
    view = ilo.state()
    assert view.pending_initiator_name == ilo.spec.initiator_name
    expect.assert_target(view, node, 'ipv4')
    infos = [r.getMessage() for r in log_records.records
             if r.levelno == logging.INFO and r.name.startswith('ironic.')]
    assert any(ilo.spec.initiator_name in m and 'no volume connector' in m
               for m in infos)


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_boot_device_read_back(lab, gen):
    """Gen10 reports the persistent iSCSI boot as NETWORK, Gen9 as ISCSI:
    ironic reports ISCSIBOOT on both while its record says iLO holds the
    target (after a tear down it does not: test_issue13, item B.8).

    The boot interface sets it: on the strict model the option exists
    only after a POST cycle, which it runs."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, volume=lab.volume())
    lab.run(node, _prepare)
    assert lab.run(node, _boot_device) == {
        'boot_device': boot_devices.ISCSIBOOT, 'persistent': True}


def test_clear_without_a_target(lab):
    ilo = lab.ilo(10)
    node = lab.enroll(ilo, volume=lab.volume())
    lab.run(node, _clear)
    expect.assert_no_target(ilo.state())
    expect.assert_not_recorded(lab.info(node))
