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

"""The whole path, as a deploy and a tear down run it, on both generations.

UEFI: the conductor's deploy (validation, attach, ``prepare_instance``:
initiator name, target on the node's NIC, persistent iSCSI boot device;
power on: the emulated firmware boots from the target, presenting the
connector's IQN) and tear down (``clean_up_instance`` clears the target,
power off, detach), for Gen9 and Gen10 x ilo-pxe and ilo-virtual-media x
CHAP or not.

The UEFI case runs through ironic's conductor (deploy and tear down,
:mod:`harness.provision`).

BIOS: ilo-pxe falls back to iPXE (a real iPXE config in a temporary
``tftp_root``, the persistent boot device is the network); virtual media
refuses the node.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import pxe_utils

from tests.functional import expect

GENERATIONS = (9, 10)
INTERFACES = ('ilo-pxe', 'ilo-virtual-media')


def _matrix():
    for gen, iface, chap in itertools.product(
            GENERATIONS, INTERFACES, (True, False)):
        yield pytest.param(gen, iface, chap, id='gen%d-%s-%s' % (
            gen, iface, 'chap' if chap else 'nochap'))


@pytest.mark.parametrize('gen, iface, chap', list(_matrix()))
def test_uefi_boot_from_volume(lab, gen, iface, chap):
    """A deploy and a tear down through the conductor (IPv4 portals: an
    IPv6 one is refused, test_issue13 item B.5)."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, iface, provision_state='available',
                      volume=lab.volume(chap, cinder=True))
    before = ilo.state()

    deployed = lab.deploy(node)
    assert (deployed.provision_state, deployed.last_error) == (
        'active', None)

    view = ilo.state()
    assert view.boot_mode == view.pending_boot_mode == 'uefi'
    expect.assert_target(view, node, 'ipv4')
    for mac in node.other_macs:  # the NIC that is not a port: untouched
        assert view.iscsi[mac] == before.iscsi[mac]
    assert view.initiator_name == node.spec.initiator_iqn
    expect.assert_iscsi_boot_device(view, node)
    expect.assert_recorded(lab.info(node), node)
    device = lab.run(
        node, lambda task: task.driver.management.get_boot_device(task))
    assert device == {'boot_device': boot_devices.ISCSIBOOT,
                      'persistent': True}
    # The deploy powered the node on: the firmware applied the pending
    # settings and booted from the target with the connector's IQN.
    assert view.power == 'On'
    boot = view.boots[-1]
    assert (boot.boot_mode, boot.device, boot.initiator_name) == (
        'uefi', view.uefi_target, node.spec.initiator_iqn)
    assert sorted(expect.enabled_targets(view)) == sorted(
        m for m, t in view.iscsi_current.items() if t.enabled)

    undeployed = lab.tear_down(node)
    assert (undeployed.provision_state, undeployed.last_error) == (
        'available', None)
    assert ilo.state().power == 'Off'
    expect.assert_nothing_left(lab, node)
    assert 'boot_from_volume' not in lab.info(node)


@pytest.mark.parametrize('gen', GENERATIONS, ids=['gen9', 'gen10'])
def test_bios_ilo_pxe_falls_back_to_ipxe(lab, conductor_layout, gen):
    ilo = lab.ilo(gen, boot_mode='legacy')
    node = lab.enroll(ilo, 'ilo-pxe', boot_mode='bios',
                      volume=lab.volume(chap=True))

    lab.run(node, lambda task: task.driver.boot.validate(task))
    lab.run(node, lambda task: task.driver.boot.prepare_instance(task))

    view = ilo.state()
    assert view.boot_mode == 'legacy'
    expect.assert_no_target(view)
    assert view.pending_initiator_name == view.initiator_name  # untouched
    assert view.persistent_boot is not None
    expect.assert_not_recorded(lab.info(node))
    device = lab.run(
        node, lambda task: task.driver.management.get_boot_device(task))
    assert device == {'boot_device': boot_devices.PXE, 'persistent': True}
    config_file = Path(pxe_utils.get_pxe_config_file_path(node.uuid))
    assert config_file.is_relative_to(conductor_layout.http_root)  # iPXE
    config = config_file.read_text()
    assert 'sanboot' in config
    assert 'iscsi:192.0.2.10::3260:1:%s' % node.volume.iqn in config
    assert node.spec.initiator_iqn in config

    # As the deploy's clean_up does it: the iPXE config (which holds the
    # CHAP secret for iPXE) goes with clean_up_ramdisk; clean_up_instance
    # finds no instance image info for a volume and leaves it.
    def clean_up(task):
        task.driver.boot.clean_up_ramdisk(task)
        task.driver.boot.clean_up_instance(task)
    lab.run(node, clean_up)
    expect.assert_no_target(ilo.state())
    assert not config_file.exists()


@pytest.mark.parametrize('gen', GENERATIONS, ids=['gen9', 'gen10'])
def test_bios_virtual_media_refuses_the_volume(lab, gen):
    ilo = lab.ilo(gen, boot_mode='legacy')
    node = lab.enroll(ilo, 'ilo-virtual-media', boot_mode='bios',
                      volume=lab.volume(chap=True))

    with pytest.raises(exception.InvalidParameterValue, match='bios'):
        lab.run(node, lambda task: task.driver.boot.validate(task))
    with pytest.raises(exception.InstanceDeployFailure, match='bios'):
        lab.run(node,
                lambda task: task.driver.boot.prepare_instance(task))

    view = ilo.state()
    assert view.boot_mode == view.pending_boot_mode == 'legacy'
    expect.assert_no_target(view)
    assert view.persistent_boot is None
    expect.assert_not_recorded(lab.info(node))
