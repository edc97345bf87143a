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

"""One emulated iLO: a backend, its protocol fronts, faults, TLS, server.

>>> import tempfile
>>> from pathlib import Path
>>> from iloemu.tls import CertificateAuthority
>>> tmp = tempfile.TemporaryDirectory()
>>> ca = CertificateAuthority('doc CA', Path(tmp.name))
>>> ilo = EmulatedIlo(ServerSpec('127.0.0.9', generation=9), ca)
>>> ilo
<EmulatedIlo iLO 4 ProLiant DL380 Gen9 at 127.0.0.9:443 user=Administrator \
password=******>
>>> tmp.cleanup()
"""
from __future__ import annotations

import contextlib
import logging
import ssl
from typing import Any, Dict, Iterator, Optional, Tuple

from iloemu.auth import Authenticator
from iloemu.backends.base import Backend
from iloemu.backends.fake import FakeBackend
from iloemu.config import ServerSpec
from iloemu.dispatch import Dispatcher
from iloemu.errors import ConfigError
from iloemu.faults import FaultInjector, FaultPlan
from iloemu.fronts.redfish import RedfishFront
from iloemu.fronts.ribcl import RibclFront
from iloemu.fronts.ris import RisFront
from iloemu.reqlog import RequestLog
from iloemu.server import IloServer
from iloemu.state import StateView
from iloemu.tls import CertificateAuthority

LOG = logging.getLogger('iloemu.faults')


class EmulatedIlo:
    """An iLO 4 (Gen9) or iLO 5 (Gen10) on a loopback address.

    ``ca`` signs the served certificate; ``untrusted_ca`` (made on demand
    if not given) signs the one served under the untrusted-certificate
    fault. Use it as a context manager, or call :meth:`start`/:meth:`stop`.
    """

    def __init__(self, spec: ServerSpec, ca: CertificateAuthority,
                 backend: Optional[Backend] = None,
                 faults: FaultPlan = FaultPlan(),
                 untrusted_ca: Optional[CertificateAuthority] = None) -> None:
        if backend is not None and backend.spec != spec:
            raise ConfigError(reason='the backend is for another spec')
        self.spec = spec
        self.backend = backend or FakeBackend(spec)
        self.auth = Authenticator(spec.username, spec.password,
                                  spec.session_timeout, spec.max_sessions)
        self.log = RequestLog()
        self.label = '%s %s' % (spec.ilo_name, spec.address)
        self._injector = FaultInjector(label=self.label)
        fronts = [RibclFront(self.backend, self.auth),
                  RedfishFront(self.backend, self.auth,
                               entry_points_only=spec.generation == 9)]
        if spec.generation == 9:
            fronts.append(RisFront(self.backend, self.auth))
        self._dispatcher = Dispatcher(fronts, self._injector, self.log,
                                      self.label)
        self.ca_file = ca.ca_file
        self._trusted = ca.issue(spec.address).context()
        untrusted_ca = untrusted_ca or CertificateAuthority(
            'iloemu untrusted CA', ca.directory / 'untrusted')
        self._untrusted = untrusted_ca.issue(spec.address).context()
        self._server = IloServer(spec.address, spec.port, self._dispatcher,
                                 self._context)
        self._started = False
        self._saved_bios: Optional[str] = None
        self.set_faults(faults)

    def __repr__(self) -> str:
        return '<EmulatedIlo %s %s at %s:%d user=%s password=%s>' % (
            self.spec.ilo_name, self.spec.product_name, self.address,
            self.port, self.spec.username, self.spec.password)

    # -- identity ------------------------------------------------------------
    @property
    def address(self) -> str:
        """The loopback address it listens on."""
        return self.spec.address

    @property
    def port(self) -> int:
        """The TCP port (443 unless configured)."""
        return self.spec.port

    @property
    def generation(self) -> int:
        """9 (iLO 4) or 10 (iLO 5)."""
        return self.spec.generation

    def client_args(self) -> Tuple[str, str, str]:
        """(host, login, password) for ``IloClient(*args, **kwargs)``.

        proliantutils' client cache reads these three positionally; as
        keywords, ``IloClient`` fails with an IndexError.
        """
        return (self.address, self.spec.username,
                self.spec.password.reveal())

    def client_kwargs(self) -> Dict[str, Any]:
        """Keyword arguments for ``IloClient``: the CA file to trust."""
        return {'cacert': str(self.ca_file)}

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> 'EmulatedIlo':
        """Start listening (unless connections are to be refused)."""
        self._started = True
        if not self._injector.plan.refuse_connections:
            self._server.start()
        return self

    def stop(self) -> None:
        """Stop listening; state and log stay readable."""
        self._started = False
        self._server.stop()

    def __enter__(self) -> 'EmulatedIlo':
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- what tests read -----------------------------------------------------
    def state(self) -> StateView:
        """A snapshot of what the iLO holds."""
        return self.backend.view()

    def operation(self, name: str):
        """Label the requests made in a ``with`` block (request counts)."""
        return self.log.operation(name)

    # -- faults --------------------------------------------------------------
    @property
    def faults(self) -> FaultPlan:
        """The fault plan in force."""
        return self._injector.plan

    def set_faults(self, plan: FaultPlan) -> None:
        """Put ``plan`` in force now; each fault in it is logged."""
        self._injector.plan = plan
        self.auth.expected_password = plan.expected_password
        for line in plan.describe():
            LOG.warning('%s: fault plan: %s', self.label, line)
        if plan.legacy_bios and self._saved_bios is None:
            self._saved_bios = self.backend.view().boot_mode
            self.backend.force_boot_mode('legacy')
        elif not plan.legacy_bios and self._saved_bios is not None:
            self.backend.force_boot_mode(self._saved_bios)
            self._saved_bios = None
        if self._started:
            if plan.refuse_connections:
                self._server.stop()
            else:
                self._server.start()

    @contextlib.contextmanager
    def faults_applied(self, plan: FaultPlan) -> Iterator['EmulatedIlo']:
        """Put ``plan`` in force for a ``with`` block, then the old one."""
        previous = self.faults
        self.set_faults(plan)
        try:
            yield self
        finally:
            self.set_faults(previous)

    def _context(self) -> ssl.SSLContext:
        if self._injector.plan.untrusted_certificate:
            self._injector.log('certificate of another CA', 'TLS handshake')
            return self._untrusted
        return self._trusted
