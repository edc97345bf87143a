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

"""Each injected fault, and the proliantutils exception it turns into.

A fault plan is declarative and off by default; ``faults_applied`` puts
one in force for a block and restores the previous plan after it.
"""
from __future__ import annotations

import logging
import time

from proliantutils import exception
from proliantutils.ilo import ribcl
import pytest
import requests

from iloemu import DelayRule, FaultPlan, HttpErrorRule
from iloemu.testing import forget_clients, ilo_client

IQN = 'iqn.2010-10.org.openstack:volume-0001'


def test_no_fault_by_default(ilo):
    assert ilo.faults == FaultPlan() and not ilo.faults.active


def test_http_500_on_one_resource(ilo, client, caplog):
    plan = FaultPlan(http_errors=(
        HttpErrorRule('*/bios/iscsi/settings', 'PATCH'),))
    with caplog.at_level(logging.WARNING, 'iloemu'):
        with ilo.faults_applied(plan):
            with pytest.raises(exception.IloError) as info:
                client.set_iscsi_info(IQN, 1, '192.0.2.10')
    assert not isinstance(info.value, exception.IloConnectionError)
    assert not any(t.enabled for t in ilo.state().iscsi.values())
    failed = [r for r in ilo.log.records if r.status == 500]
    assert [(r.method, r.faults) for r in failed] == [('PATCH', ('http 500',))]
    assert 'fault injected: http 500 PATCH' in caplog.text
    client.set_iscsi_info(IQN, 1, '192.0.2.10')  # the plan is gone again
    assert all(t.enabled for t in ilo.state().iscsi.values())


def test_http_error_limited_to_some_requests(gen10):
    client = ilo_client(gen10)
    plan = FaultPlan(http_errors=(HttpErrorRule('*/systems/1', 'GET',
                                                status=503, times=1),))
    with gen10.faults_applied(plan):
        with pytest.raises(exception.IloError, match='503'):
            client.get_host_power_status()
        assert client.get_host_power_status() == 'OFF'


def test_ribcl_failure_falls_back_to_redfish(ilo):
    plan = FaultPlan(http_errors=(HttpErrorRule('/ribcl'),))
    with ilo.faults_applied(plan):
        if ilo.generation == 10:
            assert ilo_client(ilo).model == 'ProLiant DL380 Gen10'
        else:  # iLO 4 has no ComputerSystem under /redfish/v1 here
            with pytest.raises(exception.IloError, match='not found'):
                ilo_client(ilo)


def test_delay_is_not_bounded_by_the_client_timeout(ilo):
    """IloClient's ``timeout`` is not applied to RIBCL, RIS or Redfish."""
    plan = FaultPlan(delays=(DelayRule(1.2, '*/systems/1', 'GET'),))
    forget_clients()  # a cached client would keep its first timeout
    client = ilo_client(ilo, timeout=1)
    with ilo.faults_applied(plan):
        start = time.monotonic()
        assert client.get_host_power_status() == 'OFF'
    assert time.monotonic() - start >= 1.2
    assert ilo.log.records[-1].faults == ('delay 1.2s',)


def test_delay_beyond_the_redfish_read_timeout(gen10, no_waits):
    """sushy's read timeout (60 s, fixed by proliantutils) is the only one.

    It is shortened here on the client's connector to show what happens
    when an answer comes later than it: 3 attempts by sushy times 3 by
    proliantutils' connector, then IloError.
    """
    client = ilo_client(gen10)
    client.redfish._sushy._conn._default_request_timeout = 0.3
    gen10.log.clear()
    with gen10.faults_applied(FaultPlan(delays=(DelayRule(0.6),))):
        with pytest.raises(exception.IloError, match='timed out'):
            client.get_host_power_status()
    deadline = time.monotonic() + 5  # the delayed answers finish late
    while gen10.log.count() < 9 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gen10.log.count() == 9
    assert no_waits.total == 16.0


def test_connection_refused(ilo, client, no_waits):
    with ilo.faults_applied(FaultPlan(refuse_connections=True)):
        with pytest.raises(requests.ConnectionError):
            requests.get('https://%s/' % ilo.address, verify=False)
        if ilo.generation == 9:
            with pytest.raises(exception.IloConnectionError):
                client.get_host_power_status()
            assert no_waits.slept == []
        else:  # 3 x 3 attempts, 16 s of waits, then a plain IloError
            with pytest.raises(exception.IloError) as info:
                client.get_host_power_status()
            assert not isinstance(info.value, exception.IloConnectionError)
            assert no_waits.total == 16.0
        forget_clients()
        with pytest.raises(exception.IloConnectionError):
            ilo_client(ilo)
    assert ilo_client(ilo).get_host_power_status() == 'OFF'


def test_untrusted_certificate(ilo, client, no_waits, caplog):
    with caplog.at_level(logging.WARNING, 'iloemu'):
        with ilo.faults_applied(FaultPlan(untrusted_certificate=True)):
            expected = (exception.IloConnectionError if ilo.generation == 9
                        else exception.IloError)
            with pytest.raises(expected, match='CERTIFICATE_VERIFY_FAILED'):
                client.get_host_power_status()
            forget_clients()
            with pytest.raises(exception.IloConnectionError,
                               match='CERTIFICATE_VERIFY_FAILED'):
                ilo_client(ilo)
    assert 'fault injected: certificate of another CA' in caplog.text
    assert ilo_client(ilo).get_host_power_status() == 'OFF'


def test_wrong_password(ilo, client, caplog):
    plan = FaultPlan(expected_password='another-password')
    with caplog.at_level(logging.WARNING, 'iloemu'):
        with ilo.faults_applied(plan):
            with pytest.raises(exception.IloError):
                client.get_host_power_status()
            forget_clients()
            ilo.log.clear()
            # RIBCL's login failure is swallowed: IloClient falls back to
            # Redfish, whose 401 surfaces as a plain IloError.
            with pytest.raises(exception.IloError) as info:
                ilo_client(ilo)
    assert not isinstance(info.value, exception.IloLoginFailError)
    assert '401' in str(info.value)
    assert [(r.protocol, r.status) for r in ilo.log.records][:2] == [
        ('ribcl', 200), ('redfish', 200)]
    assert all(r.status == 401 for r in ilo.log.records[2:])
    assert 'fault injected: wrong password' in caplog.text
    assert 'another-password' not in caplog.text


def test_ribcl_login_failure_response(ilo):
    operations = ribcl.RIBCLOperations(ilo.address, 'Administrator',
                                       'wrong', cacert=str(ilo.ca_file))
    with pytest.raises(exception.IloLoginFailError, match='Login failed'):
        operations.get_product_name()


def test_rest_401_has_an_error_body(ilo):
    path = '/rest/v1/Systems/1' if ilo.generation == 9 else (
        '/redfish/v1/Systems/1/')
    answer = requests.get('https://%s%s' % (ilo.address, path),
                          auth=('Administrator', 'wrong'),
                          verify=str(ilo.ca_file))
    assert answer.status_code == 401
    info = answer.json()['error']['@Message.ExtendedInfo'][0]
    assert info['MessageId'].endswith('NoValidSession')


def test_legacy_bios_fault_and_back(ilo, client, caplog):
    with caplog.at_level(logging.WARNING, 'iloemu'):
        with ilo.faults_applied(FaultPlan(legacy_bios=True)):
            assert client.get_current_boot_mode() == 'LEGACY'
            with pytest.raises(exception.IloCommandNotSupportedInBiosError):
                client.set_iscsi_info(IQN, 1, '192.0.2.10')
    assert 'fault plan: legacy BIOS boot mode' in caplog.text
    assert client.get_current_boot_mode() == 'UEFI'


def test_latency_for_benchmarks(gen9):
    client = ilo_client(gen9)
    with gen9.faults_applied(FaultPlan(latency=0.15)):
        with gen9.operation('get_current_boot_mode'):
            client.get_current_boot_mode()
    latencies = [r.latency for r in gen9.log.records
                 if r.operation == 'get_current_boot_mode']
    assert len(latencies) == 2 and min(latencies) >= 0.15
    assert not FaultPlan(latency=0.15).active


def test_latency_counts_the_emulators_own_work_in(gen9):
    # The answer time of a real iLO includes its work: the latency is
    # when the answer leaves, not a wait added to the emulator's work.
    client = ilo_client(gen9)
    client.get_current_boot_mode()  # the client exists: no RIBCL below
    with gen9.faults_applied(FaultPlan(latency=0.15)):
        with gen9.operation('latency'):
            start = time.monotonic()
            for _ in range(5):
                client.get_host_power_status()
            elapsed = time.monotonic() - start
    latencies = [r.latency for r in gen9.log.records
                 if r.operation == 'latency']
    assert len(latencies) == 5
    assert all(0.15 <= latency < 0.2 for latency in latencies)
    assert elapsed < 5 * 0.15 + 0.25


def test_plan_from_plain_data():
    plan = FaultPlan.from_mapping({
        'http_errors': [{'path': '/redfish/v1/systems/1', 'method': 'GET'}],
        'delays': [{'seconds': 2.5}], 'expected_password': 'x'})
    assert plan.describe() == [
        'http 500 on GET /redfish/v1/systems/1', 'delay 2.5s on * *',
        'wrong password (iLO expects ******)']
