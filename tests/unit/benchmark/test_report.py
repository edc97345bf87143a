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

"""The benchmark's scenarios and report, on made-up results (no ironic)."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

from benchmark import report, scenarios
from benchmark.scenarios import Scenario


def test_matrix_covers_the_issue():
    every = scenarios.matrix()
    singles = [s for s in every if s.nodes == 1]
    assert {(s.boot_interface, s.generation, s.chap, s.latency)
            for s in singles} == {
        (i, g, c, lat) for i in scenarios.BOOT_INTERFACES
        for g in (9, 10) for c in (True, False) for lat in (0.0, 0.15)}
    assert sorted(s.nodes for s in every if s.latency == 0.15
                  and s.nodes > 1) == [10, 50]
    assert len({s.key for s in every}) == len(every)


def _run(get: int, seconds: float, errors: List[str] = (),
         nodes: int = 1) -> Dict[str, Any]:
    step = {'requests': {'GET': get, 'PATCH': 1}, 'seconds': seconds,
            'calls': [seconds * 0.99] * nodes, 'cpu': 0.1,
            'errors': list(errors)}
    return {name: dict(step) for name in scenarios.STEPS}


def _results(get: int, seconds: float, latency: float = 0.15,
             nodes: int = 1, runs: int = 5, errors: List[str] = ()):
    scenario = Scenario('ilo-pxe', 10, True, latency, nodes)
    return {'scenario': scenario.to_dict(),
            'runs': [_run(get, seconds, errors, nodes)] * runs}


def _variant(*results):
    return {'ironic': 'x', 'runs': 5, 'pool_size': 10,
            'results': list(results)}


def test_medians_and_ratios():
    series = _variant(_results(9, 1.5))
    upstream = _variant(_results(11, 2.0))
    built = report.build(series, upstream)
    total = [r for r in built['rows'] if r['step'] == report.TOTAL][0]
    assert total['series_requests'] == {'GET': 18, 'PATCH': 2}
    assert total['requests_ratio'] == round(20 / 24, 3)
    assert total['seconds_ratio'] == 0.75
    assert built['ok'], report.render(built)
    assert 'bench: all checks pass' in report.render(built)


def test_more_requests_than_upstream_fail():
    built = report.build(_variant(_results(12, 2.0)),
                         _variant(_results(11, 2.0)))
    failed = [c for c in built['checks'] if not c['ok']]
    assert [c['name'] for c in failed] == [
        'requests: series <= upstream in every scenario and step']
    assert 'prepare_instance 13 > 12' in failed[0]['detail']


def test_floor_is_requests_times_latency():
    # 20 requests a step, 40 in all, x 0.15 s = 6 s; 6.5 s is 8% above
    slow = report.build(_variant(_results(19, 3.25 / 0.99)),
                        _variant(_results(19, 3.0)))
    floor = [c for c in slow['checks'] if c['name'].startswith('floor')]
    assert len(floor) == 1 and not floor[0]['ok']
    quick = report.build(_variant(_results(19, 3.1)),
                         _variant(_results(19, 3.0)))
    assert all(c['ok'] for c in quick['checks'])


@pytest.mark.parametrize('seconds_at_50, ok', [(5.0, True), (10.0, False)])
def test_time_per_node_must_not_grow(seconds_at_50, ok):
    variant = _variant(_results(9, 1.0, nodes=1),
                       _results(90, 1.0, nodes=10),
                       _results(450, seconds_at_50, nodes=50))
    built = report.build(variant, variant)
    linear = [c for c in built['checks'] if 'no faster than N' in c['name']]
    assert [c['ok'] for c in linear] == [ok, ok]
    # Only the series' scaling is a verdict; upstream's is information.
    assert [c['counted'] for c in linear] == [True, False]
    assert built['ok'] is ok  # the series' requests equal upstream's


def test_errors_of_the_largest_run_fail():
    variant = _variant(_results(9, 1.0, nodes=1),
                       _results(450, 5.0, nodes=50, errors=['IloError: x']))
    built = report.build(variant, variant)
    names = {c['name'] for c in built['checks'] if not c['ok']}
    assert 'series: 50 nodes at 150ms without errors' in names
    assert 'upstream: no step failed' in names


def test_markdown_has_a_row_per_scenario():
    built = report.build(_variant(_results(9, 1.5), _results(9, 0.1, 0.0)),
                         _variant(_results(11, 2.0), _results(11, 0.2, 0.0)))
    table = report.markdown_table(built['rows']).splitlines()
    assert len(table) == 4
    assert table[2].startswith('| pxe Gen10 CHAP 150ms N=1 | 10 / 12 |')
