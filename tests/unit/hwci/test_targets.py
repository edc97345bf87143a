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

"""The targets file: the documented example parses, every bad key is
named, no secret is ever shown."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from hwci.targets import TargetsError, load, parse

EXAMPLE = Path(__file__).parents[3] / 'doc' / 'hwci-targets.example.yaml'
PASSWORD = 'pw-Never-Shown-1'
SECRET = 'Chap-not-shown'


def _server(**changes):
    server = {'name': 'gen10-a', 'address': '192.0.2.21',
              'username': 'ci', 'password': PASSWORD, 'generation': 10,
              'boot_mac': '9c:b6:54:00:00:01', 'iscsi_targets': [
                  {'portal': '192.0.2.10:3260',
                   'iqn': 'iqn.2010-10.org.example:vol', 'lun': 1,
                   'chap': {'user': 'u', 'secret': SECRET}}]}
    server.update(changes)
    return server


def _error(data):
    with pytest.raises(TargetsError) as error:
        parse(data)
    text = str(error.value)
    assert PASSWORD not in text and SECRET not in text
    return text


def test_example_file_parses_with_its_secret_files(tmp_path, monkeypatch):
    data = yaml.safe_load(EXAMPLE.read_text())
    for server in data['servers']:
        server.pop('ca_file', None)
        for key in ('password_file',):
            path = tmp_path / (server['name'] + '.pw')
            path.write_text(PASSWORD + '\n')
            server[key] = str(path)
        for target in server.get('iscsi_targets', []):
            chap = target.get('chap', {})
            if 'secret_file' in chap:
                path = tmp_path / 'chap'
                path.write_text(SECRET + '\n')
                chap['secret_file'] = str(path)
    targets_file = tmp_path / 'targets.yaml'
    targets_file.write_text(yaml.safe_dump(data))
    targets = load(targets_file)
    assert [s.generation for s in targets.servers] == [9, 10]
    assert targets.servers[0].boot_check == 'sessions'
    assert targets.servers[0].sessions_command[2:] == (
        'tgtadm', '--lld', 'iscsi', '--op', 'show', '--mode', 'conn',
        '--tid', '1')
    assert targets.servers[0].password.value == PASSWORD
    assert PASSWORD not in repr(targets) and SECRET not in repr(targets)
    assert SECRET in targets.secrets()


@pytest.mark.parametrize('change, named', [
    ({'generation': 8}, 'servers[0].generation'),
    ({'boot_mac': 'nope'}, 'servers[0].boot_mac'),
    ({'pasword': 'x'}, 'servers[0].pasword: unknown key'),
    ({'ca_file': '/nonexistent/ca.pem'}, 'servers[0].ca_file'),
    ({'boot_check': 'serial'}, 'servers[0].boot_check'),
    ({'password_file': '/x'}, 'servers[0]: give exactly one of password'),
    ({'boot_check': 'sessions', 'initiator_iqn': 'iqn.x:h'},
     'servers[0].sessions_command: missing'),
    ({'boot_check': 'sessions', 'sessions_command': ['tgtadm']},
     'servers[0].initiator_iqn: missing'),
    ({'boot_check': 'sessions', 'initiator_iqn': 'iqn.x:h',
      'sessions_command': 'tgtadm --op show'},
     'servers[0].sessions_command: a non-empty list'),
    ({'boot_check': 'sessions', 'initiator_iqn': 'iqn.x:h',
      'sessions_command': ['tgtadm', 1]},
     'servers[0].sessions_command[1]: a non-empty string'),
    ({'sessions_command': ['tgtadm']},
     'servers[0].sessions_command: only with boot_check: sessions'),
    ({'iscsi_targets': [{'portal': '[2001:db8::1]:3260', 'iqn': 'iqn.x:y',
                         'lun': 1}]}, 'iscsi_targets[0].portal'),
    ({'iscsi_targets': [{'portal': '192.0.2.1:3260', 'iqn': 'iqn.x:y',
                         'lun': 1, 'chap': {'user': 'u',
                                            'secret': 'Eleven-char'}}]},
     'iscsi_targets[0].chap.secret: 12 to 16'),
], ids=['generation', 'mac', 'unknown', 'ca-file', 'boot-check',
        'two-passwords', 'sessions-no-command', 'sessions-no-initiator',
        'sessions-command-string', 'sessions-command-number',
        'command-without-sessions', 'ipv6-portal', 'short-secret'])
def test_bad_key_is_named(change, named):
    assert named in _error({'servers': [_server(**change)]})


def test_missing_key_is_named():
    server = _server()
    del server['boot_mac']
    assert 'servers[0].boot_mac: missing' in _error({'servers': [server]})


def test_a_server_listed_twice_is_refused():
    assert 'servers[1].name' in _error({'servers': [
        _server(), _server(address='192.0.2.22')]})


def test_secret_file_errors_name_the_file_not_the_text(tmp_path):
    empty = tmp_path / 'empty'
    empty.write_text('')
    server = _server()
    del server['password']
    server['password_file'] = str(empty)
    assert str(empty) in _error({'servers': [server]})


def test_timeouts_are_checked():
    data = {'servers': [_server()], 'timeouts': {'post_cycle': 0}}
    assert 'timeouts.post_cycle' in _error(data)
    data = copy.deepcopy(data)
    data['timeouts'] = {'post_cycle': 1800}
    assert parse(data).timeouts.post_cycle == 1800
