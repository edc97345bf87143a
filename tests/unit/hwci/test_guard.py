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

"""The restore's decisions on a server stand-in whose pending settings
apply at power on or reset, as a ProLiant's do (the hwci group proves
the same on emulated iLOs over HTTPS)."""
from __future__ import annotations

import copy
import types

import pytest

from hwci import guard
from hwci.targets import Timeouts

TIMES = Timeouts(post_cycle=1, post_poll=0.01, power_wait=0.01, restore=1)


class FakeServer:
    """The reader and the proliantutils client of one server."""

    def __init__(self, power='OFF', mode='UEFI', frozen=()):
        self.server = types.SimpleNamespace(name='fake')
        self.power, self.mode, self.pending_mode = power, mode, mode
        self.attempts = {'NicBoot1': {'iSCSINicSource': 'NicBoot1',
                                      'iSCSITargetName': '',
                                      'iSCSIBootEnable': 'Disabled'}}
        self.current = copy.deepcopy(self.attempts)
        self.initiator = self.pending_initiator = 'iqn.x:init'
        self.override = {'BootSourceOverrideEnabled': 'Disabled'}
        self.frozen = frozen  # fields whose writes are ignored
        self.posts = 0

    # -- reader
    def client(self):
        return self

    def iscsi(self, pending):
        if pending:
            return self.pending_initiator, copy.deepcopy(self.attempts)
        return self.initiator, copy.deepcopy(self.current)

    def boot(self):
        return dict(self.override)

    def patch_iscsi(self, initiator, attempts):
        if 'iscsi' in self.frozen:
            return
        if initiator is not None:
            self.pending_initiator = initiator
        for attempt in attempts:
            self.attempts[attempt['iSCSINicSource']] = dict(attempt)

    def patch_boot(self, boot):
        self.override.update(boot)

    # -- client
    def get_host_power_status(self):
        return self.power

    def get_current_boot_mode(self):
        return self.mode

    def get_pending_boot_mode(self):
        return self.pending_mode

    def get_persistent_boot_device(self):
        return None

    def set_pending_boot_mode(self, mode):
        self.pending_mode = mode

    def _post(self):
        self.posts += 1
        self.mode, self.initiator = self.pending_mode, self.pending_initiator
        self.current = copy.deepcopy(self.attempts)

    def set_host_power(self, power):
        self.power = power
        self._post()

    def reset_server(self):
        self._post()

    def hold_pwr_btn(self):
        self.power = 'OFF'

    def get_host_post_state(self):
        return 'FinishedPost' if self.power == 'ON' else 'PowerOff'


def _deployed(server):
    """What a deploy leaves: a target pending and applied, the override,
    power on."""
    tenant = {'iSCSINicSource': 'NicBoot1', 'iSCSITargetName': 'iqn.t:v',
              'iSCSIBootEnable': 'Enabled'}
    server.patch_iscsi('iqn.x:node', [tenant])
    server.patch_boot({'BootSourceOverrideEnabled': 'Continuous'})
    server.set_host_power('ON')


@pytest.mark.parametrize('power', ['OFF', 'ON'])
def test_restore_writes_back_posts_once_and_sets_the_power(power):
    server = FakeServer(power=power)
    initial = guard.snapshot(server)
    _deployed(server)
    posts = server.posts

    guard.restore(server, initial, TIMES, say=lambda text: None)

    assert guard.differences(initial, guard.snapshot(server)) == []
    assert server.posts - posts == 1


def test_an_unchanged_server_gets_no_write():
    server = FakeServer()
    guard.restore(server, guard.snapshot(server), TIMES,
                  say=lambda text: None)
    assert server.posts == 0


def test_a_field_that_does_not_come_back_is_named():
    server = FakeServer()
    initial = guard.snapshot(server)
    _deployed(server)
    server.frozen = ('iscsi',)
    with pytest.raises(guard.RestoreError) as error:
        guard.restore(server, initial, TIMES, say=lambda text: None)
    assert 'iscsi[NicBoot1].iSCSITargetName' in str(error.value)


def test_a_post_that_never_ends_times_out():
    with pytest.raises(guard.RestoreError, match='still PowerOff'):
        guard.wait_for('POST', lambda: 'PowerOff', ('FinishedPost',),
                       0.05, 0.01)
