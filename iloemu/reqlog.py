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

"""The request log of one emulated iLO, with counts per operation.

A test labels what it is doing (``with log.operation('set_iscsi_info')``)
and reads how many requests that cost. Records hold method, path, status
and latency; never a body or a header, so no credential or secret.

>>> log = RequestLog()
>>> with log.operation('power'):
...     _ = log.add('GET', '/rest/v1/systems/1', 200, 0.003, 'ris')
>>> _ = log.add('POST', '/ribcl', 200, 0.002, 'ribcl')
>>> log.counts()
{'power': 1, '-': 1}
>>> log.count('power'), log.by_resource('power')
(1, {('GET', '/rest/v1/systems/1'): 1})
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import threading
from typing import Dict, Iterator, List, Optional, Tuple


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    """One answered request."""

    method: str
    path: str
    status: int
    latency: float
    protocol: str
    operation: Optional[str] = None
    faults: Tuple[str, ...] = ()


class RequestLog:
    """Thread-safe list of :class:`RequestRecord`, labelled by operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: List[RequestRecord] = []
        self._operation: Optional[str] = None

    @contextlib.contextmanager
    def operation(self, name: str) -> Iterator[None]:
        """Label the requests made inside the block with ``name``."""
        previous, self._operation = self._operation, name
        try:
            yield
        finally:
            self._operation = previous

    def add(self, method: str, path: str, status: int, latency: float,
            protocol: str, faults: Tuple[str, ...] = ()) -> RequestRecord:
        """Record one request under the current operation label."""
        record = RequestRecord(method, path, status, latency, protocol,
                               self._operation, tuple(faults))
        with self._lock:
            self._records.append(record)
        return record

    def amend(self, record: RequestRecord, note: str) -> None:
        """Add a note to a record already in the log (e.g. client gone)."""
        with self._lock:
            for index, existing in enumerate(self._records):
                if existing is record:
                    self._records[index] = dataclasses.replace(
                        record, faults=record.faults + (note,))
                    return

    @property
    def records(self) -> List[RequestRecord]:
        """A copy of all records, oldest first."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget all records."""
        with self._lock:
            self._records.clear()

    def count(self, operation: Optional[str] = None) -> int:
        """Requests made under ``operation`` (all when None)."""
        return sum(1 for r in self.records
                   if operation is None or r.operation == operation)

    def counts(self) -> Dict[str, int]:
        """Requests per operation label ('-' for unlabelled)."""
        return dict(collections.Counter(r.operation or '-'
                                        for r in self.records))

    def by_resource(self, operation: Optional[str] = None
                    ) -> Dict[Tuple[str, str], int]:
        """Requests per (method, path), optionally for one operation."""
        return dict(collections.Counter(
            (r.method, r.path) for r in self.records
            if operation is None or r.operation == operation))

    def summary(self) -> str:
        """A readable table: operation, requests, total latency."""
        lines = []
        totals: Dict[str, List[float]] = collections.OrderedDict()
        for r in self.records:
            totals.setdefault(r.operation or '-', []).append(r.latency)
        for name, latencies in totals.items():
            lines.append('%-28s %4d requests %8.1f ms' % (
                name, len(latencies), 1000 * sum(latencies)))
        return '\n'.join(lines)
