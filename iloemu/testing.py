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

"""Helpers for tests that drive the real proliantutils at the emulator.

proliantutils is imported inside the functions, so importing this module
(or the package) does not need it.

* :func:`ilo_client` builds an ``IloClient`` for an emulated iLO.
* :func:`forget_clients` empties proliantutils' client cache. ``IloClient``
  is cached per (address, login, password) for the whole process, so a
  client made against one emulated iLO would otherwise be handed back for
  a later one on the same address. Call it while the iLOs still run: a
  dropped Redfish client logs out (DELETE of its session) when collected.
* :class:`NoWaits` skips the sleeps of proliantutils' and sushy's retry
  loops (2 s and 7 s each) and records them, so a test of a retried fault
  takes milliseconds and can still assert how long a client would wait.
"""
from __future__ import annotations

import contextlib
import gc
import time
import types
from pathlib import Path
from typing import Any, Iterator, List

from iloemu.emulator import EmulatedIlo
from iloemu.manager import IloFleet


def ilo_client(ilo: EmulatedIlo, timeout: int = 60, **kwargs: Any) -> Any:
    """``IloClient`` for ``ilo``, verifying its certificate with the CA."""
    from proliantutils.ilo import client
    options = dict(ilo.client_kwargs(), timeout=timeout, port=ilo.port)
    options.update(kwargs)
    return client.IloClient(*ilo.client_args(), **options)


def forget_clients() -> None:
    """Log cached Redfish clients out, empty proliantutils' client cache.

    A Redfish client logs out (DELETE of its session) when it is garbage
    collected; if that happens after its iLO stopped, sushy retries the
    DELETE with 2 s sleeps. So the sessions are closed here, while the
    iLOs still run, and the later collection has nothing left to do.
    """
    from proliantutils.ilo import client
    for instance in list(client.IloClient._instances.values()):
        sushy = getattr(getattr(instance, 'redfish', None), '_sushy', None)
        auth = getattr(sushy, '_auth', None)
        if auth is not None:
            try:
                auth.close()
            except Exception:  # the iLO may be unreachable by design
                auth.reset_session_attrs()
    client.IloClient._instances.clear()
    gc.collect()


class NoWaits:
    """Context manager: retry sleeps of proliantutils/sushy return at once.

    >>> with NoWaits() as waits:
    ...     import retrying
    ...     retrying.time.sleep(7)
    >>> waits.slept
    [7]
    """

    _MODULES = ('retrying', 'sushy.connector')

    def __init__(self) -> None:
        self.slept: List[float] = []
        self._saved: List[Any] = []

    def __enter__(self) -> 'NoWaits':
        import importlib
        clock = types.SimpleNamespace(**{
            name: getattr(time, name) for name in dir(time)
            if not name.startswith('_')})
        clock.sleep = self.slept.append
        for name in self._MODULES:
            module = importlib.import_module(name)
            self._saved.append((module, module.time))
            module.time = clock
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for module, saved in self._saved:
            module.time = saved
        self._saved.clear()

    @property
    def total(self) -> float:
        """Seconds the clients would have slept."""
        return float(sum(self.slept))


@contextlib.contextmanager
def running_fleet(pki_dir: Path,
                  first_address: str = '127.0.0.2') -> Iterator[IloFleet]:
    """A started fleet; at the end proliantutils' clients are forgotten
    (while the iLOs still answer their logouts), then the fleet stops."""
    fleet = IloFleet(pki_dir, first_address=first_address)
    fleet.start()
    try:
        yield fleet
    finally:
        try:
            forget_clients()
        finally:
            fleet.close()
