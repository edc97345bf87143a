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

"""The phases of a deploy and an undeploy, from the conductor's log.

Each phase ends at a line the conductor logs anyway (INFO or DEBUG) in
the request that ran it; the phase's time is from the previous mark.

>>> lines = [
...     '2026-12-07 03:31:45.053 1 DEBUG m [None req-1 - - - - - -] '
...     'RPC do_node_deploy called for node N.',
...     '2026-12-07 03:31:45.089 1 INFO m [None req-1 - - - - - -] '
...     'Node N moved to provision state "deploying" from x',
...     '2026-12-07 03:31:46.013 1 INFO m [None req-1 - - - - - -] '
...     'Successfully initialized volume V for node N.']
>>> phases(lines, 'N', DEPLOY)[:2]
[('validate', 0.036), ('attach', 0.924)]
"""
from __future__ import annotations

import datetime
import re
from typing import Iterable, List, Optional, Sequence, Tuple

#: (phase, the line that ends it); the first line starts the request.
DEPLOY = (('', 'RPC do_node_deploy called'),
          ('validate', 'moved to provision state "deploying"'),
          ('attach', 'Successfully initialized volume'),
          ('prepare_instance', 'set to boot from iscsiboot'),
          ('power on', 'power state to power on'),
          ('done', 'moved to provision state "active"'))
UNDEPLOY = (('', 'RPC do_node_tear_down called'),
            ('validate', 'moved to provision state "deleting"'),
            ('power off', 'power state to power off'),
            ('clean_up_instance', 'cleared in iLO'),
            ('detach', 'Successfully deleted volume target'),
            ('done', 'moved to provision state "available"'))

_LINE = re.compile(r'^(\S+ \S+) \d+ \w+ \S+ \[\S+ (req-[0-9a-f-]+) ')


def _parse(line: str) -> Optional[Tuple[datetime.datetime, str]]:
    match = _LINE.match(line)
    if not match:
        return None
    return (datetime.datetime.strptime(match.group(1),
                                       '%Y-%m-%d %H:%M:%S.%f'),
            match.group(2))


def phases(lines: Iterable[str], node_uuid: str,
           marks: Sequence[Tuple[str, str]]) -> List[Tuple[str, float]]:
    """The phases of the node's last request that logged ``marks[0]``;
    a mark not logged ends no phase."""
    lines = list(lines)
    starts = [i for i, line in enumerate(lines)
              if marks[0][1] in line and node_uuid in line]
    if not starts:
        return []
    first = _parse(lines[starts[-1]])
    if first is None:
        return []
    previous, request = first
    found = []
    rest = [p for p in map(_parse, lines[starts[-1]:]) if p]
    texts = [line for line in lines[starts[-1]:] if _parse(line)]
    for name, text in marks[1:]:
        for (when, req), line in zip(rest, texts):
            if req == request and text in line and when >= previous:
                found.append((name, round(
                    (when - previous).total_seconds(), 3)))
                previous = when
                break
    return found


def line(path, node_uuid: str, marks) -> str:
    """``validate 0.04 s, attach 0.92 s, ...`` from the log at
    ``path``."""
    with open(path, errors='replace') as log:
        found = phases(log, node_uuid, marks)
    return ', '.join('%s %.2f s' % item for item in found)
