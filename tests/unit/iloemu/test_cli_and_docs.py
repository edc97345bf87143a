"""The CLI.

The doctests of iloemu's modules are collected by pytest itself
(``--doctest-modules`` in setup.cfg), not run here a second time.
"""
from __future__ import annotations

import io
import json

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
