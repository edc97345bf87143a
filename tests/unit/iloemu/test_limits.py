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
"""The HTTP layer: Content-Length, the body limit, credentials first.

Requests go over TLS to a running emulated iLO with http.client, which
lets a test declare a Content-Length and send another body (or none).
"""
from __future__ import annotations

import base64
import http.client
import json
import ssl
import time

import pytest

from iloemu.dispatch import MAX_BODY

AUTH = 'Basic ' + base64.b64encode(b'Administrator:password').decode()
PATHS = {9: '/rest/v1/Systems/1', 10: '/redfish/v1/Systems/1'}


def _send(ilo, path, length, body=b'', auth=True, method='PATCH'):
    """(status, decoded JSON body, seconds) of a raw request."""
    context = ssl.create_default_context(cafile=str(ilo.ca_file))
    conn = http.client.HTTPSConnection(ilo.address, ilo.port, timeout=10,
                                       context=context)
    start = time.monotonic()
    try:
        conn.putrequest(method, path)
        conn.putheader('Content-Type', 'application/json')
        if length is not None:
            conn.putheader('Content-Length', length)
        if auth:
            conn.putheader('Authorization', AUTH)
        conn.endheaders(body)
        answer = conn.getresponse()
        data = answer.read()
    finally:
        conn.close()
    return answer.status, data, time.monotonic() - start


def _message_id(data):
    return json.loads(data)['error']['@Message.ExtendedInfo'][0]['MessageId']


@pytest.mark.parametrize('length', ['abc', '-5', '1e3', '0x10', ' ', '+3',
                                    '1_0'])
def test_bad_content_length_answers_400(ilo, length):
    status, data, _ = _send(ilo, PATHS[ilo.generation], length)
    if length == ' ':  # an empty header: no body
        assert status == 400 and 'Malformed' in _message_id(data)
        return
    assert status == 400
    assert _message_id(data) == 'Base.1.0.GeneralError'
    assert [r.status for r in ilo.log.records] == [400]


def test_ribcl_bad_content_length_answers_400(gen9):
    status, data, _ = _send(gen9, '/ribcl', 'many', method='POST')
    assert status == 400
    assert data.startswith(b'<?xml')


def test_credentials_are_checked_before_the_body(ilo):
    # 50 MB declared, nothing sent: an answer at once, not after a read.
    status, data, seconds = _send(ilo, PATHS[ilo.generation],
                                  str(50 * 1000 * 1000), auth=False)
    assert status == 401
    assert _message_id(data) == 'Base.1.0.NoValidSession'
    assert seconds < 5


def test_bodies_over_the_limit_answer_413(ilo):
    status, data, seconds = _send(ilo, PATHS[ilo.generation],
                                  str(MAX_BODY + 1))
    assert status == 413
    assert seconds < 5
    status, data, _ = _send(ilo, PATHS[ilo.generation], '9' * 40)
    assert status == 413


def test_a_refused_body_does_not_lose_the_answer(ilo):
    body = json.dumps({'Boot': {'BootSourceOverrideTarget': 'Cd'}}).encode()
    status, data, _ = _send(ilo, PATHS[ilo.generation], str(len(body)),
                            body, auth=False)
    assert status == 401
    status, data, _ = _send(ilo, PATHS[ilo.generation] + '/nothing',
                            str(len(body)), body)
    assert status == 404


def test_a_body_at_the_limit_is_read(gen10):
    body = json.dumps({'Boot': {'BootSourceOverrideTarget': 'Cd'},
                       'x': ' ' * 10}).encode()
    body += b' ' * (MAX_BODY - len(body))
    status, data, _ = _send(gen10, PATHS[10], str(len(body)), body)
    assert status == 400
    assert _message_id(data) == 'Base.1.0.PropertyUnknown'
