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

"""Which client call made each request: the tracer alone (no ironic)."""
from __future__ import annotations

import threading

import pytest

from benchmark import trace

URL = 'https://127.0.0.%d/redfish/v1/Systems/1'


def _requests(calls):
    return [call[:3] for call in calls]


def test_the_outermost_call_names_the_requests():
    tracer = trace.Tracer()
    with tracer.call('set_iscsi_info'):
        tracer.request(URL % 2, 'GET')
        with tracer.call('get_host_power_status'):
            tracer.request(URL % 2, 'PATCH')
    assert _requests(tracer.take()['127.0.0.2']) == [
        ['set_iscsi_info', False, [['GET', '/redfish/v1/Systems/1'],
                                   ['PATCH', '/redfish/v1/Systems/1']]]]


def test_a_call_that_raised_is_marked_and_the_error_goes_on():
    tracer = trace.Tracer()
    with pytest.raises(ValueError):
        with tracer.call('update_persistent_boot'):
            tracer.request(URL % 2, 'PATCH')
            raise ValueError('No UEFI iSCSI bootable device found')
    [[name, raised, _requests_, start, end]] = tracer.take()['127.0.0.2']
    assert (name, raised, start <= end) == ('update_persistent_boot', True,
                                            True)


def test_requests_are_kept_per_ilo_and_outside_calls():
    tracer = trace.Tracer()
    tracer.request(URL % 3, 'POST')
    with tracer.call('get_host_post_state'):
        tracer.request(URL % 2, 'GET')
    calls = tracer.take()
    assert sorted(calls) == ['127.0.0.2', '127.0.0.3']
    assert _requests(calls['127.0.0.3']) == [
        [trace.NO_CALL, False, [['POST', '/redfish/v1/Systems/1']]]]


def test_each_thread_has_its_own_call():
    tracer = trace.Tracer()
    inside, done = threading.Event(), threading.Event()

    def other():
        with tracer.call('get_iscsi_initiator_info'):
            inside.set()
            done.wait(10)
            tracer.request(URL % 4, 'GET')

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(10)
    with tracer.call('unset_iscsi_info'):
        tracer.request(URL % 5, 'GET')
    done.set()
    thread.join(10)
    calls = tracer.take()
    assert [c[0] for c in calls['127.0.0.4']] == ['get_iscsi_initiator_info']
    assert [c[0] for c in calls['127.0.0.5']] == ['unset_iscsi_info']


class _Client:
    def set_host_power(self, power):
        return 'set %s' % power


@pytest.mark.parametrize('power', ['ON', 'OFF'])
def test_power_calls_are_named_with_their_target(power):
    tracer = trace.Tracer()

    def method(client, target):
        tracer.request(URL % 2, 'POST')
        return client.set_host_power(target)
    wrapped = trace._wrap(tracer, 'set_host_power', method)
    assert wrapped(_Client(), power) == 'set %s' % power
    [[name, *_]] = tracer.take()['127.0.0.2']
    assert name == 'set_host_power %s' % power
