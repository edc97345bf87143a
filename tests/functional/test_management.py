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

from iloemu import NicSpec

from demo.conductor import VolumeSpec
from demo.logcheck import secret_free
from tests.functional import bench as b


def _set(task):
    task.driver.management.set_iscsi_boot_target(task)


def _clear(task):
    task.driver.management.clear_iscsi_boot_target(task)


def _boot_device(task):
    return task.driver.management.get_boot_device(task)


def _set_boot_device(task):
    task.driver.management.set_boot_device(task, boot_devices.ISCSIBOOT,
                                           persistent=True)


def _iscsi_patches(ilo):
    return [r for r in ilo.log.records
            if r.method == 'PATCH' and r.path.endswith('iscsi/settings')]


@pytest.mark.parametrize('gen, portal, address, port', [
    (9, '192.0.2.10', '192.0.2.10', 3260),
    (10, '192.0.2.10:3261', '192.0.2.10', 3261),
    (9, '[2001:db8::10]', '2001:db8::10', 3260),
    (10, '2001:db8::10', '2001:db8::10', 3260),
], ids=['gen9-v4-default-port', 'gen10-v4-port', 'gen9-v6-brackets',
        'gen10-v6-bare'])
def test_portal_forms(bench, gen, portal, address, port):
    ilo = bench.ilo(gen)
    volume = VolumeSpec(b.unique(b.IQN_PREFIX), 0, portal)
    node = bench.enroll(ilo, volume=volume)
    bench.run(node, _set)
    target = ilo.state().iscsi[node.port_macs[0]]
    assert (target.enabled, target.iqn, target.lun, target.ip_address,
            target.port) == (True, volume.iqn, '0', address, port)


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_two_ports_two_nics(bench, gen):
    ilo = bench.ilo(gen)
    node = bench.enroll(ilo, ports=2, volume=bench.volume())
    bench.run(node, _set)
    b.assert_target(ilo.state(), node, 'ipv4')
    b.assert_recorded(bench.info(node), node)
    bench.run(node, _clear)
    b.assert_no_target(ilo.state())
    b.assert_not_recorded(bench.info(node))


def test_no_ports_means_all_nics_and_a_warning(bench, log_records):
    ilo = bench.ilo(9, nics=(
        NicSpec('9c:b6:54:09:00:01'), NicSpec('9c:b6:54:09:00:02'),
        NicSpec('9c:b6:54:09:00:03', boot_capable=False)))
    node = bench.enroll(ilo, ports=0, volume=bench.volume(chap=False))
    bench.run(node, _set)
    assert sorted(b.enabled_targets(ilo.state())) == [
        '9c:b6:54:09:00:01', '9c:b6:54:09:00:02']
    assert bench.info(node)[b.MACS_KEY] == []
    warnings = [r.getMessage() for r in log_records.records
                if r.levelno == logging.WARNING
                and r.name.startswith('ironic.')]
    assert any('has no ports' in w for w in warnings)
    bench.run(node, _clear)
    b.assert_no_target(ilo.state())


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_port_unknown_to_ilo(bench, gen):
    ilo = bench.ilo(gen)
    stranger = '52:54:00:aa:bb:cc'
    node = bench.enroll(ilo, macs=[stranger], volume=bench.volume())
    with pytest.raises(exception.IloOperationError, match=stranger) as error:
        bench.run(node, _set)
    assert secret_free(str(error.value), bench.secrets)
    b.assert_no_target(ilo.state())
    b.assert_not_recorded(bench.info(node))


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_initiator_name_held_already_is_not_written(bench, gen):
    ilo = bench.ilo(gen)
    node = bench.enroll(ilo, volume=bench.volume(),
                        connector=ilo.spec.initiator_name)
    bench.run(node, _set)
    assert len(_iscsi_patches(ilo)) == 1  # the target only
    view = ilo.state()
    assert view.pending_initiator_name == ilo.spec.initiator_name
    b.assert_target(view, node, 'ipv4')


def test_no_connector_keeps_the_firmware_name(bench, log_records):
    ilo = bench.ilo(10)
    node = bench.enroll(ilo, volume=bench.volume(), connector=None)
    bench.run(node, _set)
    view = ilo.state()
    assert view.pending_initiator_name == ilo.spec.initiator_name
    b.assert_target(view, node, 'ipv4')
    infos = [r.getMessage() for r in log_records.records
             if r.levelno == logging.INFO and r.name.startswith('ironic.')]
    assert any(ilo.spec.initiator_name in m and 'no volume connector' in m
               for m in infos)


@pytest.mark.parametrize('gen, secret, valid', [
    (9, 'Eleven-char', False),
    (10, 'Seventeen-chars-x', False),
    (9, '0x' + 'a1' * 11 + 'f', False),  # 23 hex digits
    (10, '0x' + '0123456789abcdef' * 2, True),  # 32 hex digits
], ids=['gen9-11-chars', 'gen10-17-chars', 'gen9-hex-23',
        'gen10-hex-32'])
def test_chap_secret_rule(bench, gen, secret, valid):
    ilo = bench.ilo(gen)
    volume = VolumeSpec(b.unique(b.IQN_PREFIX), 1, '192.0.2.10:3260',
                        b.CHAP_USER, secret)
    node = bench.enroll(ilo, 'ilo-virtual-media', volume=volume)
    if valid:
        bench.run(node, lambda task: task.driver.boot.validate(task))
        bench.run(node, _set)
        b.assert_target(ilo.state(), node, 'ipv4')
        return
    ilo.log.clear()
    for step in (lambda task: task.driver.boot.validate(task), _set):
        with pytest.raises(exception.InvalidParameterValue,
                           match='12 to 16') as error:
            bench.run(node, step)
        assert secret_free(str(error.value), bench.secrets)
    assert _iscsi_patches(ilo) == []  # refused before iLO was asked
    b.assert_not_recorded(bench.info(node))


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_boot_device_read_back(bench, gen):
    """Gen10 reports the persistent iSCSI boot as NETWORK, Gen9 as ISCSI:
    ironic reports ISCSIBOOT on both while its record says iLO holds the
    target, and what iLO reports otherwise."""
    ilo = bench.ilo(gen)
    node = bench.enroll(ilo, volume=bench.volume())
    bench.run(node, _set)
    bench.run(node, _set_boot_device)
    assert bench.run(node, _boot_device) == {
        'boot_device': boot_devices.ISCSIBOOT, 'persistent': True}

    bench.run(node, _clear)  # the record goes; the boot override stays
    b.assert_iscsi_boot_device(ilo.state(), node)
    reported = bench.run(node, _boot_device)
    if gen == 9:
        assert reported == {'boot_device': boot_devices.ISCSIBOOT,
                            'persistent': True}
    else:
        assert reported == {'boot_device': boot_devices.PXE,
                            'persistent': True}


@pytest.mark.xfail(strict=True, reason=(
    "known limitation, not fixable in ironic: proliantutils' set_iscsi_info "
    "sends no authentication fields without CHAP and unset_iscsi_info only "
    "disables the attempt, so under the emulator's merge model (not "
    "verified on hardware) the old CHAP settings stay"))
@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_next_deploy_without_chap_after_one_with_chap(bench, gen):
    """The same server, a deploy with CHAP, its tear down, then a deploy
    of a volume without CHAP: the firmware must not keep the old CHAP
    settings (iLO merges a PATCH into what it holds)."""
    ilo = bench.ilo(gen)
    first = bench.enroll(ilo, volume=bench.volume(chap=True))
    bench.run(first, _set)
    bench.run(first, _clear)
    bench.destroy_all()

    second = bench.enroll(ilo, volume=bench.volume(chap=False,
                                                   portal='ipv6'))
    bench.run(second, _set)
    b.assert_target(ilo.state(), second, 'ipv6')


def test_clear_without_a_target(bench):
    ilo = bench.ilo(10)
    node = bench.enroll(ilo, volume=bench.volume())
    bench.run(node, _clear)
    b.assert_no_target(ilo.state())
    b.assert_not_recorded(bench.info(node))
