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

"""iLO requests counted by HTTP method (from an emulator's request log).

>>> by_method([_Rec('GET'), _Rec('PATCH'), _Rec('GET')])
'3 requests (GET 2, PATCH 1)'
>>> by_method([])
'0 requests'
"""
from __future__ import annotations

import collections
import dataclasses
from typing import Any, Dict, Iterable, Sequence

# The order methods are listed in; others follow alphabetically.
_METHOD_ORDER = ('GET', 'POST', 'PATCH', 'PUT', 'DELETE')


@dataclasses.dataclass(frozen=True)
class _Rec:
    """A stand-in request record for the doctests."""

    method: str


def method_counts(records: Iterable[Any]) -> Dict[str, int]:
    """Requests per HTTP method, in a fixed order.

    >>> method_counts([_Rec('PATCH'), _Rec('GET'), _Rec('HEAD')])
    {'GET': 1, 'PATCH': 1, 'HEAD': 1}
    """
    counts = collections.Counter(r.method for r in records)
    ordered = [m for m in _METHOD_ORDER if m in counts]
    ordered += sorted(m for m in counts if m not in _METHOD_ORDER)
    return {m: counts[m] for m in ordered}


def by_method(records: Sequence[Any]) -> str:
    """'N requests (GET a, PATCH b)'."""
    counts = method_counts(records)
    total = sum(counts.values())
    if not total:
        return '0 requests'
    return '%d request%s (%s)' % (total, '' if total == 1 else 's', ', '.join(
        '%s %d' % item for item in counts.items()))
