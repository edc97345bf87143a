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

"""The OVMF iSCSI variables: encoding, OVMF's own defaults, the store.

The defaults are compared with what OVMF's IScsiDxe wrote into a blank
store (``data/ovmf_iscsi_defaults.json``, made by ``python -m
realboot.ovmfcapture``). Store tests need PyPI virt-firmware and
Debian's blank ``OVMF_VARS.fd``; without either they skip, saying so.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
import shutil

import pytest

from realboot import ovmfvars, vm
from realboot.ovmfvars import (Attempt, Chap, IscsiConfig, StaticAddress,
                               VarStoreError)

FIXTURE = Path(__file__).parent / 'data' / 'ovmf_iscsi_defaults.json'
INITIATOR = 'iqn.2024-05.org.example:host'
IQN = 'iqn.2024-05.org.example.realboot:uefi-gen10'

STATIC = Attempt(mac='9c:b6:54:02:00:0a', target_iqn=IQN,
                 target_ip='10.0.2.100', target_port=40123, lun=10,
                 static=StaticAddress('10.0.2.15', '255.255.255.0',
                                      '10.0.2.2'),
                 connect_timeout_ms=5000, connect_retries=3,
                 chap=Chap('chap-user', 'Secret-12345678'), vlan=0)
DHCP = Attempt(mac='9C-B6-54-02-00-0B', target_iqn=IQN + '-2',
               target_ip='10.0.2.101')


def _captured():
    return json.loads(FIXTURE.read_text())


def _store_tools():
    pytest.importorskip('virt.firmware.varstore.edk2',
                        reason='PyPI virt-firmware is not installed')
    if not vm.OVMF_VARS.exists():
        pytest.skip('Debian package ovmf is not installed (no %s)'
                    % vm.OVMF_VARS)


# -- the encoding -------------------------------------------------------------
def test_fields_lie_inside_the_struct_without_overlap():
    ends = 0
    for field in sorted(ovmfvars.FIELDS, key=lambda f: f.offset):
        assert field.offset >= ends, field.name
        ends = field.offset + field.size
    assert ends == ovmfvars.ATTEMPT_SIZE


def test_every_field_written_is_read_back():
    values = ovmfvars.unpack(ovmfvars.attempt_bytes(3, STATIC))
    assert values == {
        'attempt_index': 3,
        'attempt_name': b'Attempt 3'.ljust(12, b'\0'),
        'mac_string': b'9C:B6:54:02:00:0A'.ljust(96, b'\0'),
        'target_port': 40123,
        'enabled': 1,
        'ip_mode': 0,
        'local_ip': bytes([10, 0, 2, 15]).ljust(16, b'\0'),
        'subnet_mask': bytes([255, 255, 255, 0]),
        'gateway': bytes([10, 0, 2, 2]).ljust(16, b'\0'),
        'initiator_from_dhcp': 0,
        'target_from_dhcp': 0,
        'target_name': IQN.encode().ljust(224, b'\0'),
        'target_ip': bytes([10, 0, 2, 100]).ljust(16, b'\0'),
        'boot_lun': b'\x00\x0a' + bytes(6),
        'connect_timeout': 5000,
        'connect_retry_count': 3,
        'isid': bytes.fromhex('1cb65402000a'),
        'authentication_type': 1,
        'chap_type': 0,
        'chap_name': b'chap-user'.ljust(127, b'\0'),
        'chap_secret': b'Secret-12345678'.ljust(17, b'\0'),
        'actived': 1,
    }


@pytest.mark.parametrize('attempt', [STATIC, DHCP], ids=['static', 'dhcp'])
def test_parse_gives_back_the_attempt(attempt):
    parsed = ovmfvars.parse_attempt(ovmfvars.attempt_bytes(1, attempt))
    assert parsed == dataclass_with_canonical_mac(attempt)
    assert parsed.chap == attempt.chap  # the secret too (not in the repr)
    if attempt.chap:
        assert parsed.chap.secret == attempt.chap.secret


def dataclass_with_canonical_mac(attempt):
    return dataclasses.replace(attempt, mac=attempt.mac.replace(
        '-', ':').lower())


def test_dhcp_attempt_leaves_the_address_fields_zero():
    values = ovmfvars.unpack(ovmfvars.attempt_bytes(1, DHCP))
    assert values['initiator_from_dhcp'] == 1
    assert values['local_ip'] == bytes(16) == values['gateway']
    assert values['authentication_type'] == 0
    assert values['chap_secret'] == bytes(17)


def test_vlan_is_part_of_the_nic_key():
    attempt = Attempt(mac='9c:b6:54:02:00:0a', target_iqn=IQN,
                      target_ip='10.0.2.100', vlan=0x12)
    data = ovmfvars.attempt_bytes(1, attempt)
    assert data[38:60].rstrip(b'\0') == b'9C:B6:54:02:00:0A\\0012'
    assert ovmfvars.parse_attempt(data).vlan == 0x12


@pytest.mark.parametrize('secret', ['Secret-1234', 'Secret-123456789'],
                         ids=['11', '17'])
def test_secrets_edk2_refuses_are_still_written(secret):
    # The firmware judges them (tests/realboot); the store holds iLO's.
    data = ovmfvars.attempt_bytes(1, Attempt(
        mac='9c:b6:54:02:00:0a', target_iqn=IQN, target_ip='10.0.2.100',
        chap=Chap('user', secret)))
    assert data[886:886 + len(secret)] == secret.encode()
    assert ovmfvars.parse_attempt(data).chap.secret == secret


@pytest.mark.parametrize('change, words', [
    (dict(mac='9c:b6:54:02:00'), 'not a MAC'),
    (dict(mac='9c:b6:54:02:00:0g'), 'not a MAC'),
    (dict(target_iqn='iqn.' + 'x' * 220), 'target_name'),
    (dict(target_iqn='iqn.2024-05.example:\u00e9'), 'ASCII'),
    (dict(target_ip='127.0.0.256'), 'target address'),
    (dict(target_port=0), 'port'),
    (dict(lun=16384), 'LUN'),
    (dict(connect_timeout_ms=99), 'timeout'),
    (dict(connect_retries=17), 'retries'),
    (dict(static=StaticAddress('10.0.2.15', '255.255.255.x')), 'netmask'),
    (dict(chap=Chap('user', 'Secret-12345678901')), 'chap_secret'),
    (dict(chap=Chap('u' * 127, 'Secret-12345')), 'chap_name'),
])
def test_values_that_do_not_fit_are_refused(change, words):
    attempt = dataclasses.replace(DHCP, **change)
    with pytest.raises(VarStoreError, match=words) as info:
        ovmfvars.attempt_bytes(1, attempt)
    assert 'Secret' not in str(info.value)


def test_at_most_eight_attempts():
    with pytest.raises(VarStoreError, match='at most 8'):
        ovmfvars.variables(IscsiConfig(INITIATOR, (DHCP,) * 9))


def test_variables_fill_all_eight_slots_and_both_orders():
    found = {name: (guid, data) for name, guid, data in
             ovmfvars.variables(IscsiConfig(INITIATOR, (STATIC, DHCP)))}
    assert found['I_NAME'] == (ovmfvars.NVDATA_GUID,
                               INITIATOR.encode() + b'\0')
    assert found['AttemptOrder'] == (ovmfvars.CONFIG_GUID, b'\x01\x02')
    assert found['InitialAttemptOrder'] == (ovmfvars.CONFIG_GUID,
                                            bytes(range(1, 9)))
    assert found['Attempt 2'][1] == ovmfvars.attempt_bytes(2, DHCP)
    assert found['Attempt 3'][1] == ovmfvars.default_attempt_bytes(3)
    assert len(found) == 11


# -- OVMF's own defaults ------------------------------------------------------
@pytest.mark.parametrize('index', range(1, 9))
def test_defaults_equal_what_ovmf_writes_byte_for_byte(index):
    captured = bytes.fromhex(_captured()['variables']['Attempt %d' % index])
    assert ovmfvars.default_attempt_bytes(index) == captured


def test_initial_order_and_absent_variables_as_ovmf_writes_them():
    captured = _captured()
    assert captured['variables']['InitialAttemptOrder'] == '0102030405060708'
    # A blank store gets no initiator name and no AttemptOrder: nothing
    # boots from iSCSI until someone (iLO, here us) configures it.
    assert sorted(captured['absent']) == ['AttemptOrder', 'I_NAME']


def test_configured_attempt_differs_from_defaults_only_where_set():
    default = ovmfvars.unpack(ovmfvars.default_attempt_bytes(1))
    configured = ovmfvars.unpack(ovmfvars.attempt_bytes(1, DHCP))
    changed = {name for name in default if default[name] != configured[name]}
    assert changed == {'mac_string', 'enabled', 'initiator_from_dhcp',
                       'target_name', 'target_ip', 'isid',
                       'authentication_type', 'actived'}
    # Outside the named fields both are zero.
    raw = ovmfvars.attempt_bytes(1, DHCP)
    named = set()
    for field in ovmfvars.FIELDS:
        named.update(range(field.offset, field.offset + field.size))
    assert all(raw[i] == 0 for i in range(len(raw)) if i not in named)


# -- the store ----------------------------------------------------------------
def test_store_round_trip(tmp_path):
    _store_tools()
    config = IscsiConfig(INITIATOR, (STATIC, DHCP))
    out = ovmfvars.write_store(vm.OVMF_VARS, tmp_path / 'vars.fd', config)
    assert out.stat().st_size == vm.OVMF_VARS.stat().st_size
    back = ovmfvars.read_config(out)
    assert back.initiator_name == INITIATOR
    assert back.attempts == (dataclass_with_canonical_mac(STATIC),
                             dataclass_with_canonical_mac(DHCP))
    assert back.attempts[0].chap.secret == STATIC.chap.secret
    raw = ovmfvars.read_variables(out)
    for index in range(3, 9):
        assert raw['Attempt %d' % index] == bytes.fromhex(
            _captured()['variables']['Attempt %d' % index])


def test_store_without_attempts_holds_exactly_ovmfs_defaults(tmp_path):
    _store_tools()
    out = ovmfvars.write_store(vm.OVMF_VARS, tmp_path / 'vars.fd',
                               IscsiConfig(INITIATOR))
    raw = ovmfvars.read_variables(out)
    for name, hexdata in _captured()['variables'].items():
        assert raw[name].hex() == hexdata, name
    assert raw['AttemptOrder'] == b''


def test_store_keeps_other_variables_and_replaces_old_attempts(tmp_path):
    _store_tools()
    from virt.firmware.varstore.edk2 import Edk2VarStore
    used = tmp_path / 'used.fd'
    shutil.copyfile(vm.OVMF_VARS, used)
    ovmfvars.write_store(used, used, IscsiConfig('iqn.old:x', (DHCP,)))
    before = set(Edk2VarStore(str(used)).get_varlist())
    ovmfvars.write_store(used, used, IscsiConfig(INITIATOR, (STATIC,)))
    after = Edk2VarStore(str(used)).get_varlist()
    assert set(after) == before
    back = ovmfvars.read_config(used)
    assert back.initiator_name == INITIATOR
    assert back.attempts == (dataclass_with_canonical_mac(STATIC),)
    assert after['Attempt 1'].attr == ovmfvars.ATTRIBUTES


def test_attempt_equals_what_ovmfs_setup_form_saves():
    # The same attempt typed into OVMF's own iSCSI form: equal bytes
    # outside the run-time state (list link, NIC index, HII tokens).
    saved = json.loads((FIXTURE.parent / 'ovmf_hii_attempt.json').read_text())
    typed = saved['typed']
    ours = ovmfvars.attempt_bytes(2, Attempt(
        mac=typed['nic_mac'], target_iqn=typed['target_name'],
        target_ip=typed['target_ip'], target_port=typed['target_port'],
        lun=int(typed['boot_lun']),
        static=StaticAddress(typed['initiator_ip'], typed['netmask'],
                             typed['gateway'])))
    firmware = bytes.fromhex(saved['attempt_hex'])
    runtime = set(saved['runtime_offsets'])
    assert [i for i in range(len(firmware))
            if i not in runtime and firmware[i] != ours[i]] == []
