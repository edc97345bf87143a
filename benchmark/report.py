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

"""Medians, ratios, checks and tables of two variants' benchmark results.

No ironic here: ``./wb bench`` imports this from the workbench's Python.
A variant's results are what :mod:`benchmark.cli` wrote: per scenario,
per run, per step ``seconds`` (submit to last node done), ``calls`` (each
node's boot interface call, lock excluded), ``cpu``, ``requests`` (by
HTTP method) and ``errors``.

>>> methods({'GET': 18, 'PATCH': 3, 'POST': 1})
'22 (GET 18, PATCH 3, POST 1)'
>>> ratio(22, 17), ratio(0, 0), ratio(1, 0)
(1.294, 1.0, None)
"""
from __future__ import annotations

import collections
import dataclasses
import statistics
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from benchmark.scenarios import SCALING, STEPS, Scenario

SERIES, UPSTREAM = 'series', 'upstream'
TOTAL = 'total'
FLOOR_TOLERANCE = 0.05   # wall time within 5% of requests x latency
LINEAR_TOLERANCE = 0.05  # time per node may grow by 5% (noise), no more

# What the series does that upstream 10.1.7 lacks, each a named cost
# allowed on top of upstream's requests (issue 13, D); the POST cycle,
# counted apart; and the other kinds, in the budget like any request.
INITIATOR_READ, MAC_MAPPING, SCRUB = 'initiator read', 'MAC mapping', 'scrub'
COSTS = (INITIATOR_READ, MAC_MAPPING, SCRUB)
CYCLE, MODE_READ, OTHER = 'POST cycle', 'current boot mode read', 'other'
KINDS = COSTS + (CYCLE, MODE_READ, OTHER)
# proliantutils calls that read the initiator name; that set or clear the
# iSCSI attempts (with MACs they first map each MAC to its NicBoot entry
# through the NIC resources: GETs of MAC_PATHS); that read the current
# boot mode (not a named cost: shown on its own row, in the budget).
INITIATOR_CALLS = ('get_iscsi_initiator_info',)
TARGET_CALLS = ('set_iscsi_info', 'unset_iscsi_info')
# In clean_up_instance: blank values written over the tenant's attempt
# before it is disabled, and the persistent boot device set back (no
# iSCSI boot override stays; upstream's clean up touches neither).
SCRUB_CALLS = ('set_iscsi_info', 'update_persistent_boot')
MAC_PATHS = ('/NetworkAdapters', '/EthernetInterfaces')
MODE_CALLS = ('get_current_boot_mode',)
# A POST cycle: consecutive power and POST state calls, one of them a
# power-on (the power state read and power-off before it included, the
# POST state polls, the power-off and the power state polls after it).
POWER_ON_CALLS = ('set_host_power ON', 'press_pwr_btn', 'reset_server')
CYCLE_CALLS = POWER_ON_CALLS + ('get_host_post_state', 'hold_pwr_btn',
                                'set_host_power OFF',
                                'get_host_power_status')


def in_cycle(calls: Sequence[Sequence[Any]]) -> List[bool]:
    """For each call, whether it is part of a POST cycle: of a run of
    consecutive :data:`CYCLE_CALLS` that holds a power-on.

    >>> in_cycle([['get_host_power_status'], ['set_host_power ON'],
    ...           ['get_host_post_state'], ['update_persistent_boot'],
    ...           ['get_host_power_status']])
    [True, True, True, False, False]
    """
    flags = [False] * len(calls)
    start = 0
    while start < len(calls):
        end = start
        while end < len(calls) and calls[end][0] in CYCLE_CALLS:
            end += 1
        if any(call[0] in POWER_ON_CALLS for call in calls[start:end]):
            flags[start:end] = [True] * (end - start)
        start = end + 1
    return flags


def kinds_of_calls(step: str, calls: Sequence[Sequence[Any]]
                   ) -> Dict[str, int]:
    """One node's requests of ``step`` by kind (:data:`KINDS`).

    ``calls`` are the node's proliantutils calls in order, ``[name,
    raised, [[method, path], ...], ...]`` (:mod:`benchmark.trace`):

    * POST cycle: the calls of a cycle (:func:`in_cycle`), and a call
      that raised in a step that cycled (the try the cycle makes good:
      setting a boot device the firmware does not list yet);
    * initiator read: ``get_iscsi_initiator_info``;
    * scrub: :data:`SCRUB_CALLS` in ``clean_up_instance`` (blank values
      written over the tenant's before the attempt is disabled, and the
      iSCSI boot override taken away);
    * MAC mapping: in ``set_iscsi_info``/``unset_iscsi_info``, the GETs
      of the NIC resources that map a MAC to its NicBoot entry;
    * current boot mode read: ``get_current_boot_mode``;
    * other: the rest, what upstream does too.

    >>> kinds = kinds_of_calls('prepare_instance', [
    ...     ['get_iscsi_initiator_info', False, [['GET', '/a']]],
    ...     ['set_iscsi_info', False, [['GET', '/s/1/EthernetInterfaces/1'],
    ...                                ['PATCH', '/b']]],
    ...     ['update_persistent_boot', True, [['PATCH', '/s']]],
    ...     ['get_host_power_status', False, [['GET', '/s']]],
    ...     ['set_host_power ON', False, [['POST', '/s']]],
    ...     ['get_host_post_state', False, [['GET', '/s']] * 2],
    ...     ['update_persistent_boot', False, [['PATCH', '/s']]]])
    >>> {kind: n for kind, n in kinds.items() if n}
    ... # doctest: +NORMALIZE_WHITESPACE
    {'initiator read': 1, 'MAC mapping': 1, 'POST cycle': 5, 'other': 2}
    """
    kinds = dict.fromkeys(KINDS, 0)
    flags = cycle_calls(calls)
    for (name, _raised, requests, *_), cycle in zip(calls, flags):
        for method, path in requests:
            kinds[_kind(step, name, cycle, method, path)] += 1
    return kinds


def cycle_calls(calls: Sequence[Sequence[Any]]) -> List[bool]:
    """For each call, whether its requests count as the POST cycle's: the
    cycle's own calls and, in a step that cycled, the calls that raised.

    >>> cycle_calls([['update_persistent_boot', True],
    ...              ['set_host_power ON', False], ['x', False]])
    [True, True, False]
    >>> cycle_calls([['update_persistent_boot', True], ['x', False]])
    [False, False]
    """
    cycles = in_cycle(calls)
    cycled = any(cycles)
    return [cycle or (cycled and bool(call[1]))
            for call, cycle in zip(calls, cycles)]


def _kind(step: str, name: str, cycle: bool, method: str, path: str) -> str:
    if cycle:
        return CYCLE
    if name in INITIATOR_CALLS:
        return INITIATOR_READ
    if name in MODE_CALLS:
        return MODE_READ
    if name in SCRUB_CALLS and step == 'clean_up_instance':
        return SCRUB
    if (name in TARGET_CALLS and method == 'GET'
            and any(part in path for part in MAC_PATHS)):
        return MAC_MAPPING
    return OTHER


def cycle_seconds(calls: Sequence[Sequence[Any]]) -> float:
    """The time one node's POST cycle took (:func:`cycle_calls`): from the
    start of the first call of each run of its calls to the end of the
    run's last (the polls' waits included); 0 without one.

    >>> cycle_seconds([['x', False, [], 0.0, 1.0],
    ...                ['update_persistent_boot', True, [], 1.0, 1.2],
    ...                ['set_host_power ON', False, [], 1.2, 1.3],
    ...                ['get_host_post_state', False, [], 6.2, 6.4],
    ...                ['hold_pwr_btn', False, [], 6.4, 6.5],
    ...                ['update_persistent_boot', False, [], 6.5, 7.0]])
    5.5
    """
    total, first = 0.0, None
    flags = cycle_calls(calls) + [False]
    for index, flag in enumerate(flags):
        if flag and first is None:
            first = index
        elif not flag and first is not None:
            total += calls[index - 1][4] - calls[first][3]
            first = None
    return round(total, 4)


def kinds_of_trace(step: str, trace: Sequence[Sequence[Any]]
                   ) -> Dict[str, int]:
    """All nodes' requests of ``step`` by kind; ``trace`` holds each
    distinct call sequence once with its number of nodes."""
    total = dict.fromkeys(KINDS, 0)
    for nodes, calls in trace:
        for kind, count in kinds_of_calls(step, calls).items():
            total[kind] += nodes * count
    return total


def expected_posts(step: str, option_listed: bool = False,
                   mode_current: bool = True) -> int:
    """POST cycles a node's ``step`` may run (issue 13, B.4): one in
    ``prepare_instance`` unless the firmware lists the iSCSI boot option
    already and the pending boot mode is the current one; none in
    ``clean_up_instance``. The benchmark's iLOs are new: no option listed.

    >>> expected_posts('prepare_instance'), expected_posts(
    ...     'prepare_instance', option_listed=True), expected_posts(
    ...     'prepare_instance', True, mode_current=False)
    (1, 0, 1)
    >>> expected_posts('clean_up_instance')
    0
    """
    if step != 'prepare_instance':
        return 0
    return 0 if option_listed and mode_current else 1


def methods(counts: Mapping[str, int]) -> str:
    """'N (GET n, ...)' for requests by method."""
    inner = ', '.join('%s %d' % item for item in sorted(counts.items()))
    return '%d (%s)' % (sum(counts.values()), inner)


def ratio(value: float, reference: float) -> Optional[float]:
    """value / reference, 3 decimals; 1.0 for 0/0, None for x/0."""
    if reference == 0:
        return 1.0 if value == 0 else None
    return round(value / reference, 3)


def _add(counts: Sequence[Mapping[str, int]]) -> Dict[str, int]:
    total: collections.Counter = collections.Counter()
    for count in counts:
        total.update(count)
    return dict(sorted(total.items()))


@dataclasses.dataclass
class Summary:
    """One variant's figures for one scenario."""

    requests: Dict[str, Dict[str, int]]   # step or 'total' -> by method
    varies: List[str]                     # steps whose counts differ
    seconds: Dict[str, float]             # step or 'total' -> median wall
    calls: Dict[str, float]               # the same, boot interface calls
    errors: List[str]
    runs: int
    kinds: Dict[str, Dict[str, int]]      # step or 'total' -> by kind
    posts: Dict[str, List[int]]           # step -> POSTs of each node
    cycle: Dict[str, float]               # step or 'total' -> median s
    untraced: List[str]                   # steps the trace misses

    def count(self, step: str) -> int:
        """Requests of ``step`` (or 'total'), all methods."""
        return sum(self.requests[step].values())

    def budgeted(self, step: str = TOTAL) -> int:
        """Requests of ``step`` (or 'total') without the POST cycle's."""
        return self.count(step) - self.kinds[step][CYCLE]

    def costs(self, step: str = TOTAL) -> Dict[str, int]:
        """The named costs (:data:`COSTS`) of ``step`` (or 'total')."""
        return {cost: self.kinds[step][cost] for cost in COSTS}


def summarize(runs: Sequence[Mapping[str, Any]]) -> Summary:
    """Medians over the runs; requests of the first run (flagged if the
    runs disagree outside the POST cycle, whose polls follow the clock)."""
    requests, varies, seconds, calls = {}, [], {}, {}
    kinds, posts, cycle, untraced = {}, {}, {}, []
    for step in STEPS:
        counts = [run[step]['requests'] for run in runs]
        requests[step] = dict(counts[0])
        traces = [kinds_of_trace(step, run[step].get('trace', []))
                  for run in runs]
        kinds[step] = traces[0]
        posts[step] = sorted(runs[0][step].get('posts', []))
        # The POST cycle's polls follow the clock: they may differ.
        budgeted = [{k: n for k, n in t.items() if k != CYCLE}
                    for t in traces]
        if any(b != budgeted[0] for b in budgeted) or any(
                sorted(run[step].get('posts', [])) != posts[step]
                for run in runs):
            varies.append(step)
        if any(sum(t.values()) != sum(c.values())
               for t, c in zip(traces, counts)):
            untraced.append(step)
        cycle[step] = statistics.median(
            sum(run[step].get('cycle_seconds', [])) for run in runs)
        seconds[step] = statistics.median(run[step]['seconds']
                                          for run in runs)
        calls[step] = statistics.median(
            sum(run[step]['calls']) for run in runs)
    requests[TOTAL] = _add([requests[step] for step in STEPS])
    kinds[TOTAL] = {kind: sum(kinds[step][kind] for step in STEPS)
                    for kind in KINDS}
    cycle[TOTAL] = statistics.median(
        sum(sum(run[step].get('cycle_seconds', [])) for step in STEPS)
        for run in runs)
    seconds[TOTAL] = statistics.median(
        sum(run[step]['seconds'] for step in STEPS) for run in runs)
    calls[TOTAL] = statistics.median(
        sum(sum(run[step]['calls']) for step in STEPS) for run in runs)
    errors = [error for run in runs for step in STEPS
              for error in run[step]['errors']]
    return Summary(requests, varies, seconds, calls, errors, len(runs),
                   kinds, posts, cycle, untraced)


def by_scenario(results: Sequence[Mapping[str, Any]]
                ) -> Dict[Scenario, Summary]:
    """A variant's summaries, keyed by scenario."""
    return {Scenario.from_dict(item['scenario']): summarize(item['runs'])
            for item in results}


@dataclasses.dataclass(frozen=True)
class Check:
    """One verdict line."""

    name: str
    ok: bool
    detail: str = ''
    counted: bool = True  # False: shown for information only

    def line(self) -> str:
        """'ok    name: detail', 'FAIL  ...' or 'info  ...'."""
        word = 'ok' if self.ok else 'FAIL'
        if not self.counted:
            word = 'info'
        return '%-5s %s%s' % (word, self.name,
                              ': ' + self.detail if self.detail else '')


def budget(series: Summary, upstream: Summary, step: str = TOTAL) -> int:
    """Upstream's requests plus the series' named costs (issue 13, D)."""
    return upstream.count(step) + sum(series.costs(step).values())


def check_requests(series: Mapping[Scenario, Summary],
                   upstream: Mapping[Scenario, Summary]) -> List[Check]:
    """Per scenario: the series' requests, its POST cycle's apart, are no
    more than upstream's plus the named costs of what upstream lacks."""
    checks = []
    for s in series:
        if s not in upstream:
            continue
        mine, other = series[s], upstream[s]
        allowed = budget(mine, other)
        detail = '%d - %s %d = %d %s upstream %d + %s = %d' % (
            mine.count(TOTAL), CYCLE, mine.kinds[TOTAL][CYCLE],
            mine.budgeted(), '<=' if mine.budgeted() <= allowed else '>',
            other.count(TOTAL), ' + '.join(
                '%s %d' % item for item in mine.costs().items()), allowed)
        if mine.kinds[TOTAL][MODE_READ]:
            detail += ' (%s %d in the series\' count)' % (
                MODE_READ, mine.kinds[TOTAL][MODE_READ])
        checks.append(Check('requests: %s' % s.label,
                            mine.budgeted() <= allowed and not mine.untraced,
                            detail))
    if not checks:
        checks.append(Check('requests: no scenario in both variants', False))
    return checks


def check_trace(name: str, summaries: Mapping[Scenario, Summary]
                ) -> List[Check]:
    """Every request was traced to the call that made it (else the named
    costs are not known), and every run made the same requests."""
    missed = ['%s %s' % (s.label, step) for s, summary in summaries.items()
              for step in summary.untraced]
    varies = ['%s %s' % (s.label, step) for s, summary in summaries.items()
              for step in summary.varies]
    problems = (['untraced: ' + ', '.join(missed[:3])] if missed else []) + (
        ['runs differ: ' + ', '.join(varies[:3])] if varies else [])
    return [Check('%s: every request traced, the same in every run' % name,
                  not problems, '; '.join(problems))]


def check_posts(series: Mapping[Scenario, Summary],
                upstream: Mapping[Scenario, Summary]) -> List[Check]:
    """The series runs the POST cycles :func:`expected_posts` says, per
    node and step; upstream (lenient model) never cycles: information."""
    wrong = ['%s %s %s (expected %d)' % (
        s.label, step.split('_')[0], ','.join(map(str, sorted(set(
            summary.posts[step])))), expected_posts(step))
        for s, summary in series.items() for step in STEPS
        if len(summary.posts[step]) != s.nodes
        or any(n != expected_posts(step) for n in summary.posts[step])]
    cycled = sum(sum(summary.posts[step]) for summary in series.values()
                 for step in STEPS)
    checks = [Check(
        'POST cycles: 1 per node in prepare (no option listed), 0 in clean up',
        not wrong and bool(series),
        '; '.join(wrong[:3]) or '%d cycles in %d scenarios' % (
            cycled, len(series)))]
    theirs = sum(sum(summary.posts[step]) for summary in upstream.values()
                 for step in STEPS)
    checks.append(Check('upstream: no POST cycle (lenient model)',
                        theirs == 0, '%d POSTs' % theirs, counted=False))
    return checks


def check_floor(series: Mapping[Scenario, Summary], name: str = 'floor',
                counted: bool = True) -> List[Check]:
    """At latency > 0 a single node's step time is within 5% of the
    floor, requests x latency (the boot interface calls, lock excluded),
    the POST cycle's time and requests apart (it waits for the POST).
    """
    checks = []
    for s, summary in series.items():
        if s.nodes != 1 or not s.latency:
            continue
        floor = summary.budgeted() * s.latency
        got = summary.calls[TOTAL] - summary.cycle[TOTAL]
        parts = ', '.join('%s %.3f' % (step.split('_')[0], ratio(
            summary.calls[step] - summary.cycle[step],
            summary.budgeted(step) * s.latency) or 0) for step in STEPS)
        checks.append(Check(
            '%s: %s' % (name, s.label),
            got <= floor * (1 + FLOOR_TOLERANCE),
            '%.2f s for %d requests x %g s = %.2f s: x%.3f (%s); '
            'POST cycle apart: %.2f s, %d requests' % (
                got, summary.budgeted(), s.latency, floor, got / floor,
                parts, summary.cycle[TOTAL], summary.kinds[TOTAL][CYCLE]),
            counted))
    return checks


def _scaling(summaries: Mapping[Scenario, Summary], latency: float
             ) -> List[Tuple[int, Summary]]:
    return sorted((s.nodes, summary) for s, summary in summaries.items()
                  if s.latency == latency and all(
                      getattr(s, key) == value
                      for key, value in SCALING.items()))


def check_scaling(name: str, summaries: Mapping[Scenario, Summary],
                  counted: bool = True) -> List[Check]:
    """The largest N ran without errors; time per node does not grow
    with N (at the fixed pool size), within the noise tolerance."""
    checks = []
    for latency in sorted({s.latency for s in summaries}):
        points = _scaling(summaries, latency)
        if len(points) < 2:
            continue
        largest, summary = points[-1]
        checks.append(Check(
            '%s: %d nodes at %dms without errors' % (
                name, largest, round(latency * 1000)),
            not summary.errors, '; '.join(summary.errors[:3]), counted))
        per_node = [(n, s.seconds[TOTAL] / n) for n, s in points]
        worse = [(n, m) for i, (n, t) in enumerate(per_node)
                 for m, u in per_node[:i] if t > u * (1 + LINEAR_TOLERANCE)]
        checks.append(Check(
            '%s: time grows no faster than N at %dms' % (
                name, round(latency * 1000)),
            not worse, ', '.join('N=%d %.2fs (%.3f s/node)' % (
                n, n * t, t) for n, t in per_node), counted))
    return checks


def check_errors(name: str, summaries: Mapping[Scenario, Summary]
                 ) -> List[Check]:
    """No step failed in any run."""
    failed = ['%s: %s' % (s.label, e) for s, summary in summaries.items()
              for e in summary.errors]
    return [Check('%s: no step failed' % name, not failed,
                  '; '.join(failed[:3]) + (' ...' if len(failed) > 3
                                           else ''))]


def checks(series: Mapping[Scenario, Summary],
           upstream: Mapping[Scenario, Summary]) -> List[Check]:
    """Every verdict of the benchmark."""
    return (check_requests(series, upstream)
            + check_posts(series, upstream) + check_floor(series)
            + check_floor(upstream, 'upstream floor', counted=False)
            + check_scaling(SERIES, series)
            + check_scaling(UPSTREAM, upstream, counted=False)
            + check_errors(SERIES, series) + check_errors(UPSTREAM, upstream)
            + check_trace(SERIES, series) + check_trace(UPSTREAM, upstream))


def rows(series: Mapping[Scenario, Summary],
         upstream: Mapping[Scenario, Summary]) -> List[Dict[str, Any]]:
    """One row per scenario and step (and total), for JSON and tables."""
    out = []
    for s in series:
        other = upstream.get(s)
        for step in STEPS + (TOTAL,):
            mine = series[s]
            row = {'scenario': s.key, 'label': s.label, 'step': step,
                   'series_requests': mine.requests[step],
                   'series_kinds': mine.kinds[step],
                   'series_budgeted': mine.budgeted(step),
                   'series_posts': (sum(mine.posts[step]) if step in STEPS
                                    else sum(sum(mine.posts[x])
                                             for x in STEPS)),
                   'series_cycle_seconds': round(mine.cycle[step], 3),
                   'series_seconds': round(mine.seconds[step], 3),
                   'nodes': s.nodes, 'runs': mine.runs}
            if other is not None:
                row.update(
                    upstream_requests=other.requests[step],
                    upstream_kinds=other.kinds[step],
                    budget=budget(mine, other, step),
                    upstream_seconds=round(other.seconds[step], 3),
                    requests_ratio=ratio(mine.count(step),
                                         other.count(step)),
                    seconds_ratio=ratio(mine.seconds[step],
                                        other.seconds[step]))
            out.append(row)
    return out


def _fmt(value: Optional[float], pattern: str = '%.3f') -> str:
    return '-' if value is None else pattern % value


def text_table(table: Sequence[Mapping[str, Any]]) -> str:
    """The side-by-side table for the terminal."""
    head = ('%-28s %-7s %-34s %-34s %6s %8s %8s %6s' % (
        'scenario', 'step', 'series requests', 'upstream requests',
        'ratio', 'series s', 'upstr s', 'ratio'))
    lines = [head, '-' * len(head)]
    for row in table:
        lines.append('%-28s %-7s %-34s %-34s %6s %8.3f %8s %6s' % (
            row['label'] if row['step'] == STEPS[0] else '',
            row['step'].split('_')[0], methods(row['series_requests']),
            methods(row['upstream_requests'])
            if 'upstream_requests' in row else '-',
            _fmt(row.get('requests_ratio'), '%.2f'), row['series_seconds'],
            _fmt(row.get('upstream_seconds')),
            _fmt(row.get('seconds_ratio'), '%.2f')))
    return '\n'.join(lines)


def budget_table(table: Sequence[Mapping[str, Any]]) -> str:
    """The request check per scenario, each named cost on its own row."""
    lines = []
    for row in table:
        if row['step'] != TOTAL or 'budget' not in row:
            continue
        kinds, budgeted = row['series_kinds'], row['series_budgeted']
        lines.append(row['label'])
        lines.append('    %-26s%6d' % ('upstream requests', sum(
            row['upstream_requests'].values())))
        lines += ['  + %-26s%6d' % (cost, kinds[cost]) for cost in COSTS]
        lines.append('  = %-26s%6d' % ('budget', row['budget']))
        lines.append('    %-26s%6d   %s' % (
            'series, POST cycle apart', budgeted,
            'ok' if budgeted <= row['budget'] else 'OVER'))
        if kinds[MODE_READ]:
            lines.append('      %-24s%6d   (in it: no named cost)' % (
                MODE_READ, kinds[MODE_READ]))
        lines.append('    %-26s%6d   %d cycle(s) for %d node(s), %.2f s' % (
            'POST cycle (apart)', kinds[CYCLE], row['series_posts'],
            row['nodes'], row['series_cycle_seconds']))
    return '\n'.join(lines)


def markdown_table(table: Sequence[Mapping[str, Any]]) -> str:
    """The doc's table: a row per scenario, the request check in it."""
    lines = ['| scenario | upstream | + initiator read | + MAC mapping | '
             '+ scrub | = budget | series, POST cycle apart (boot mode '
             'read in it) | POST cycles '
             '(requests) | series requests by method | wall s (median), '
             'series / upstream | ratio |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- '
             '| --- |']
    for row in table:
        if row['step'] != TOTAL:
            continue
        kinds = row['series_kinds']
        lines.append('| %s | %s | %d | %d | %d | %s | %d (%d) | %d (%d) '
                     '| %s | %.2f / %s | %s |' % (
                         row['label'], sum(row['upstream_requests'].values())
                         if 'upstream_requests' in row else '-',
                         kinds[INITIATOR_READ], kinds[MAC_MAPPING],
                         kinds[SCRUB], row.get('budget', '-'),
                         row['series_budgeted'], kinds[MODE_READ],
                         row['series_posts'],
                         kinds[CYCLE], methods(row['series_requests']),
                         row['series_seconds'],
                         _fmt(row.get('upstream_seconds'), '%.2f'),
                         _fmt(row.get('seconds_ratio'), '%.2f')))
    return '\n'.join(lines)


def build(series: Mapping[str, Any], upstream: Mapping[str, Any],
          meta: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """The report: both variants' data, the table rows and the checks."""
    mine = by_scenario(series['results'])
    other = by_scenario(upstream['results'])
    verdicts = checks(mine, other)
    return {'meta': dict(meta or {}),
            'variants': {SERIES: {k: v for k, v in series.items()
                                  if k != 'results'},
                         UPSTREAM: {k: v for k, v in upstream.items()
                                    if k != 'results'}},
            'rows': rows(mine, other),
            'checks': [dataclasses.asdict(c) for c in verdicts],
            'ok': all(c.ok for c in verdicts if c.counted),
            'results': {SERIES: series['results'],
                        UPSTREAM: upstream['results']}}


def render(report: Mapping[str, Any]) -> str:
    """What ``./wb bench`` prints: the table, then the checks."""
    variants = report['variants']
    lines = ['series = ironic %s + this series, upstream = ironic %s; '
             '%d runs each, worker pool %d; time = median wall seconds '
             '(submit to last node done)' % (
                 variants[SERIES].get('ironic', '?'),
                 variants[UPSTREAM].get('ironic', '?'),
                 variants[SERIES].get('runs', 0),
                 variants[SERIES].get('pool_size', 0)),
             '', text_table(report['rows']), '',
             'requests: upstream on the lenient firmware model (the strict '
             'one refuses it: it never cycles POST), the series on the '
             'strict one', '', budget_table(report['rows']), '']
    lines += [Check(**c).line() for c in report['checks']]
    lines.append('bench: %s' % ('all checks pass' if report['ok'] else
                                '%d check(s) failed' % sum(
                                    c['counted'] and not c['ok']
                                    for c in report['checks'])))
    return '\n'.join(lines)
