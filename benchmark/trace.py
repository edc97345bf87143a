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

"""Which proliantutils call made each iLO request, seen from the client.

The emulators count requests by HTTP method; to name what a request is
for (the initiator read, the MAC mapping, the scrub, a POST cycle) the
benchmark needs the call that made it. :func:`install` wraps every
public method of proliantutils' ``IloClient`` (the outermost call names
the requests made inside it) and ``requests``' ``HTTPAdapter.send``
(which every RIBCL, RIS and Redfish request goes through), in the
conductor's process. A call's requests are recorded when it returns,
with whether it raised.

Only method, path and the call's name are kept: no body, no header, so
no credential or secret. The bookkeeping is a few dictionary operations
per request, nothing that waits.

>>> t = Tracer()
>>> with t.call('get_iscsi_initiator_info'):
...     t.request('https://127.0.0.2/rest/v1/Systems/1', 'GET')
>>> [call[:3] for call in t.take()['127.0.0.2']]
[['get_iscsi_initiator_info', False, [['GET', '/rest/v1/Systems/1']]]]
>>> t.take()
{}
"""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Any, Callable, Dict, Iterator, List
from urllib.parse import urlsplit

#: The name of requests made outside any proliantutils call.
NO_CALL = '-'


class Tracer:
    """Per iLO address, the calls in order, each with its requests.

    A call is ``[name, raised, [[method, path], ...], start, end]``
    (``time.monotonic`` seconds). The current call
    is per thread (per green thread once eventlet has patched
    ``threading``, as in the benchmark's conductor process).
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._calls: Dict[str, List[List[Any]]] = {}

    @contextlib.contextmanager
    def call(self, name: str) -> Iterator[None]:
        """Name the requests made inside the block (outermost call wins)."""
        if getattr(self._local, 'current', None) is not None:
            yield
            return
        current: Dict[str, Any] = {'name': name, 'requests': {}}
        self._local.current = current
        raised, start = True, time.monotonic()
        try:
            yield
            raised = False
        finally:
            self._local.current = None
            end = time.monotonic()
            for host, requests in current['requests'].items():
                self._add(host, [name, raised, requests, start, end])

    def request(self, url: str, method: str) -> None:
        """One request is about to be sent."""
        parts = urlsplit(url)
        host, path = parts.hostname or '', parts.path
        current = getattr(self._local, 'current', None)
        if current is None:
            now = time.monotonic()
            self._add(host, [NO_CALL, False, [[method, path]], now, now])
        else:
            current['requests'].setdefault(host, []).append([method, path])

    def _add(self, host: str, call: List[Any]) -> None:
        with self._lock:
            self._calls.setdefault(host, []).append(call)

    def take(self) -> Dict[str, List[List[Any]]]:
        """The calls recorded since the last take, by iLO address."""
        with self._lock:
            calls, self._calls = self._calls, {}
        return calls


def _wrap(tracer: Tracer, name: str, method: Callable) -> Callable:
    def traced(*args: Any, **kwargs: Any) -> Any:
        label = name
        if name == 'set_host_power' and args[1:]:
            label = '%s %s' % (name, args[1])
        with tracer.call(label):
            return method(*args, **kwargs)
    traced.__wrapped__ = method  # type: ignore[attr-defined]
    traced.__name__ = name
    return traced


def install(tracer: Tracer) -> None:  # pragma: no cover (needs the venv)
    """Trace proliantutils' client calls and every HTTP request."""
    from proliantutils.ilo import client
    from requests import adapters
    # client.IloClient is a caching wrapper; .cls is the class itself.
    cls = getattr(client.IloClient, 'cls', client.IloClient)
    for name, member in list(vars(cls).items()):
        if callable(member) and (not name.startswith('_')
                                 or name == '__init__'):
            setattr(cls, name, _wrap(tracer, name, member))
    send = adapters.HTTPAdapter.send

    def traced_send(self: Any, request: Any, *args: Any, **kwargs: Any
                    ) -> Any:
        tracer.request(request.url, request.method)
        return send(self, request, *args, **kwargs)
    adapters.HTTPAdapter.send = traced_send
