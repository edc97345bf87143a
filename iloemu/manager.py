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

"""Several emulated iLOs at once, each on its own loopback address.

proliantutils' RIS and Redfish clients always use port 443, so every
emulated iLO gets its own address in 127.0.0.0/8 (all loopback on Linux;
binding port 443 needs root). The fleet makes one CA for all of them.

    with IloFleet() as fleet:
        gen9 = fleet.add(generation=9)
        gen10 = fleet.add(generation=10, boot_mode='legacy')
        client = IloClient(**gen9.client_kwargs())
"""
from __future__ import annotations

from pathlib import Path
import tempfile
from typing import Any, Callable, Dict, Iterator, List, Optional, Union

from iloemu.backends.base import Backend
from iloemu.config import ServerSpec
from iloemu.emulator import EmulatedIlo
from iloemu.errors import ConfigError
from iloemu.faults import FaultPlan
from iloemu.san import San
from iloemu.tls import CertificateAuthority


class IloFleet:
    """Emulated iLOs sharing a CA; started and stopped together."""

    def __init__(self, directory: Optional[Path] = None,
                 first_address: str = '127.0.0.2') -> None:
        self._tmp = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix='iloemu-')
            directory = Path(self._tmp.name)
        self.directory = Path(directory)
        self.ca = CertificateAuthority('iloemu CA', self.directory)
        self._untrusted = CertificateAuthority(
            'iloemu untrusted CA', self.directory / 'untrusted')
        self._ilos: Dict[str, EmulatedIlo] = {}
        prefix, last = first_address.rsplit('.', 1)
        self._prefix, self._next = prefix, int(last)
        self._started = False
        #: The iSCSI targets every server of the fleet can reach (the
        #: strict model checks boot logins against it).
        self.san = San()

    @property
    def ca_file(self) -> Path:
        """The CA certificate clients must trust (``cacert``/``ca_file``)."""
        return self.ca.ca_file

    def _allocate(self) -> str:
        while True:
            if self._next > 254:
                raise ConfigError(reason='no loopback address left')
            address = '%s.%d' % (self._prefix, self._next)
            self._next += 1
            if address not in self._ilos:
                return address

    def add(self, spec: Optional[ServerSpec] = None,
            backend: Union[Backend, Callable[[ServerSpec], Backend],
                           None] = None,
            faults: FaultPlan = FaultPlan(), **settings: Any) -> EmulatedIlo:
        """Add an iLO; it starts at once if the fleet runs.

        From ``spec``, or from ``ServerSpec(**settings)`` on the next free
        address when no spec is given. ``backend`` is a backend, or a
        callable that makes one from the spec (so the fleet may pick the
        address); default: the fake backend.
        """
        if spec is None:
            address = settings.pop('address', None) or self._allocate()
            spec = ServerSpec(address, **settings)
        elif settings:
            raise ConfigError(reason='give a spec or settings, not both')
        if spec.address in self._ilos:
            raise ConfigError(reason='%s is taken' % spec.address)
        if backend is not None and not isinstance(backend, Backend):
            backend = backend(spec)
        ilo = EmulatedIlo(spec, self.ca, backend, faults, self._untrusted)
        if ilo.backend.san is None:
            ilo.backend.san = self.san
        self._ilos[spec.address] = ilo
        if self._started:
            ilo.start()
        return ilo

    def __iter__(self) -> Iterator[EmulatedIlo]:
        return iter(list(self._ilos.values()))

    def __len__(self) -> int:
        return len(self._ilos)

    def __getitem__(self, address: str) -> EmulatedIlo:
        return self._ilos[address]

    def start(self) -> 'IloFleet':
        """Start every iLO (and those added later)."""
        self._started = True
        for ilo in self:
            ilo.start()
        return self

    def stop(self) -> None:
        """Stop every iLO, even if one of them fails to stop."""
        self._started = False
        errors: List[BaseException] = []
        for ilo in self:
            try:
                ilo.stop()
            except Exception as exc:  # keep stopping the others
                errors.append(exc)
        if errors:
            raise errors[0]

    def close(self) -> None:
        """Stop, close the backends (VMs), remove the fleet's own files."""
        try:
            self.stop()
        finally:
            try:
                for ilo in self:
                    ilo.backend.close()
            finally:
                if self._tmp is not None:
                    self._tmp.cleanup()
                    self._tmp = None

    def __enter__(self) -> 'IloFleet':
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
