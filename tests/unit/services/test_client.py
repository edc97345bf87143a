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

"""The pure parts of the operator's client: masks, tables, leftovers."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from iloemu.secret import Secret
from services import client

SECRET = 'Cinder-secret16c'
TENANT = client.Tenant('iqn.2010-10.org.openstack:volume-1', 'chapuser',
                       Secret(SECRET))


def attempt(enabled=False, iqn='', chap_user=None, chap_secret=None):
    return SimpleNamespace(enabled=enabled, iqn=iqn, chap_user=chap_user,
                           chap_secret=chap_secret)


def view(attempts, override='Disabled', target='None', uefi='None'):
    return SimpleNamespace(iscsi=attempts, boot_override=override,
                           boot_target=target, uefi_target=uefi)


@pytest.mark.parametrize('text', [
    '{"auth_password": "%s"}' % SECRET,
    "{'auth_password': '%s', 'x': 1}" % SECRET,
    'openstack baremetal node create --driver-info ilo_password=%s'
    % SECRET,
], ids=['json', 'python-repr', 'command-line'])
def test_mask_hides_every_secret(text):
    assert SECRET not in client.mask(text)


def test_nothing_left_after_a_clean_undeploy():
    cleared = attempt(iqn='', chap_user=None)
    assert client.leftovers(view({'m1': cleared, 'm2': attempt()}),
                            TENANT) == []


@pytest.mark.parametrize('left,expected', [
    (attempt(enabled=True), ['m1: attempt enabled']),
    (attempt(iqn=TENANT.iqn), ["m1: the tenant's IQN %s" % TENANT.iqn]),
    (attempt(chap_user='chapuser'), ["m1: the tenant's CHAP user"]),
    (attempt(chap_secret=Secret(SECRET)), ["m1: the tenant's CHAP secret"]),
])
def test_leftovers_name_what_stays(left, expected):
    assert client.leftovers(view({'m1': left}), TENANT) == expected


def test_leftovers_never_name_the_secret():
    left = attempt(True, TENANT.iqn, 'chapuser', Secret(SECRET))
    found = client.leftovers(view({'m1': left}), TENANT)
    assert SECRET not in ' '.join(found)


def test_an_iscsi_boot_override_is_left():
    found = client.leftovers(view({}, 'Continuous', 'UefiTarget',
                                  'NIC.LOM.1.1.iSCSI'), None)
    assert found == ['boot override Continuous to NIC.LOM.1.1.iSCSI']


def test_a_disabled_override_is_not():
    assert client.leftovers(view({}, 'Disabled', 'UefiTarget',
                                 'NIC.LOM.1.1.iSCSI'), None) == []


def test_target_names_of_tgtadm_show():
    shown = ('Target 1: iqn.2010-10.org.openstack:volume-a\n'
             '    System information:\n        Driver: iscsi\n'
             'Target 2: iqn.2010-10.org.openstack:volume-b\n')
    assert client.target_names(shown) == [
        'iqn.2010-10.org.openstack:volume-a',
        'iqn.2010-10.org.openstack:volume-b']


def test_cinder_table():
    output = ('+----------+-----------+\n| Property | Value     |\n'
              '+----------+-----------+\n| id       | 42        |\n'
              '| status   | available |\n+----------+-----------+\n')
    assert (client.table(output), client.uuid_from(output)) == (
        {'id': '42', 'status': 'available'}, '42')


def test_backend_host_is_the_sparse_pool():
    assert client.BACKEND_HOST == 'services@sparse#sparse'
