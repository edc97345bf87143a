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

"""boot_check sessions: the session list is polled until it names the
initiator (or no longer does); a failure names the command and what it
printed, never a secret."""
from __future__ import annotations

import sys

import pytest

from hwci.bootcheck import BootCheckError, wait_for_session
from hwci.targets import parse

INITIATOR = 'iqn.2017-11.org.example.hwci:h1'
SECRET = 'Chap-not-shown'


def _server(argv):
    return parse({'servers': [{
        'name': 'gen10-a', 'address': '192.0.2.21', 'username': 'ci',
        'password': 'pw-Never-Shown-1', 'generation': 10,
        'boot_mac': '9c:b6:54:00:00:01', 'initiator_iqn': INITIATOR,
        'boot_check': 'sessions',
        'sessions_command': argv}]}).servers[0]


def _wait(script, present):
    return wait_for_session(_server([sys.executable, '-c', script]),
                            INITIATOR, present, 0.3, 0.1, [SECRET])


@pytest.mark.parametrize('script, present', [
    ('print("Session: 1\\n    Initiator: %s")' % INITIATOR.upper(), True),
    ('print("Session: 1\\n    Initiator: iqn.x:other")', False),
], ids=['named', 'gone'])
def test_the_wait_ends_when_the_list_agrees(script, present):
    assert 'Session: 1' in _wait(script, present)


@pytest.mark.parametrize('script, present, named', [
    ('print("Initiator: iqn.x:other %s")' % SECRET, True,
     'does not name %s; it printed:\nInitiator: iqn.x:other ******'
     % INITIATOR),
    ('print("Initiator: %s")' % INITIATOR, False,
     'still names %s' % INITIATOR),
    ('import sys; sys.exit("no target %s")' % SECRET, True,
     'exit status 1: no target ******'),
], ids=['never-named', 'never-gone', 'command-fails'])
def test_a_failure_names_the_command_and_its_output(script, present, named):
    with pytest.raises(BootCheckError) as error:
        _wait(script, present)
    text = str(error.value)
    assert (named in text, sys.executable in text, SECRET in text) == (
        True, True, False)


def test_a_missing_command_is_named():
    with pytest.raises(BootCheckError, match='/nonexistent/tgtadm: No such'):
        wait_for_session(_server(['/nonexistent/tgtadm']), INITIATOR, True,
                         1, 0.1, [])
