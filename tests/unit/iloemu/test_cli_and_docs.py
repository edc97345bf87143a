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

"""The CLI.

The doctests of iloemu's modules are collected by pytest itself
(``--doctest-modules`` in setup.cfg), not run here a second time.
"""
from __future__ import annotations

import io
import json

import pytest

from iloemu.cli import main


def test_cli_starts_prints_and_stops(tmp_path, capsys):
    config = tmp_path / 'servers.json'
    config.write_text(json.dumps({'servers': [
        {'generation': 10, 'boot_mode': 'legacy'},
        {'address': '127.0.0.60', 'generation': 9}]}))
    out = io.StringIO()
    assert main(['--no-wait', '--config', str(config), '--first-address',
                 '127.0.0.50', '--directory', str(tmp_path)], out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == 'CA file (cacert / [ilo]ca_file): %s' % (
        tmp_path / 'iloemu-ca.pem')
    assert lines[1].split()[:3] == ['127.0.0.50:443', 'iLO', '5']
    assert 'boot=legacy' in lines[1]
    assert lines[2].split()[:3] == ['127.0.0.60:443', 'iLO', '4']


def test_cli_reports_errors_in_one_line(tmp_path, capsys):
    assert main(['--no-wait', '--first-address', '192.0.2.1',
                 '--directory', str(tmp_path)], io.StringIO()) == 2
    assert capsys.readouterr().err.strip() == (
        'iloemu: error: Invalid emulator configuration: 192.0.2.1 is not '
        'a loopback IPv4 address')


def _start(tmp_path, *argv):
    out = io.StringIO()
    status = main(['--no-wait', '--gen9', '0', '--gen10', '1',
                   '--first-address', '127.0.0.45',
                   '--directory', str(tmp_path)] + list(argv), out)
    return status, out.getvalue()


def test_password_on_the_command_line_is_refused(tmp_path, capsys):
    for argv in (['--password', 'cli-secret-1'], ['--password=cli-secret-1'],
                 ['--password']):
        assert _start(tmp_path, *argv) == (2, '')
        err = capsys.readouterr().err
        assert err.count('\n') == 1
        assert 'ILOEMU_PASSWORD or --password-file PATH' in err
        assert 'cli-secret-1' not in err


def test_password_from_a_file(tmp_path, monkeypatch, capsys):
    import iloemu.cli
    started = []
    monkeypatch.setattr(iloemu.cli, 'describe', lambda fleet: (
        started.extend(i.spec.password.reveal() for i in fleet) or 'ok'))
    secret = tmp_path / 'password'
    secret.write_text('file-secret-1\nignored\n')
    monkeypatch.setenv('ILOEMU_PASSWORD', 'env-secret-2')
    assert _start(tmp_path, '--password-file', str(secret)) == (0, 'ok\n')
    assert _start(tmp_path) == (0, 'ok\n')
    assert started == ['file-secret-1', 'env-secret-2']


@pytest.mark.parametrize('content', [None, '', '\nsecond-line-secret\n'])
def test_password_file_errors_name_the_file_only(tmp_path, capsys, content):
    secret = tmp_path / 'password'
    if content is not None:
        secret.write_text(content)
    assert _start(tmp_path, '--password-file', str(secret))[0] == 2
    err = capsys.readouterr().err
    assert err.startswith('iloemu: error: ') and str(secret) in err
    assert 'secret' not in err.replace(str(secret), '')


def test_config_file_passwords_still_work(tmp_path, monkeypatch):
    import iloemu.cli
    started = []
    monkeypatch.setattr(iloemu.cli, 'describe', lambda fleet: (
        started.extend(i.spec.password.reveal() for i in fleet) or 'ok'))
    monkeypatch.delenv('ILOEMU_PASSWORD', raising=False)
    config = tmp_path / 'servers.json'
    config.write_text(json.dumps({'servers': [
        {'generation': 10, 'password': 'config-secret-3'}]}))
    out = io.StringIO()
    assert main(['--no-wait', '--config', str(config), '--first-address',
                 '127.0.0.46', '--directory', str(tmp_path)], out) == 0
    assert started == ['config-secret-3']
