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

"""Each injected fault: the ironic exception, a consistent node, no secret.

"Consistent" means: a failed step leaves no enabled target in iLO, the
error reported is the step's own (not its rollback's), the error text
holds neither the CHAP secret nor the iLO password (the log records are
checked by ``conftest.log_records`` after every test), and the next
clean up, once iLO answers again, leaves nothing. Issue 13 B.9: the
series records the target in ``driver_internal_info`` before it writes
iLO, so a write whose rollback failed too stays recorded for the clean
up to clear; a rollback that succeeded leaves no record.

Each fault runs on both generations. "Warm": the conductor has talked to
the iLO before, so proliantutils' cached client exists; "cold": the first
call of the process to that iLO (a conductor restart, a new password)
has to build the client, which talks to the iLO already.
"""
from __future__ import annotations

import time

import pytest

from iloemu import DelayRule, FaultPlan, HttpErrorRule
from iloemu.testing import forget_clients
from ironic.common import exception

from harness.logcheck import secret_free
from tests.functional import expect

GENS = pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
ISCSI_SETTINGS = '*/bios/iscsi/settings'
SYSTEM = '*/systems/1'


def _prepare(task):
    task.driver.boot.prepare_instance(task)


def _clean_up(task):
    task.driver.boot.clean_up_instance(task)


def _set_target(task):
    task.driver.management.set_iscsi_boot_target(task)


def _warm(task):
    """Any iLO call: proliantutils builds and caches the client."""
    task.driver.management.get_boot_device(task)


def _assert_failed_cleanly(lab, node, error, initiator_written=False):
    """No target in iLO, no boot device set, the step's own error without
    a secret."""
    assert secret_free(str(error.value), lab.secrets)
    assert secret_free(repr(error.value), lab.secrets)
    assert 'Rolling back' not in str(error.value)
    view = node.ilo.state()
    expect.assert_no_target(view)
    assert view.persistent_boot is None
    if not initiator_written:
        assert view.pending_initiator_name == view.initiator_name


def _assert_cleaned_up(lab, node):
    """iLO answers again: the next clean up leaves nothing, no record."""
    lab.run(node, _clean_up)
    view = node.ilo.state()
    expect.assert_no_target(view)
    assert [t for t in expect.tenant_data(view, node)
            if t.startswith('pending')] == []
    expect.assert_not_recorded(lab.info(node))


# -- HTTP 500 -----------------------------------------------------------------
@GENS
def test_http_500_on_iscsi_settings(lab, gen):
    """Every iSCSI write fails (the target's first): the target's error is
    reported, not the rollback's; the record stays for the clean up."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-pxe', volume=lab.volume())
    with ilo.faults_applied(FaultPlan(http_errors=(
            HttpErrorRule(ISCSI_SETTINGS, 'PATCH'),))):
        with pytest.raises(exception.IloOperationError,
                           match='Setting the iSCSI boot target') as error:
            lab.run(node, _prepare)
    _assert_failed_cleanly(lab, node, error)
    expect.assert_recorded(lab.info(node), node)
    _assert_cleaned_up(lab, node)


@GENS
def test_http_500_on_iscsi_target(lab, gen):
    """iLO holds the connector's IQN already: the target write fails once,
    its rollback (scrub, disable) succeeds and leaves no record."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-virtual-media', volume=lab.volume(),
                      connector=ilo.spec.initiator_name)
    with ilo.faults_applied(FaultPlan(http_errors=(
            HttpErrorRule(ISCSI_SETTINGS, 'PATCH', times=1),))):
        with pytest.raises(exception.IloOperationError,
                           match='Setting the iSCSI boot target') as error:
            lab.run(node, _prepare)
    _assert_failed_cleanly(lab, node, error)
    assert [r.status for r in ilo.log.records
            if r.method == 'PATCH' and 'iscsi' in r.path] == [500, 200, 200]
    expect.assert_not_recorded(lab.info(node))


@GENS
def test_http_500_on_boot_device_clears_the_target(lab, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-pxe', volume=lab.volume())
    with ilo.faults_applied(FaultPlan(http_errors=(
            HttpErrorRule(SYSTEM, 'PATCH'),))):
        with pytest.raises(exception.IloOperationError) as error:
            lab.run(node, _prepare)
    # The target was set, then cleared again after the boot device failed.
    patches = [r for r in ilo.log.records
               if r.method == 'PATCH' and r.path.endswith('iscsi/settings')]
    assert len(patches) >= 3  # name, set, clear (and a scrub)
    assert {r.status for r in patches} == {200}
    _assert_failed_cleanly(lab, node, error, initiator_written=True)


@GENS
def test_http_500_on_clear_keeps_the_record(lab, gen):
    """A failed clean up raises and keeps the record, so that it is
    retried; the retry clears the target."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-virtual-media', volume=lab.volume())
    lab.run(node, _prepare)
    with ilo.faults_applied(FaultPlan(http_errors=(
            HttpErrorRule(ISCSI_SETTINGS, 'PATCH'),))):
        with pytest.raises(exception.IloOperationError,
                           match='Clearing the iSCSI boot target') as error:
            lab.run(node, _clean_up)
    assert secret_free(str(error.value), lab.secrets)
    expect.assert_target(ilo.state(), node, 'ipv4')
    expect.assert_recorded(lab.info(node), node)

    lab.run(node, _clean_up)
    expect.assert_no_target(ilo.state())
    expect.assert_not_recorded(lab.info(node))


# -- delays -------------------------------------------------------------------
DELAY = 1.5


@GENS
def test_delay_beyond_the_client_timeout_is_waited_for(lab, gen):
    """``client_timeout`` (1 s here) is not applied by proliantutils: an
    answer 1.5 s late is waited for and the step succeeds."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-pxe', volume=lab.volume(),
                      driver_info={'client_timeout': 1})
    plan = FaultPlan(delays=(DelayRule(DELAY, ISCSI_SETTINGS, 'PATCH',
                                       times=1),))
    with ilo.faults_applied(plan):
        start = time.monotonic()
        lab.run(node, _prepare)
        took = time.monotonic() - start
    assert took >= DELAY
    assert [r.faults for r in ilo.log.records if r.faults] == [
        ('delay %.1fs' % DELAY,)]
    expect.assert_target(ilo.state(), node, 'ipv4')
    expect.assert_recorded(lab.info(node), node)


# -- connection, certificate, password ----------------------------------------
CONNECTION_FAULTS = {
    'refused': FaultPlan(refuse_connections=True),
    'untrusted-cert': FaultPlan(untrusted_certificate=True),
    'wrong-password': FaultPlan(expected_password='iLO-pw-changed-0001'),
}


@GENS
@pytest.mark.parametrize('fault', sorted(CONNECTION_FAULTS))
def test_connection_fault_warm_client(lab, no_waits, gen, fault):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-virtual-media', volume=lab.volume())
    lab.run(node, _warm)
    with ilo.faults_applied(CONNECTION_FAULTS[fault]):
        with pytest.raises(exception.IloOperationError) as error:
            lab.run(node, _set_target)
        with pytest.raises(exception.IloOperationError) as error:
            lab.run(node, _prepare)
    _assert_failed_cleanly(lab, node, error)
    _assert_cleaned_up(lab, node)


@GENS
@pytest.mark.parametrize('fault', sorted(CONNECTION_FAULTS))
def test_connection_fault_cold_client(lab, no_waits, gen, fault):
    """The documented IloOperationError, also when proliantutils fails
    while it builds its client (``get_ilo_object``)."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-pxe', volume=lab.volume())
    with ilo.faults_applied(CONNECTION_FAULTS[fault]):
        forget_clients()
        with pytest.raises(exception.IloOperationError) as error:
            lab.run(node, _set_target)
    _assert_failed_cleanly(lab, node, error)
    _assert_cleaned_up(lab, node)


@GENS
def test_clean_up_in_bios_mode_keeps_the_record(lab, gen):
    """Clean up in BIOS mode stops with IloOperationNotSupported (issue 13
    B.11: tear down stops instead of carrying on) and keeps the record;
    back in UEFI mode, the next clean up clears the target."""
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, 'ilo-pxe', volume=lab.volume())
    lab.run(node, _prepare)
    with ilo.faults_applied(FaultPlan(legacy_bios=True)):
        with pytest.raises(exception.IloOperationNotSupported,
                           match='BIOS boot mode'):
            lab.run(node, _clean_up)
        expect.assert_recorded(lab.info(node), node)
    expect.assert_target(ilo.state(), node, 'ipv4')
    lab.run(node, _clean_up)
    expect.assert_no_target(ilo.state())
    expect.assert_not_recorded(lab.info(node))
