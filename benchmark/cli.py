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
"""``python -m benchmark``: the series against upstream, both variants.

Runs each variant's scenarios as a child process in that variant's venv
python (``-W ignore -m benchmark.variant``, one JSON part per variant),
loads both parts, builds the report (:mod:`benchmark.report`), prints it
with the load average before and after, writes the JSON report and exits
0 if every check passed, 1 if one failed, 2 if a variant's run failed.
No ironic is imported here: this process only orchestrates.

>>> args = parser().parse_args(['--series-python', '/s/python',
...     '--upstream-python', '/u/python', '--out-dir', '/r', '--quick'])
>>> report_path(args)
PosixPath('/r/bench.json')
>>> variant_command(Path('/s/python'), 'series', Path('/r/p.json'), args)
... # doctest: +NORMALIZE_WHITESPACE
['/s/python', '-W', 'ignore', '-m', 'benchmark.variant', '--variant',
 'series', '--out', '/r/p.json', '--firmware', 'strict', '--runs', '2',
 '--nodes', '1', '10']
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

from benchmark import report

#: The project's root: the children import benchmark, harness and iloemu
#: from it (the upstream venv has none of them installed).
ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ('series', 'upstream')
#: The emulator's firmware model per variant: the series on the strict
#: one; upstream on the lenient one, as the strict one refuses it
#: (upstream sets the boot device before any POST listed the option).
FIRMWARE = {'series': 'strict', 'upstream': 'lenient'}


def parser() -> argparse.ArgumentParser:
    """The two venvs' pythons, where the reports go, what to run."""
    top = argparse.ArgumentParser(
        prog='python -m benchmark',
        description='iLO requests and time of the UEFI iSCSI boot path: '
        'ironic 9.1.6 + the series against upstream ironic')
    top.add_argument('--series-python', type=Path, required=True,
                     help='the python of the venv of ironic + the series')
    top.add_argument('--upstream-python', type=Path, required=True,
                     help='the python of the venv of upstream ironic')
    top.add_argument('--out-dir', type=Path, required=True,
                     help='where the JSON report and its parts go')
    top.add_argument('--quick', action='store_true',
                     help='2 runs, N = 1 and 10 only (development)')
    top.add_argument('--runs', type=int, help='runs per scenario')
    top.add_argument('--only', default='',
                     help='scenarios whose key contains this')
    top.add_argument('--out', type=Path,
                     help='the JSON report (default: OUT_DIR/bench.json)')
    top.add_argument('--report-only', action='store_true',
                     help='no runs: report the last results again')
    return top


def report_path(args: argparse.Namespace) -> Path:
    """The JSON report's file."""
    return args.out or args.out_dir / 'bench.json'


def variant_command(python: Path, variant: str, out: Path,
                    args: argparse.Namespace) -> List[str]:
    """How one variant runs: in its venv, ``-m benchmark.variant``."""
    command = [str(python), '-W', 'ignore', '-m', 'benchmark.variant',
               '--variant', variant, '--out', str(out),
               '--firmware', FIRMWARE[variant]]
    runs = args.runs or (2 if args.quick else None)
    if runs:
        command += ['--runs', str(runs)]
    if args.quick:
        command += ['--nodes', '1', '10']
    if args.only:
        command += ['--only', args.only]
    return command


def _child_env() -> Dict[str, str]:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(ROOT)] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    return env


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run both variants (unless ``--report-only``), report, judge."""
    args = parser().parse_args(argv)
    load_before = os.getloadavg()
    out = report_path(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {}
    for variant, python in zip(VARIANTS, (args.series_python,
                                          args.upstream_python)):
        part = out.with_name('%s.%s.json' % (out.stem, variant))
        command = variant_command(python, variant, part, args)
        if args.report_only and part.is_file():
            command = []
        print('bench: %s' % (' '.join(command) or 'results of ' + str(part)),
              flush=True)
        if command and subprocess.run(command, cwd=ROOT,
                                      env=_child_env()).returncode != 0:
            print('bench: the %s benchmark failed' % variant,
                  file=sys.stderr)
            return 2
        data[variant] = json.loads(part.read_text())
    load = os.getloadavg()
    meta = {'load_before_and_after': [list(load_before), list(load)],
            'cpus': os.cpu_count()}
    if args.report_only and out.is_file():  # the load of the runs
        meta = json.loads(out.read_text()).get('meta', meta)
        load_before, load = meta['load_before_and_after']
    result = report.build(data['series'], data['upstream'], meta)
    out.write_text(json.dumps(result, indent=1))
    print(report.render(result))
    print('load average (1/5/15 min) before %s, after %s; %d CPUs'
          % (' '.join('%.2f' % x for x in load_before),
             ' '.join('%.2f' % x for x in load), os.cpu_count() or 0))
    print('json: %s' % out)
    return 0 if result['ok'] else 1
