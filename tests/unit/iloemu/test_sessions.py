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
"""Redfish sessions: login, use, logout, idle timeout and the limit."""
from __future__ import annotations

import time

import pytest
import requests

from iloemu.auth import IDLE_TIMEOUT, Authenticator
from iloemu.config import ServerSpec
from iloemu.errors import ConfigError, SessionLimitExceeded
from iloemu.secret import Secret

SESSIONS = '/redfish/v1/SessionService/Sessions/'
LOGIN = {'UserName': 'Administrator', 'Password': 'password'}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _url(ilo, path):
    return 'https://%s%s' % (ilo.address, path)


def _login(ilo):
    return requests.post(_url(ilo, SESSIONS), json=LOGIN,
                         verify=str(ilo.ca_file))


def _get(ilo, path, token):
    return requests.get(_url(ilo, path), headers={'X-Auth-Token': token},
                        verify=str(ilo.ca_file))


def test_idle_sessions_expire_and_use_keeps_them():
    clock = Clock()
    auth = Authenticator('admin', Secret('pw'), idle_timeout=60,
                         clock=clock)
    kept, idle = (auth.open_session('admin', 'pw') for _ in range(2))
    clock.now += 50
    assert auth.session_for(kept.token.reveal()) is kept
    clock.now += 20
    assert auth.session_for(idle.token.reveal()) is None
    assert auth.sessions == [kept]
    assert auth.session_for(kept.token.reveal()) is kept
    clock.now += 59
    assert auth.session_for(kept.token.reveal()) is kept
    clock.now += 60
    assert auth.sessions == []


def test_the_default_idle_timeout_is_ilos():
    assert IDLE_TIMEOUT == 30 * 60
    assert ServerSpec('127.0.0.41').session_timeout == 30 * 60


def test_logins_beyond_the_limit_are_refused():
    clock = Clock()
    auth = Authenticator('admin', Secret('pw'), idle_timeout=60,
                         max_sessions=2, clock=clock)
    first = auth.open_session('admin', 'pw')
    auth.open_session('admin', 'pw')
    with pytest.raises(SessionLimitExceeded):
        auth.open_session('admin', 'pw')
    assert auth.open_session('admin', 'wrong') is None
    assert auth.close_session(first.id)
    assert auth.open_session('admin', 'pw') is not None
    clock.now += 61  # all idle: room again
    assert auth.open_session('admin', 'pw') is not None


@pytest.mark.parametrize('settings', [{'session_timeout': 0},
                                      {'max_sessions': 0},
                                      {'session_timeout': 'long'}])
def test_session_settings_are_checked(settings):
    with pytest.raises(ConfigError):
        ServerSpec('127.0.0.41', **settings)


def test_login_use_and_logout_over_https(gen10):
    answer = _login(gen10)
    assert answer.status_code == 201
    token, location = answer.headers['X-Auth-Token'], answer.headers[
        'Location']
    assert _get(gen10, '/redfish/v1/Systems/1', token).status_code == 200
    service = _get(gen10, '/redfish/v1/SessionService', token).json()
    assert service['SessionTimeout'] == 1800
    members = _get(gen10, SESSIONS, token).json()['Members']
    assert [m['@odata.id'] for m in members] == [location]
    answer = requests.delete(_url(gen10, location),
                             headers={'X-Auth-Token': token},
                             verify=str(gen10.ca_file))
    assert answer.status_code == 200
    assert _get(gen10, '/redfish/v1/Systems/1', token).status_code == 401
    assert gen10.auth.sessions == []
    answer = requests.delete(_url(gen10, location),
                             auth=('Administrator', 'password'),
                             verify=str(gen10.ca_file))
    assert answer.status_code == 404


def test_limit_and_timeout_over_https(fleet):
    ilo = fleet.add(generation=10, max_sessions=2, session_timeout=0.5)
    tokens = [_login(ilo).headers['X-Auth-Token'] for _ in range(2)]
    answer = _login(ilo)
    assert answer.status_code == 503
    info = answer.json()['error']['@Message.ExtendedInfo'][0]
    assert info['MessageId'] == 'Base.1.4.SessionLimitExceeded'
    time.sleep(0.6)
    assert _get(ilo, '/redfish/v1/Systems/1', tokens[0]).status_code == 401
    assert _login(ilo).status_code == 201
