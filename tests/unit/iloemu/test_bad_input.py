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
"""Bad request bodies get the protocol's own 400 answer, never a 500.

Every PATCH and POST of the RIS and Redfish fronts gets a valid body with
one value at a time swapped for a value of another JSON type, and whole
bodies of the wrong shape; the answer is below 500, an error answer has
the protocol's error body, and every resource still reads afterwards.
The requests go through the emulator's request pipeline (the dispatcher)
without a network connection; test_limits.py covers the HTTP layer.
"""
from __future__ import annotations

import base64
import copy
import json
from typing import Any, Iterator, List, Tuple

import pytest

from iloemu.fronts.base import Request

AUTH = {'authorization': 'Basic ' + base64.b64encode(
    b'Administrator:password').decode()}
DEEP = 10000
WRONG = ['text', ['a', 1], 7, 2.5, {'a': 'b'}, None, True, {'a': [[{}]]}]
WHOLE = [b'[]', b'7', b'"text"', b'null', b'true', b'{', b'\xff\xfe',
         b'[' * DEEP + b']' * DEEP, b'{"a":' * DEEP + b'1' + b'}' * DEEP,
         b'{"a": ' + b'[' * 900 + b']' * 900 + b'}',
         b'{"a": 1' + b'0' * 5000 + b'}']

RIS_ATTEMPT = {
    'iSCSIBootAttemptName': 'NicBoot1', 'iSCSINicSource': 'NicBoot1',
    'iSCSIBootAttemptInstance': 1, 'iSCSIBootLUN': '1',
    'iSCSIBootEnable': 'Enabled', 'iSCSITargetName': 'iqn.2010-10.x:vol',
    'iSCSITargetIpAddress': '192.0.2.1', 'iSCSITargetTcpPort': 3260,
    'iSCSITargetInfoViaDHCP': False, 'iSCSIAuthenticationMethod': 'Chap',
    'iSCSIChapUsername': 'user', 'iSCSIChapSecret': 'abcdefghijklm'}
REDFISH_ATTEMPT = dict(
    {k: v for k, v in RIS_ATTEMPT.items() if 'Boot' not in k},
    iSCSIAttemptName='NicBoot1', iSCSIAttemptInstance=1, iSCSILUN='1',
    iSCSIConnection='Enabled')
BOOT = {'BootSourceOverrideEnabled': 'Once',
        'BootSourceOverrideTarget': 'Cd',
        'UefiTargetBootSourceOverride': 'None'}

_S9, _S10 = '/rest/v1/Systems/1', '/redfish/v1/Systems/1'
_VM10 = '/redfish/v1/Managers/1/VirtualMedia/2'
WRITES = {
    9: [
        ('PATCH', _S9, {'Boot': BOOT}),
        ('POST', _S9, {'Action': 'Reset', 'ResetType': 'On'}),
        ('POST', _S9, {'Action': 'PowerButton', 'PushType': 'Press'}),
        ('PATCH', _S9 + '/bios/Settings', {'BootMode': 'Uefi',
                                           'CustomPostMessage': 'hi'}),
        ('PATCH', _S9 + '/bios/Boot/Settings',
         {'PersistentBootConfigOrder': ['NIC.LOM.1.1.IPv4']}),
        ('PATCH', _S9 + '/bios/iScsi/Settings',
         {'iSCSIInitiatorName': 'iqn.2010-10.x:host',
          'iSCSIBootSources': [RIS_ATTEMPT]}),
        ('PATCH', '/rest/v1/Managers/1/VirtualMedia/2',
         {'Image': 'http://192.0.2.1/a.iso',
          'Oem': {'Hp': {'BootOnNextServerReset': True}}}),
    ],
    10: [
        ('POST', '/redfish/v1/SessionService/Sessions',
         {'UserName': 'Administrator', 'Password': 'wrong'}),
        ('PATCH', _S10, {'Boot': dict(BOOT, BootSourceOverrideMode='UEFI')}),
        ('POST', _S10 + '/Actions/ComputerSystem.Reset', {'ResetType': 'On'}),
        ('POST', _S10 + '/Actions/Oem/Hpe/HpeComputerSystemExt.PowerButton',
         {'PushType': 'Press'}),
        ('PATCH', _S10 + '/bios/settings', {'Attributes': {
            'BootMode': 'Uefi', 'CustomPostMessage': 'hi'}}),
        ('PATCH', _S10 + '/bios/boot/settings',
         {'PersistentBootConfigOrder': ['NIC.LOM.1.1.IPv4']}),
        ('PATCH', _S10 + '/bios/iscsi/settings',
         {'iSCSIInitiatorName': 'iqn.2010-10.x:host',
          'iSCSISources': [REDFISH_ATTEMPT]}),
        ('PATCH', _VM10, {'Image': 'http://192.0.2.1/a.iso',
                          'Inserted': True, 'WriteProtected': True,
                          'Oem': {'Hpe': {'BootOnNextServerReset': True}}}),
        ('POST', _VM10 + '/Actions/VirtualMedia.InsertMedia',
         {'Image': 'http://192.0.2.1/a.iso'}),
        ('POST', _VM10 + '/Actions/VirtualMedia.EjectMedia', {}),
    ],
}
READS = {
    9: [_S9, _S9 + '/bios', _S9 + '/bios/Settings', _S9 + '/bios/Boot',
        _S9 + '/bios/Boot/Settings', _S9 + '/bios/iScsi',
        _S9 + '/bios/iScsi/Settings', _S9 + '/bios/Mappings',
        '/rest/v1/Managers/1/VirtualMedia/2'],
    10: [_S10, _S10 + '/bios', _S10 + '/bios/settings',
         _S10 + '/bios/boot', _S10 + '/bios/boot/settings',
         _S10 + '/bios/iscsi', _S10 + '/bios/iscsi/settings',
         _S10 + '/bios/mappings', _S10 + '/EthernetInterfaces/1', _VM10,
         '/redfish/v1/SessionService/Sessions'],
}


def _paths(doc: Any, where: Tuple[Any, ...] = ()
           ) -> Iterator[Tuple[Any, ...]]:
    """Every place in a JSON document that holds a value."""
    if isinstance(doc, dict):
        items = doc.items()
    elif isinstance(doc, list):
        items = enumerate(doc)
    else:
        return
    for key, value in items:
        yield where + (key,)
        yield from _paths(value, where + (key,))


def _swapped(doc: Any, where: Tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    return doc


def _bodies(doc: Any) -> List[bytes]:
    bodies = list(WHOLE)
    for where in _paths(doc):
        for value in WRONG:
            bodies.append(json.dumps(_swapped(doc, where, value)).encode())
        deep = json.loads('[' * 800 + ']' * 800)
        bodies.append(json.dumps(_swapped(doc, where, deep)).encode())
    return bodies


def _ask(ilo, method: str, path: str, body: bytes = b''):
    request = Request(method, path, dict(AUTH), body)
    response, _, _ = ilo._dispatcher.handle(request)
    return response


def _assert_protocol_error(ilo, response) -> None:
    body = json.loads(response.body)
    info = body['error']['@Message.ExtendedInfo']
    assert info[0]['MessageId']
    if ilo.generation == 9:
        assert body['Messages'][0]['MessageID'] == info[0]['MessageId']


@pytest.mark.parametrize('generation', [9, 10])
def test_wrongly_typed_bodies_answer_400(fleet, generation, caplog):
    ilo = fleet.add(generation=generation)
    failures = []
    for method, path, doc in WRITES[generation]:
        for body in _bodies(doc):
            response = _ask(ilo, method, path, body)
            if response.status >= 500:
                failures.append((method, path, body[:120], response.status))
            elif response.status >= 400:
                _assert_protocol_error(ilo, response)
        for read in READS[generation]:
            response = _ask(ilo, 'GET', read)
            if response.status != 200:
                failures.append(('GET after', path, read, response.status))
    assert failures == []
    assert 'Traceback' not in caplog.text


@pytest.mark.parametrize('generation', [9, 10])
def test_valid_bodies_still_work(fleet, generation):
    ilo = fleet.add(generation=generation)
    for method, path, doc in WRITES[generation]:
        response = _ask(ilo, method, path, json.dumps(doc).encode())
        if path.endswith('/Sessions'):
            assert response.status == 401
        else:
            assert response.status == 200, (path, response.body)


#: "Billion laughs": ten entities, each ten of the one before.
LAUGHS = ('<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + ''.join(
    '<!ENTITY %s "%s">' % (chr(98 + i), ('&%s;' % chr(97 + i)) * 10)
    for i in range(9)) + ']><RIBCL>&j;</RIBCL>').encode()


@pytest.mark.parametrize('body', [
    b'', b'<RIBCL', b'<?xml version="1.0"?><RIBCL><LOGIN>',
    b'\xff\xfe<RIBCL/>', b'<A>' * DEEP + b'</A>' * DEEP,
    b'<!DOCTYPE r [<!ENTITY e "x">]><RIBCL>&e;</RIBCL>',
    LAUGHS,
    b'<RIBCL><LOGIN USER_LOGIN="Administrator" PASSWORD="password">'
    b'<X>' * 2000 + b'</X>' * 2000 + b'</LOGIN></RIBCL>'])
def test_malformed_ribcl_answers_a_ribcl_error(gen9, body):
    response = _ask(gen9, 'POST', '/ribcl', body)
    assert response.status < 500
    assert response.body.startswith(b'<?xml')
    assert b'STATUS="0x0000"' not in response.body or b'<X' not in body
