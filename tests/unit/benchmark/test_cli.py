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
"""``python -m benchmark``: both variants as children, the report, the
verdict; the variants' pythons are stand-ins that write made-up parts."""
from __future__ import annotations

import json
from pathlib import Path
import sys

from benchmark import cli
from tests.unit.benchmark.test_report import _results, _upstream, _variant

# A stand-in of a venv's python: writes the part it was given in the
# environment to the file after --out, and records its argv.
FAKE = '''#!%s
import os, sys
out = sys.argv[sys.argv.index('--out') + 1]
open(out, 'w').write(os.environ['FAKE_PART_' + sys.argv[sys.argv.index(
    '--variant') + 1]])
open(os.environ['FAKE_LOG'], 'a').write(' '.join(sys.argv[1:]) + '\\n')
sys.exit(int(os.environ.get('FAKE_EXIT', '0')))
'''


def _fake_python(tmp_path: Path, monkeypatch, series_get: int = 9,
                 exit_code: int = 0) -> Path:
    python = tmp_path / 'python'
    python.write_text(FAKE % sys.executable)
    python.chmod(0o755)
    monkeypatch.setenv('FAKE_PART_series', json.dumps(
        _variant(_results(series_get, 1.5))))
    monkeypatch.setenv('FAKE_PART_upstream', json.dumps(
        _variant(_upstream(9, 2.0))))
    monkeypatch.setenv('FAKE_LOG', str(tmp_path / 'argv.log'))
    monkeypatch.setenv('FAKE_EXIT', str(exit_code))
    return python


def _argv(python: Path, out_dir: Path, *more: str):
    return ['--series-python', str(python), '--upstream-python',
            str(python), '--out-dir', str(out_dir), *more]


def test_both_variants_run_and_the_report_is_written(tmp_path, monkeypatch,
                                                     capsys):
    python = _fake_python(tmp_path, monkeypatch)
    assert cli.main(_argv(python, tmp_path / 'r', '--quick',
                          '--only', 'pxe')) == 0
    printed = capsys.readouterr().out
    assert 'bench: all checks pass' in printed
    assert 'load average (1/5/15 min) before' in printed
    written = json.loads((tmp_path / 'r' / 'bench.json').read_text())
    assert written['ok'] and written['meta']['cpus']
    calls = (tmp_path / 'argv.log').read_text().splitlines()
    assert [call.split()[5] for call in calls] == ['series', 'upstream']
    assert calls[0].startswith('-W ignore -m benchmark.variant --variant ')
    assert calls[0].endswith('--firmware strict --runs 2 --nodes 1 10 '
                             '--only pxe')
    assert ' --firmware lenient ' in calls[1]


def test_more_requests_than_upstream_exit_1(tmp_path, monkeypatch):
    python = _fake_python(tmp_path, monkeypatch, series_get=30)
    out = tmp_path / 'mine.json'
    assert cli.main(_argv(python, tmp_path, '--out', str(out))) == 1
    assert (tmp_path / 'mine.series.json').is_file()
    assert json.loads(out.read_text())['ok'] is False


def test_a_failed_variant_exits_2(tmp_path, monkeypatch, capsys):
    python = _fake_python(tmp_path, monkeypatch, exit_code=3)
    assert cli.main(_argv(python, tmp_path)) == 2
    assert 'the series benchmark failed' in capsys.readouterr().err


def test_report_only_runs_nothing(tmp_path, monkeypatch):
    python = _fake_python(tmp_path, monkeypatch)
    assert cli.main(_argv(python, tmp_path)) == 0
    first = json.loads((tmp_path / 'bench.json').read_text())['meta']
    (tmp_path / 'argv.log').unlink()
    assert cli.main(_argv(tmp_path / 'no-python', tmp_path,
                          '--report-only')) == 0
    assert not (tmp_path / 'argv.log').exists()
    assert json.loads((tmp_path / 'bench.json').read_text())['meta'] == first
