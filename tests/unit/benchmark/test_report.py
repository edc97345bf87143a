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

"""The benchmark's scenarios and report, on made-up results (no ironic).

A made-up node does what the series or upstream does, in the trace's
shape: ``other`` requests that both variants make in each step, and, for
the series only, the named costs (initiator read, MAC mapping GETs in
both target calls, the scrub) and a POST cycle in ``prepare_instance``.
"""
from __future__ import annotations

import collections
import copy
from typing import Any, Dict, List, Sequence

import pytest

from benchmark import report, scenarios
from benchmark.scenarios import Scenario

PREPARE, CLEAN = scenarios.STEPS
MAC_GET = ['GET', '/redfish/v1/Systems/1/EthernetInterfaces/1']
GET, PATCH = ['GET', '/redfish/v1/Systems/1'], ['PATCH', '/redfish/v1/x']
# The made-up POST cycle: power on, 2 polls, button hold, power status.
CYCLE = [['set_host_power ON', False, [['POST', '/s']]],
         ['get_host_post_state', False, [GET, GET]],
         ['hold_pwr_btn', False, [['POST', '/s']]],
         ['get_host_power_status', False, [GET]]]


def _prepare(other: int, initiator: int, mac: int, cycle: bool
             ) -> List[List[Any]]:
    calls = []
    if initiator:
        calls.append(['get_iscsi_initiator_info', False, [GET] * initiator])
    calls.append(['set_iscsi_info', False,
                  [GET] * (other - 2) + [MAC_GET] * (mac // 2) + [PATCH]])
    if cycle:
        calls.append(['update_persistent_boot', True, [PATCH]])
        calls += CYCLE
    calls.append(['update_persistent_boot', False, [PATCH]])
    return calls


def _clean_up(other: int, mac: int, scrub: int) -> List[List[Any]]:
    calls = [['get_host_power_status', False, [GET]]]
    if scrub:
        calls.append(['set_iscsi_info', False, [PATCH] * scrub])
    calls.append(['unset_iscsi_info', False,
                  [GET] * (other - 2) + [MAC_GET] * (mac - mac // 2)
                  + [PATCH]])
    return calls


def _counts(calls: Sequence[Sequence[Any]], nodes: int) -> Dict[str, int]:
    counts: collections.Counter = collections.Counter()
    for _name, _raised, requests in calls:
        counts.update(method for method, _path in requests)
    return {method: count * nodes for method, count in counts.items()}


def _step(calls, seconds: float, nodes: int, errors: Sequence[str],
          posts: int, cycle_seconds: float, extra: int = 0
          ) -> Dict[str, Any]:
    requests = _counts(calls, nodes)
    requests['GET'] = requests.get('GET', 0) + extra
    return {'requests': requests, 'seconds': seconds,
            'calls': [seconds * 0.99] * nodes, 'cpu': 0.1,
            'errors': list(errors), 'trace': [[nodes, calls]],
            'posts': [posts] * nodes,
            'cycle_seconds': [cycle_seconds] * nodes}


def _results(get: int, seconds: float, latency: float = 0.15,
             nodes: int = 1, runs: int = 5, errors: Sequence[str] = (),
             initiator: int = 5, mac: int = 6, scrub: int = 14,
             cycle: bool = True, cycle_seconds: float = 0.0,
             posts: Sequence[int] = (1, 0), untraced: int = 0,
             chap: bool = True) -> Dict[str, Any]:
    """The series' results: ``get`` other requests a step, the costs on
    top, a POST cycle in prepare taking ``cycle_seconds``."""
    scenario = Scenario('ilo-pxe', 10, chap, latency, nodes)
    run = {PREPARE: _step(_prepare(get, initiator, mac, cycle), seconds,
                          nodes, errors, posts[0], cycle_seconds, untraced),
           CLEAN: _step(_clean_up(get, mac, scrub), seconds, nodes, errors,
                        posts[1], 0.0)}
    return {'scenario': scenario.to_dict(), 'runs': [run] * runs}


def _upstream(get: int, seconds: float, **more: Any) -> Dict[str, Any]:
    """Upstream's: the same other requests, no cost, no cycle."""
    return _results(get, seconds, initiator=0, mac=0, scrub=0, cycle=False,
                    posts=(0, 0), **more)


def _variant(*results):
    return {'ironic': 'x', 'runs': 5, 'pool_size': 10,
            'results': list(results)}


def _checks(built, prefix: str):
    return [c for c in built['checks'] if c['name'].startswith(prefix)]


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


@pytest.mark.parametrize('step, call, expected', [
    (PREPARE, ['get_iscsi_initiator_info', False, [GET, GET]],
     {report.INITIATOR_READ: 2}),
    (PREPARE, ['set_iscsi_info', False, [MAC_GET, GET, PATCH]],
     {report.MAC_MAPPING: 1, report.OTHER: 2}),
    (CLEAN, ['unset_iscsi_info', False, [MAC_GET, MAC_GET, PATCH]],
     {report.MAC_MAPPING: 2, report.OTHER: 1}),
    (CLEAN, ['set_iscsi_info', False, [MAC_GET, GET, PATCH]],
     {report.SCRUB: 3}),
    (CLEAN, ['update_persistent_boot', False, [GET, PATCH]],
     {report.SCRUB: 2}),
    (PREPARE, ['update_persistent_boot', False, [GET, PATCH]],
     {report.OTHER: 2}),
    (PREPARE, ['get_current_boot_mode', False, [GET, GET]],
     {report.MODE_READ: 2}),
    (PREPARE, ['get_host_power_status', False, [GET]], {report.OTHER: 1}),
    (PREPARE, ['update_persistent_boot', True, [PATCH]], {report.OTHER: 1}),
    (PREPARE, ['get_pending_boot_mode', False, [MAC_GET]],
     {report.OTHER: 1}),
])
def test_each_call_has_its_kind(step, call, expected):
    kinds = report.kinds_of_calls(step, [call])
    assert {k: n for k, n in kinds.items() if n} == expected


def test_the_cycle_runs_from_power_on_to_the_next_other_call():
    calls = _prepare(4, initiator=0, mac=0, cycle=True)
    kinds = report.kinds_of_calls(PREPARE, calls)
    # the failed try 1, power on 1, polls 2, button 1, status 1
    assert kinds[report.CYCLE] == 6
    # set_iscsi_info 3 and the try after the cycle 1
    assert kinds[report.OTHER] == 4


@pytest.mark.parametrize('names, expected', [
    # the cycle's power state read and power-off before the power-on
    (['get_host_power_status', 'hold_pwr_btn', 'set_host_power ON',
      'get_host_post_state', 'set_iscsi_info'], [True] * 4 + [False]),
    # a power-off alone (clean_up_instance's) is no cycle
    (['unset_iscsi_info', 'get_host_power_status', 'hold_pwr_btn'],
     [False] * 3),
    # two power-ons apart are two cycles; the call between is neither
    (['press_pwr_btn', 'get_pending_boot_mode', 'reset_server'],
     [True, False, True]),
])
def test_a_cycle_is_a_run_of_power_calls_with_a_power_on(names, expected):
    assert report.in_cycle([[name] for name in names]) == expected


def test_the_current_boot_mode_read_is_shown_but_not_allowed():
    series = _results(9, 1.5)
    prepare = series['runs'][0][PREPARE]
    prepare['trace'][0][1].insert(
        0, ['get_current_boot_mode', False, [GET, GET, GET]])
    prepare['requests']['GET'] += 3
    built = report.build(_variant(series), _variant(_upstream(9, 2.0)))
    requests = _checks(built, 'requests: ')[0]
    assert not requests['ok']
    assert requests['detail'].endswith(
        "(current boot mode read 3 in the series' count)")
    assert ('      current boot mode read       3   (in it: no named cost)'
            in report.budget_table(built['rows']).splitlines())


def test_cycle_seconds_span_the_cycle_calls_only():
    calls = [['get_iscsi_initiator_info', False, [GET], 0.0, 0.5],
             ['set_host_power ON', False, [GET], 1.0, 1.1],
             ['get_host_post_state', False, [GET], 4.0, 4.1],
             ['get_host_power_status', False, [GET], 5.0, 5.25],
             ['update_persistent_boot', False, [PATCH], 6.0, 7.0]]
    assert report.cycle_seconds(calls) == 4.25
    assert report.cycle_seconds(calls[:1] + calls[-1:]) == 0.0


def test_series_within_upstream_plus_named_costs_passes():
    built = report.build(_variant(_results(9, 1.5)),
                         _variant(_upstream(9, 2.0)))
    assert built['ok'], report.render(built)
    total = [r for r in built['rows'] if r['step'] == report.TOTAL][0]
    # upstream 9 a step; the series' costs 5 + 6 + 14
    assert total['budget'] == 18 + 5 + 6 + 14
    assert total['series_budgeted'] == total['budget']
    assert total['series_kinds'][report.CYCLE] == 6
    assert 'bench: all checks pass' in report.render(built)


def test_an_unnamed_request_over_the_budget_fails():
    built = report.build(_variant(_results(10, 1.5)),
                         _variant(_upstream(9, 2.0)))
    failed = [c for c in built['checks'] if c['counted'] and not c['ok']]
    assert [c['name'] for c in failed] == [
        'requests: pxe Gen10 CHAP 150ms N=1']
    assert failed[0]['detail'] == (
        '51 - POST cycle 6 = 45 > upstream 18 + initiator read 5 + '
        'MAC mapping 6 + scrub 14 = 43')


def test_the_costs_are_the_series_own():
    # A series that reads nothing and scrubs nothing has no allowance.
    built = report.build(
        _variant(_results(10, 1.5, initiator=0, mac=0, scrub=0)),
        _variant(_upstream(9, 2.0)))
    assert not _checks(built, 'requests: ')[0]['ok']


def test_the_post_cycle_is_outside_the_budget():
    built = report.build(_variant(_results(9, 1.5)),
                         _variant(_upstream(9, 2.0)))
    assert built['rows'][-1]['series_posts'] == 1
    assert _checks(built, 'requests: ')[0]['ok']
    assert 'POST cycle 6 = 43' in _checks(built, 'requests: ')[0]['detail']


@pytest.mark.parametrize('posts', [(0, 0), (2, 0), (1, 1)])
def test_post_cycles_other_than_expected_fail(posts):
    built = report.build(_variant(_results(9, 1.5, posts=posts)),
                         _variant(_upstream(9, 2.0)))
    assert [c['ok'] for c in _checks(built, 'POST cycles')] == [False]


def test_one_cycle_per_node_of_a_scaling_run_passes():
    built = report.build(_variant(_results(90, 1.5, nodes=10)),
                         _variant(_upstream(90, 2.0, nodes=10)))
    assert [c['ok'] for c in _checks(built, 'POST cycles')] == [True]
    assert built['rows'][-1]['series_posts'] == 10


def test_an_upstream_cycle_is_information():
    built = report.build(_variant(_results(9, 1.5)),
                         _variant(_results(9, 2.0)))
    info = _checks(built, 'upstream: no POST cycle')
    assert [(c['ok'], c['counted']) for c in info] == [(False, False)]


def test_requests_the_trace_missed_fail():
    built = report.build(_variant(_results(9, 1.5, untraced=1)),
                         _variant(_upstream(9, 2.0)))
    traced = _checks(built, 'series: every request traced')
    assert [c['ok'] for c in traced] == [False]
    assert 'untraced: pxe Gen10 CHAP 150ms N=1 prepare' in traced[0]['detail']


def _with_runs(results, *changes):
    """``results`` and one more run per change, made by ``change(run)``."""
    for change in changes:
        run = copy.deepcopy(results['runs'][0])
        change(run)
        results['runs'] = results['runs'] + [run]
    return results


def _one_more_poll(run):
    calls = run[PREPARE]['trace'][0][1]
    calls.insert(calls.index(CYCLE[1]) + 1, CYCLE[1])
    run[PREPARE]['requests']['GET'] += 2


def _one_more_get(run):
    run[PREPARE]['trace'][0][1][0][2].append(GET)
    run[PREPARE]['requests']['GET'] += 1


@pytest.mark.parametrize('change, ok', [(_one_more_poll, True),
                                        (_one_more_get, False)])
def test_only_the_cycle_may_differ_from_run_to_run(change, ok):
    series = _with_runs(_results(9, 1.5), change)
    built = report.build(_variant(series), _variant(_upstream(9, 2.0)))
    assert [c['ok'] for c in _checks(built, 'series: every request')] == [
        ok]


def test_floor_is_requests_times_latency_without_the_cycle():
    # 43 requests outside the cycle x 0.15 s = 6.45 s; each step's calls
    # take 0.99 x seconds; the cycle's 5 s are taken off.
    ok = report.build(
        _variant(_results(9, (6.45 + 5.0) / 2 / 0.99, cycle_seconds=5.0)),
        _variant(_upstream(9, 3.0)))
    slow = report.build(
        _variant(_results(9, (6.45 * 1.08 + 5.0) / 2 / 0.99,
                          cycle_seconds=5.0)),
        _variant(_upstream(9, 3.0)))
    assert [c['ok'] for c in _checks(ok, 'floor')] == [True]
    assert [c['ok'] for c in _checks(slow, 'floor')] == [False]
    # Upstream's floor is shown for comparison only.
    assert [c['counted'] for c in _checks(slow, 'upstream floor')] == [
        False]


@pytest.mark.parametrize('seconds_at_50, ok', [(5.0, True), (10.0, False)])
def test_time_per_node_must_not_grow(seconds_at_50, ok):
    variant = _variant(_results(9, 1.0, nodes=1),
                       _results(9, 1.0, nodes=10),
                       _results(9, seconds_at_50, nodes=50))
    built = report.build(variant, variant)
    linear = [c for c in built['checks'] if 'no faster than N' in c['name']]
    assert [c['ok'] for c in linear] == [ok, ok]
    # Only the series' scaling is a verdict; upstream's is information.
    assert [c['counted'] for c in linear] == [True, False]
    assert built['ok'] is ok


def test_errors_of_the_largest_run_fail():
    variant = _variant(_results(9, 1.0, nodes=1),
                       _results(9, 5.0, nodes=50, errors=['IloError: x']))
    built = report.build(variant, variant)
    names = {c['name'] for c in built['checks'] if not c['ok']}
    assert 'series: 50 nodes at 150ms without errors' in names
    assert 'upstream: no step failed' in names


def test_each_named_cost_has_its_own_row():
    built = report.build(_variant(_results(9, 1.5)),
                         _variant(_upstream(9, 2.0)))
    table = report.budget_table(built['rows']).splitlines()
    assert table == [
        'pxe Gen10 CHAP 150ms N=1',
        '    upstream requests             18',
        '  + initiator read                 5',
        '  + MAC mapping                    6',
        '  + scrub                         14',
        '  = budget                        43',
        '    series, POST cycle apart      43   ok',
        '    POST cycle (apart)             6   1 cycle(s) for 1 node(s), '
        '0.00 s']


def test_markdown_has_a_row_per_scenario():
    built = report.build(
        _variant(_results(9, 1.5), _results(9, 0.1, 0.0)),
        _variant(_upstream(9, 2.0), _upstream(9, 0.2, latency=0.0)))
    table = report.markdown_table(built['rows']).splitlines()
    assert len(table) == 4
    assert table[2].startswith(
        '| pxe Gen10 CHAP 150ms N=1 | 18 | 5 | 6 | 14 | 43 | 43 (0) | 1 (6) |')
