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

"""Nodes on the servers of a targets file, deployed through the conductor.

The hardware counterpart of :class:`harness.lab.Lab`: a node per test on
a server of the targets file (its ``boot_mac`` as the one port, its CA
file in ``driver_info['ca_file']``), with a boot volume on one of the
server's iSCSI targets, deployed and torn down through ironic's
conductor manager (:mod:`harness.provision`, Cinder's API stubbed with
the target's connection data). Nothing here knows an emulator.
"""
from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Callable, Dict, Iterator, Optional

from harness import conductor, nodes
from harness.lab import ConductorLab
from harness.nodes import NodeSpec, VolumeSpec
from hwci.reader import Reader, reader_for
from hwci.targets import Server, Targets


@dataclasses.dataclass
class Node:
    """A node enrolled on a real server."""

    uuid: str
    server: Server
    spec: NodeSpec
    volume: Optional[VolumeSpec]


class HardwareLab(ConductorLab):
    """Nodes on the servers of ``targets``, acting with ``context``."""

    def __init__(self, targets: Targets, context: Any) -> None:
        super().__init__(context)
        self.targets = targets
        self.secrets += targets.secrets()
        self._readers: Dict[str, Reader] = {}

    def reader(self, server: Server) -> Reader:
        """The HTTPS reader of ``server`` (one per server)."""
        if server.name not in self._readers:
            self._readers[server.name] = reader_for(server)
        return self._readers[server.name]

    def volume(self, server: Server, chap: bool) -> VolumeSpec:
        """A boot volume on the server's first target with CHAP (or
        without), as Cinder would export it.

        :raises LookupError: if the targets file has no such target.
        """
        target = server.target(chap)
        if target is None:
            raise LookupError('%s has no iSCSI target %s CHAP' % (
                server.name, 'with' if chap else 'without'))
        return VolumeSpec(target.iqn, target.lun, target.portal,
                          target.chap_user, target.chap_secret.value
                          if target.chap_secret else None)

    def made_up_volume(self, portal: str = nodes.PORTAL,
                       secret: Optional[str] = None) -> VolumeSpec:
        """A volume no server reaches, for a deploy refused before any
        iLO call (its secret, if any, remembered)."""
        if secret is not None:
            self.secrets.append(secret)
        return VolumeSpec(nodes.unique(nodes.VOLUME_PREFIX), 1, portal,
                          nodes.chap_user() if secret else None, secret)

    def enroll(self, server: Server, boot_interface: str,
               volume: VolumeSpec, pxe_enabled: bool = True) -> Node:
        """A node on ``server`` (one port: its boot MAC), ``available``,
        with ``volume`` as its boot volume."""
        self.cinder.add(volume)
        address, username, password = server.client_args()
        spec = NodeSpec(nodes.unique('hwci-'), address, username, password,
                        [server.boot_mac], server.initiator_iqn or
                        nodes.unique(nodes.CONNECTOR_PREFIX + 'hwci-'),
                        boot_interface, 'uefi')
        node = nodes.enroll(self.context, spec, volume, 'available')
        self._nodes.append(node.uuid)
        node = conductor.reload(self.context, node.uuid)
        node.driver_info = dict(node.driver_info, ca_file=server.ca_file)
        node.save()
        if not pxe_enabled:
            from ironic import objects
            port = objects.Port.get_by_address(self.context,
                                               server.boot_mac)
            port.pxe_enabled = False
            port.save()
        return Node(node.uuid, server, spec, volume)

    def deploy(self, node: Node) -> Any:
        """Validate and deploy through the conductor; returns the node."""
        return self.conductor.deploy(node.uuid)

    def tear_down(self, node: Node) -> Any:
        """Undeploy through the conductor; returns the node."""
        return self.conductor.tear_down(node.uuid)

    def run(self, node: Node, step: Callable[[Any], Any]) -> Any:
        """``step(task)`` under an exclusive lock on the node."""
        with conductor.task(self.context, node.uuid) as task:
            return step(task)


@contextlib.contextmanager
def hardware_lab(targets: Targets) -> Iterator[HardwareLab]:
    """A lab on ``targets`` acting as the conductor, Cinder's API stubbed;
    its nodes are deleted at the end."""
    lab = HardwareLab(targets, conductor.admin_context())
    try:
        with lab.cinder.serving():
            yield lab
    finally:
        lab.destroy_all()
