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

"""Where the services live and listen, and their configuration files.

Everything is under one folder (``build/services`` of the checkout, or
``$SERVICES_DIR``) and listens on one loopback address of its own, the
``.1`` of a /24 in iloemu's ``services`` block (the iLOs of that /24 are
``.2`` on), so that two sets running at once never meet: the /24 is
picked from the folder's path (:func:`slot_of`). Standard ports on that
address: RabbitMQ 5672, Cinder 8776, ironic 6385, tgt 3260; epmd and
Erlang's distribution get free ports of 127.0.0.1, picked at start.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Dict

from iloemu import addresses

ROOT = Path(__file__).resolve().parent.parent

AMQP_PORT = 5672
CINDER_PORT = 8776
IRONIC_PORT = 6385
ISCSI_PORT = 3260


def default_folder() -> Path:
    """``$SERVICES_DIR``, else ``build/services`` of the checkout."""
    return Path(os.environ.get('SERVICES_DIR') or ROOT / 'build' / 'services')


def _number(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], 'big')


def slot_of(folder: Path) -> int:
    """The /24 of the services block that ``folder`` uses: a number of
    its parent's path plus one of its name, so that the sets of one
    checkout (``build/services``, ``build/services-outage`` of the test
    group's serial step) never meet, wherever it is.

    >>> slot_of(Path('/a')) == slot_of(Path('/a')) != slot_of(Path('/b'))
    True
    >>> (_number('services') - _number('services-outage')) % addresses.SLOTS
    347
    """
    return (_number(str(folder.parent)) + _number(folder.name)) \
        % addresses.SLOTS


@dataclasses.dataclass(frozen=True)
class Layout:
    """The folders, address and files of one set of services."""

    root: Path
    build: Path = ROOT / 'build'

    @property
    def address(self) -> str:
        """Where every service listens."""
        return str(addresses.subnet('services', slot_of(self.root))
                   .network_address + 1)

    @property
    def first_ilo(self) -> str:
        """The first emulated iLO of this set (``IloFleet``)."""
        return addresses.first('services', slot_of(self.root))

    def folder(self, name: str) -> Path:
        """A sub-folder, made on first use."""
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def logs(self) -> Path:
        return self.folder('logs')

    @property
    def state_file(self) -> Path:
        """What ``up`` started: pids, ports (JSON)."""
        return self.root / 'state.json'

    @property
    def control_socket(self) -> Path:
        """Where ``up`` takes requests to stop or start one service."""
        return self.root / 'control.sock'

    @property
    def pki(self) -> Path:
        """The emulated iLOs' CA: ironic's ``[ilo]ca_file`` is here."""
        return self.folder('pki')

    @property
    def ca_file(self) -> Path:
        """The file ``IloFleet(layout.pki)`` writes its CA to."""
        return self.pki / 'iloemu-ca.pem'

    @property
    def cinder_venv(self) -> Path:
        return self.build / 'cinder-venv'

    @property
    def client_venv(self) -> Path:
        return self.build / 'client-venv'

    @property
    def ironic_venv(self) -> Path:
        return self.build / 'venv'

    @property
    def tgt_socket(self) -> Path:
        """``TGT_IPC_SOCKET``: tgtd and tgtadm append ``.<port>``."""
        return self.folder('tgt') / 'socket'

    def urls(self) -> Dict[str, str]:
        """The API endpoints."""
        return {'cinder': 'http://%s:%d/v3' % (self.address, CINDER_PORT),
                'ironic': 'http://%s:%d' % (self.address, IRONIC_PORT)}

    def transport_url(self) -> str:
        return 'rabbit://guest:guest@%s:%d/' % (self.address, AMQP_PORT)
