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

    def count(self, step: str) -> int:
        """Requests of ``step`` (or 'total'), all methods."""
        return sum(self.requests[step].values())


def summarize(runs: Sequence[Mapping[str, Any]]) -> Summary:
    """Medians over the runs; requests of the first run (flagged if the
    runs disagree)."""
    requests, varies, seconds, calls = {}, [], {}, {}
    for step in STEPS:
        counts = [run[step]['requests'] for run in runs]
        requests[step] = dict(counts[0])
        if any(count != counts[0] for count in counts):
            varies.append(step)
        seconds[step] = statistics.median(run[step]['seconds']
                                          for run in runs)
        calls[step] = statistics.median(
            sum(run[step]['calls']) for run in runs)
    requests[TOTAL] = _add([requests[step] for step in STEPS])
    seconds[TOTAL] = statistics.median(
        sum(run[step]['seconds'] for step in STEPS) for run in runs)
    calls[TOTAL] = statistics.median(
        sum(sum(run[step]['calls']) for step in STEPS) for run in runs)
    errors = [error for run in runs for step in STEPS
              for error in run[step]['errors']]
    return Summary(requests, varies, seconds, calls, errors, len(runs))


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


def check_requests(series: Mapping[Scenario, Summary],
                   upstream: Mapping[Scenario, Summary]) -> List[Check]:
    """The series needs no more requests than upstream, step by step."""
    over = ['%s %s %d > %d' % (s.label, step, series[s].count(step),
                               upstream[s].count(step))
            for s in series if s in upstream
            for step in STEPS + (TOTAL,)
            if series[s].count(step) > upstream[s].count(step)]
    compared = sum(1 for s in series if s in upstream)
    detail = '%d scenarios' % compared
    if over:
        detail = '%d of %d over: %s%s' % (
            len(over), compared * (len(STEPS) + 1), '; '.join(over[:4]),
            '; ...' if len(over) > 4 else '')
    return [Check('requests: series <= upstream in every scenario and step',
                  not over and compared > 0, detail)]


def check_floor(series: Mapping[Scenario, Summary]) -> List[Check]:
    """At latency > 0 a single node's step time is within 5% of the
    floor, requests x latency (the boot interface calls, lock excluded).
    """
    checks = []
    for s, summary in series.items():
        if s.nodes != 1 or not s.latency:
            continue
        floor = summary.count(TOTAL) * s.latency
        got = summary.calls[TOTAL]
        parts = ', '.join('%s %.3f' % (step.split('_')[0], ratio(
            summary.calls[step], summary.count(step) * s.latency) or 0)
            for step in STEPS)
        checks.append(Check(
            'floor: %s' % s.label,
            got <= floor * (1 + FLOOR_TOLERANCE),
            '%.2f s for %d requests x %g s = %.2f s: x%.3f (%s)' % (
                got, summary.count(TOTAL), s.latency, floor,
                got / floor, parts)))
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
    return (check_requests(series, upstream) + check_floor(series)
            + check_scaling(SERIES, series)
            + check_scaling(UPSTREAM, upstream, counted=False)
            + check_errors(SERIES, series) + check_errors(UPSTREAM, upstream))


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
                   'series_seconds': round(mine.seconds[step], 3),
                   'runs': mine.runs}
            if other is not None:
                row.update(
                    upstream_requests=other.requests[step],
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


def markdown_table(table: Sequence[Mapping[str, Any]]) -> str:
    """The README table: a row per scenario, both steps in it."""
    lines = ['| scenario | prepare: series / upstream | clean_up: series / '
             'upstream | total requests, series | total requests, upstream '
             '| ratio | wall s (median), series / upstream | ratio |',
             '| --- | --- | --- | --- | --- | --- | --- | --- |']
    by_key: Dict[str, Dict[str, Mapping[str, Any]]] = {}
    for row in table:
        by_key.setdefault(row['label'], {})[row['step']] = row
    for label, steps in by_key.items():
        prep, clean, total = (steps[s] for s in STEPS + (TOTAL,))

        def pair(row: Mapping[str, Any]) -> str:
            return '%d / %s' % (sum(row['series_requests'].values()), sum(
                row.get('upstream_requests', {}).values()) if
                'upstream_requests' in row else '-')
        lines.append('| %s | %s | %s | %s | %s | %s | %.2f / %s | %s |' % (
            label, pair(prep), pair(clean),
            methods(total['series_requests']),
            methods(total['upstream_requests'])
            if 'upstream_requests' in total else '-',
            _fmt(total.get('requests_ratio'), '%.2f'),
            total['series_seconds'],
            _fmt(total.get('upstream_seconds'), '%.2f'),
            _fmt(total.get('seconds_ratio'), '%.2f')))
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
             '', text_table(report['rows']), '']
    lines += [Check(**c).line() for c in report['checks']]
    lines.append('bench: %s' % ('all checks pass' if report['ok'] else
                                '%d check(s) failed' % sum(
                                    c['counted'] and not c['ok']
                                    for c in report['checks'])))
    return '\n'.join(lines)
