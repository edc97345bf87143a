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

"""Requests per proliantutils call, as measured (proliantutils 2.16.3).

Pinned on purpose: a change in proliantutils or in the emulator that
changes how many requests a step costs shows up here first.
"""
from __future__ import annotations

import pytest

from iloemu.testing import forget_clients, ilo_client

IQN = 'iqn.2010-10.org.openstack:volume-0001'
STEPS = [
    # (label, call, Gen9 requests, Gen10 requests)
    ('IloClient()', None, 1, 3),
    ('get_host_power_status', lambda c, m: c.get_host_power_status(), 1, 1),
    ('set_host_power ON', lambda c, m: c.set_host_power('ON'), 3, 5),
    ('get_current_boot_mode', lambda c, m: c.get_current_boot_mode(), 2, 2),
    ('get_pending_boot_mode', lambda c, m: c.get_pending_boot_mode(), 3, 3),
    ('set_pending_boot_mode',
     lambda c, m: c.set_pending_boot_mode('uefi'), 4, 4),
    ('get_iscsi_initiator_info',
     lambda c, m: c.get_iscsi_initiator_info(), 3, 5),
    ('set_iscsi_initiator_info',
     lambda c, m: c.set_iscsi_initiator_info('iqn.2010-10.org.a:node'), 7, 7),
    ('set_iscsi_info', lambda c, m: c.set_iscsi_info(IQN, 1, '192.0.2.1'),
     10, 8),
    ('set_iscsi_info CHAP+mac', lambda c, m: c.set_iscsi_info(
        IQN, 1, '192.0.2.1', auth_method='CHAP', username='u',
        password='Chap-Secret-13', macs=[m]), 12, 11),
    ('update_persistent_boot ISCSI',
     lambda c, m: c.update_persistent_boot(['ISCSI']), 3, 4),
    ('get_persistent_boot_device',
     lambda c, m: c.get_persistent_boot_device(), 1, 1),
    ('set_one_time_boot', lambda c, m: c.set_one_time_boot('CDROM'), 1, 3),
    ('get_one_time_boot', lambda c, m: c.get_one_time_boot(), 1, 1),
    ('reset_server', lambda c, m: c.reset_server(), 1, 2),
    ('unset_iscsi_info', lambda c, m: c.unset_iscsi_info(), 10, 8),
    ('unset_iscsi_info mac', lambda c, m: c.unset_iscsi_info(macs=[m]),
     12, 11),
    ('update_persistent_boot HDD',
     lambda c, m: c.update_persistent_boot(['HDD']), 1, 3),
    ('eject_virtual_media', lambda c, m: c.eject_virtual_media('CDROM'),
     6, 4),
]


def test_requests_per_call(lenient):
    """Counts are the client's; the lenient model needs no POST first."""
    ilo = lenient
    forget_clients()
    mac = ilo.spec.nics[0].mac
    column = 2 if ilo.generation == 9 else 3
    measured, expected = {}, {}
    for step in STEPS:
        label, call = step[0], step[1]
        with ilo.operation(label):
            if call is None:
                client = ilo_client(ilo)
            else:
                call(client, mac)
        measured[label] = ilo.log.count(label)
        expected[label] = step[column]
    assert measured == expected
    print('\n' + ilo.log.summary())


@pytest.mark.parametrize('gen,expected', [
    (9, {('GET', '/rest/v1/systems/1'): 3,
         ('GET', '/rest/v1/systems/1/bios'): 3,
         ('GET', '/rest/v1/systems/1/bios/iscsi'): 1,
         ('GET', '/rest/v1/systems/1/bios/iscsi/settings'): 1,
         ('GET', '/rest/v1/systems/1/bios/mappings'): 1,
         ('PATCH', '/rest/v1/systems/1/bios/iscsi/settings'): 1}),
    (10, {('GET', '/redfish/v1/systems/1'): 2,
          ('GET', '/redfish/v1/systems/1/bios'): 2,
          ('GET', '/redfish/v1/systems/1/bios/iscsi'): 1,
          ('GET', '/redfish/v1/systems/1/bios/iscsi/settings'): 1,
          ('GET', '/redfish/v1/systems/1/bios/mappings'): 1,
          ('PATCH', '/redfish/v1/systems/1/bios/iscsi/settings'): 1}),
])
def test_set_iscsi_info_resources(fleet, gen, expected):
    ilo = fleet.add(generation=gen)
    client = ilo_client(ilo)
    with ilo.operation('set_iscsi_info'):
        client.set_iscsi_info(IQN, 1, '192.0.2.1')
    assert ilo.log.by_resource('set_iscsi_info') == expected
