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

"""What the services group prints at its end.

Per test its time (setup, call and teardown, from pytest's reports);
per scenario its timed commands and iLO requests (``commands.txt``:
``scenario | command | 1.2 s | 3 iLO requests``); the deploy phases
(``scenarios.txt``); and every CLI command of the run (``cli.txt``:
``openstack node deploy | 12.1 s | 1.10 CPU s``): how many, their wall
and CPU seconds, which do not depend on the machine's load as wall
times do. Only the lines this run added count (``offsets``: the files'
sizes when it began).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

#: The logs (in the services' ``logs`` folder) the summary reads.
LOGS = ('commands.txt', 'scenarios.txt', 'cli.txt')


def new_lines(path: Path, offset: int) -> List[str]:
    """The lines of ``path`` from byte ``offset`` on."""
    try:
        with open(path, 'rb') as log:
            log.seek(offset)
            return log.read().decode(errors='replace').splitlines()
    except FileNotFoundError:
        return []


def _cells(line: str) -> List[str]:
    return [cell.strip() for cell in line.split('|')]


def _number(cell: str) -> float:
    """``'1.2 s'`` -> 1.2."""
    return float(cell.split()[0])


def durations(stats: Dict[str, list]) -> Dict[str, float]:
    """Seconds of each test, setup to teardown, from pytest's reports."""
    times: Dict[str, float] = {}
    for reports in stats.values():
        for report in reports:
            if getattr(report, 'when', None) in ('setup', 'call',
                                                 'teardown') \
                    and '::test_' in report.nodeid:
                times[report.nodeid] = (times.get(report.nodeid, 0.0)
                                        + report.duration)
    return times


def per_scenario(lines: List[str]) -> Dict[str, List[float]]:
    """``commands.txt`` lines -> scenario: [commands, seconds, iLO
    requests].

    >>> per_scenario(['s1 | node create | 2.5 s | 0 iLO requests',
    ...               's1 | node deploy | 12.0 s | 40 iLO requests'])
    {'s1': [2, 14.5, 40]}
    """
    found: Dict[str, List[float]] = {}
    for line in lines:
        cells = _cells(line)
        if len(cells) == 4:
            entry = found.setdefault(cells[0], [0, 0.0, 0])
            entry[0] += 1
            entry[1] += _number(cells[2])
            entry[2] += int(_number(cells[3]))
    return found


def cli_totals(lines: List[str]) -> Dict[str, List[float]]:
    """``cli.txt`` lines -> program: [commands, seconds, CPU seconds].

    >>> cli_totals(['openstack node show | 2.0 s | 1.10 CPU s',
    ...             'cinder show | 1.5 s | 0.70 CPU s',
    ...             'openstack node list | 2.5 s | 1.20 CPU s'])
    {'openstack': [2, 4.5, 2.3], 'cinder': [1, 1.5, 0.7]}
    """
    found: Dict[str, List[float]] = {}
    for line in lines:
        cells = _cells(line)
        if len(cells) == 3:
            entry = found.setdefault(cells[0].split()[0], [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] = round(entry[1] + _number(cells[1]), 2)
            entry[2] = round(entry[2] + _number(cells[2]), 2)
    return found


def lines(stats: Dict[str, list], logs: Path, offsets: Dict[str, int],
          wall: float) -> List[str]:
    """The summary's lines."""
    out = ['tests (setup to teardown, longest first):']
    times = durations(stats)
    for nodeid in sorted(times, key=lambda n: -times[n]):
        out.append('  %6.1f s  %s' % (times[nodeid], nodeid))
    out.append('scenarios (commands.txt: timed commands, their seconds, '
               'iLO requests):')
    scenarios = per_scenario(new_lines(logs / 'commands.txt',
                                       offsets['commands.txt']))
    for name, (count, seconds, requests) in sorted(scenarios.items()):
        out.append('  %-40s %3d commands %6.1f s %4d iLO requests' % (
            name, count, seconds, requests))
    out.append('deploy phases (scenarios.txt):')
    out += ['  ' + line for line in new_lines(logs / 'scenarios.txt',
                                              offsets['scenarios.txt'])]
    totals = cli_totals(new_lines(logs / 'cli.txt', offsets['cli.txt']))
    count = sum(int(t[0]) for t in totals.values())
    cpu = sum(t[2] for t in totals.values())
    out.append('CLI commands: %d (%s), %.0f CPU s (%.2f a command); '
               'pytest session %.0f s' % (
                   count, ', '.join('%s %d, %.0f s, %.0f CPU s' % (
                       name, t[0], t[1], t[2])
                       for name, t in sorted(totals.items())),
                   cpu, cpu / count if count else 0.0, wall))
    return out
