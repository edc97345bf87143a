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

"""Emulated iLOs and nodes enrolled on them, for one test or the demo.

A :class:`Lab` adds emulated iLOs to a fleet (each with a password of
its own), enrolls nodes as the conductor does (:func:`harness.nodes.enroll`:
ports with the MACs of the emulated NICs, an ``iqn`` volume connector, a
boot volume as Cinder exports it), runs a step under an exclusive lock
and reads back what the database holds. Every secret it hands out is
remembered in :attr:`Lab.secrets`, for the log check
(:mod:`harness.logcheck`). Deploys and tear downs go through ironic's
conductor (:attr:`Lab.conductor`, :mod:`harness.provision`), with the
lab's volumes in a Cinder stub (:attr:`Lab.cinder`) and exported on the
fleet's SAN (the strict firmware model's boot logins).
"""
from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from harness import conductor, nodes, provision
from harness.nodes import NodeSpec, VolumeSpec


@dataclasses.dataclass
class Enrolled:
    """A node on an emulated iLO, with what it was enrolled with."""

    uuid: str
    ilo: Any  # iloemu.EmulatedIlo
    spec: NodeSpec
    volume: Optional[VolumeSpec]

    @property
    def port_macs(self) -> List[str]:
        """The MACs of the node's ports (emulated NICs)."""
        return list(self.spec.macs)

    @property
    def other_macs(self) -> List[str]:
        """The MACs of the server's NICs that are not the node's ports."""
        return [nic.mac for nic in self.ilo.spec.nics
                if nic.mac not in self.spec.macs]


class ConductorLab:
    """Nodes enrolled for one test (or the demo), acting with
    ``context`` through ironic's conductor manager, with a Cinder stub;
    the nodes' secrets are kept in :attr:`secrets` (for the log check).
    :class:`Lab` puts them on emulated iLOs, ``hwci.lab`` on real ones."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.secrets: List[str] = []
        self._nodes: List[str] = []
        self.cinder = provision.CinderStub()
        self._conductor: Optional[provision.Conductor] = None

    @property
    def conductor(self) -> provision.Conductor:
        """ironic's conductor manager, made on first use."""
        if self._conductor is None:
            self._conductor = provision.Conductor(self.context)
        return self._conductor

    def info(self, node: Any) -> Dict[str, Any]:
        """The node's driver_internal_info as the database holds it."""
        return dict(conductor.reload(self.context,
                                     node.uuid).driver_internal_info)

    def destroy_all(self) -> None:
        """Delete the nodes this lab enrolled."""
        for node_uuid in self._nodes:
            conductor.destroy(self.context, node_uuid)
        self._nodes.clear()


class Lab(ConductorLab):
    """Emulated iLOs of ``fleet`` and nodes on them, acting with
    ``context``; ``firmware`` picks the emulator's firmware model of the
    iLOs it adds ('strict' or 'lenient'; None: the emulator's default)."""

    def __init__(self, fleet: Any, context: Any,
                 firmware: Optional[str] = None) -> None:
        super().__init__(context)
        self.fleet = fleet
        self.firmware = firmware

    def ilo(self, generation: int, boot_mode: str = 'uefi',
            **settings: Any) -> Any:
        """A new emulated iLO with a password of its own; ``settings``
        go to ``IloFleet.add`` (a backend factory among them)."""
        password = nodes.ilo_password()
        self.secrets.append(password)
        if self.firmware is not None:
            settings.setdefault('firmware', self.firmware)
        return self.fleet.add(generation=generation, boot_mode=boot_mode,
                              password=password, **settings)

    def volume(self, chap: bool = True, portal: str = nodes.PORTAL,
               cinder: bool = False) -> VolumeSpec:
        """A new iSCSI volume as Cinder exports it, with CHAP or without
        (``cinder``: credentials as long as Cinder's tgt helper makes
        them)."""
        return nodes.iscsi_volume(portal, chap, cinder=cinder)

    def enroll(self, ilo: Any, boot_interface: str = 'ilo-pxe',
               boot_mode: str = 'uefi', ports: Optional[int] = 1,
               macs: Optional[Sequence[str]] = None,
               connector: Optional[str] = '',
               volume: Optional[VolumeSpec] = None,
               driver_info: Optional[Dict[str, Any]] = None,
               name: Optional[str] = None,
               provision_state: str = 'deploying') -> Enrolled:
        """Enroll a node on ``ilo`` with ``volume`` as its boot volume.

        The node gets ``ports`` ports with the MACs of the first emulated
        NICs (or those of ``macs``) and an ``iqn`` connector (a new IQN
        unless ``connector`` is given; None for no connector), in
        ``provision_state`` (:func:`harness.nodes.enroll`). The volume is
        added to the Cinder stub and exported on the fleet's SAN.
        """
        if macs is None:
            macs = [nic.mac for nic in ilo.spec.nics][:ports or 0]
        if connector == '':
            connector = nodes.unique(nodes.CONNECTOR_PREFIX + 'node-')
        if volume is not None:
            self.export(volume)
        address, username, password = ilo.client_args()
        spec = NodeSpec(name or nodes.unique('node-'), address, username,
                        password, list(macs), connector, boot_interface,
                        boot_mode)
        node = nodes.enroll(self.context, spec, volume, provision_state)
        self._nodes.append(node.uuid)
        if driver_info:
            node = conductor.reload(self.context, node.uuid)
            node.driver_info = dict(node.driver_info, **driver_info)
            node.save()
        return Enrolled(node.uuid, ilo, spec, volume)

    def attach(self, node: Enrolled, volume: VolumeSpec) -> Enrolled:
        """The node's next instance boots from ``volume``: its boot volume
        target, as Nova creates one for each instance (the conductor's
        tear down deletes the last one). Returns the node with it."""
        self.export(volume)
        nodes.attach_boot_volume(self.context, node.uuid, volume)
        return dataclasses.replace(node, volume=volume)

    def export(self, volume: VolumeSpec) -> None:
        """Cinder holds ``volume``; the fleet's SAN exports its target;
        its secret is remembered."""
        if volume.chap_secret:
            self.secrets.append(volume.chap_secret)
        self.cinder.add(volume)
        self.fleet.san.add(volume.iqn, volume.chap_username,
                           volume.chap_secret)

    def deploy(self, node: Enrolled, rebuild: bool = False) -> Any:
        """Deploy (or rebuild) the node through the conductor, the iLO's
        requests logged under 'deploy'; returns the node."""
        with node.ilo.operation('rebuild' if rebuild else 'deploy'):
            return self.conductor.deploy(node.uuid, rebuild)

    def tear_down(self, node: Enrolled) -> Any:
        """Undeploy the node through the conductor, the iLO's requests
        logged under 'tear down'; returns the node."""
        with node.ilo.operation('tear down'):
            return self.conductor.tear_down(node.uuid)

    def run(self, node: Enrolled, step: Callable[[Any], Any],
            label: Optional[str] = None) -> Any:
        """Run ``step(task)`` under an exclusive lock on the node; with a
        ``label``, the iLO's requests meanwhile are logged under it."""
        if label is None:
            with conductor.task(self.context, node.uuid) as task:
                return step(task)
        with node.ilo.operation(label):
            with conductor.task(self.context, node.uuid, label) as task:
                return step(task)


@contextlib.contextmanager
def lab_on(fleet: Any, firmware: Optional[str] = None) -> Iterator[Lab]:
    """A lab on ``fleet`` acting as the conductor, its iLOs on the
    ``firmware`` model; its nodes are deleted at the end."""
    lab = Lab(fleet, conductor.admin_context(), firmware)
    try:
        with lab.cinder.serving():
            yield lab
    finally:
        lab.destroy_all()
