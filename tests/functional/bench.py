"""The test bench: emulated iLOs, nodes enrolled on them, steps and checks.

A :class:`Bench` belongs to one test. It adds emulated iLOs to the test's
fleet (each with a password of its own), enrolls nodes as the conductor
does (ports with the MACs of the emulated NICs, an ``iqn`` volume
connector, a boot volume as Cinder exports it), runs a step under an
exclusive lock and reads back what the iLO and the database hold. Every
secret it hands out is remembered, for the log check of
``conftest.log_records``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import uuid
from typing import (Any, Callable, Dict, Iterator, List, Optional,
                    Sequence)

from iloemu import EmulatedIlo, IloFleet, StateView
from ironic.drivers.modules.ilo import common as ilo_common

from demo import conductor
from demo.conductor import NodeSpec, VolumeSpec

IQN_PREFIX = 'iqn.2010-10.org.openstack:volume-'
CONNECTOR_PREFIX = 'iqn.2017-11.org.example.bm:node-'
CHAP_USER = 'ironic-chap'
PORTALS = {'ipv4': ('192.0.2.10:3260', '192.0.2.10', 3260),
           'ipv6': ('[2001:db8::10]:3261', '2001:db8::10', 3261)}

TARGET_KEY = ilo_common.ISCSI_BOOT_TARGET_KEY
MACS_KEY = ilo_common.ISCSI_BOOT_MACS_KEY


def unique(prefix: str, length: int = 8) -> str:
    """``prefix`` and random hex digits, for names and secrets."""
    return prefix + uuid.uuid4().hex[:length]


def chap_secret() -> str:
    """A CHAP secret of 15 printable characters, new for each volume.

    UEFI initiators take 12 to 16 printable characters (issue 8).
    """
    return unique('Chap-', 10)


@dataclasses.dataclass
class Enrolled:
    """A node on an emulated iLO, with what it was enrolled with."""

    uuid: str
    ilo: EmulatedIlo
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


class Bench:
    """What one functional test works with."""

    def __init__(self, fleet: IloFleet, context: Any) -> None:
        self.fleet = fleet
        self.context = context
        self.secrets: List[str] = []
        self._nodes: List[str] = []

    # -- emulated iLOs -------------------------------------------------------
    def ilo(self, generation: int, boot_mode: str = 'uefi',
            **settings: Any) -> EmulatedIlo:
        """A new emulated iLO with a password of its own."""
        password = unique('iLO-pw-', 12)
        self.secrets.append(password)
        return self.fleet.add(generation=generation, boot_mode=boot_mode,
                              password=password, **settings)

    # -- ironic --------------------------------------------------------------
    def enroll(self, ilo: EmulatedIlo, boot_interface: str = 'ilo-pxe',
               boot_mode: str = 'uefi', ports: Optional[int] = 1,
               macs: Optional[Sequence[str]] = None,
               connector: Optional[str] = '',
               volume: Optional[VolumeSpec] = None,
               driver_info: Optional[Dict[str, Any]] = None) -> Enrolled:
        """Enroll a node on ``ilo`` and attach ``volume`` as its boot volume.

        The node gets ``ports`` ports with the MACs of the first emulated
        NICs (or those of ``macs``) and an ``iqn`` connector (a new IQN
        unless ``connector`` is given; None for no connector).
        """
        if macs is None:
            macs = [nic.mac for nic in ilo.spec.nics][:ports or 0]
        if connector == '':
            connector = unique(CONNECTOR_PREFIX)
        address, username, password = ilo.client_args()
        spec = NodeSpec(unique('node-'), address, username, password,
                        list(macs), connector, boot_interface, boot_mode)
        node = conductor.enroll(self.context, spec)
        self._nodes.append(node.uuid)
        if driver_info:
            node.driver_info = dict(node.driver_info, **driver_info)
            node.save()
        if volume is not None:
            if volume.chap_secret:
                self.secrets.append(volume.chap_secret)
            conductor.attach_boot_volume(self.context, node.uuid, volume)
        return Enrolled(node.uuid, ilo, spec, volume)

    def volume(self, chap: bool = True, portal: str = 'ipv4',
               lun: int = 1) -> VolumeSpec:
        """An iSCSI volume as Cinder exports it, with CHAP or without."""
        return VolumeSpec(unique(IQN_PREFIX), lun, PORTALS[portal][0],
                          CHAP_USER if chap else None,
                          chap_secret() if chap else None)

    def run(self, node: Enrolled, step: Callable[[Any], Any],
            label: Optional[str] = None) -> Any:
        """Run ``step(task)`` under an exclusive lock on the node."""
        with conductor.task(self.context, node.uuid) as task:
            if label is None:
                return step(task)
            with node.ilo.operation(label):
                return step(task)

    def info(self, node: Enrolled) -> Dict[str, Any]:
        """The node's driver_internal_info as the database holds it."""
        return dict(conductor.reload(self.context,
                                     node.uuid).driver_internal_info)

    def destroy_all(self) -> None:
        """Delete the nodes this bench enrolled."""
        for node_uuid in self._nodes:
            conductor.destroy(self.context, node_uuid)
        self._nodes.clear()


@contextlib.contextmanager
def bench_on(fleet: IloFleet) -> Iterator[Bench]:
    """A bench on ``fleet`` acting as the conductor; its nodes are deleted
    at the end."""
    bench = Bench(fleet, conductor.admin_context())
    try:
        yield bench
    finally:
        bench.destroy_all()


# -- what the iLO holds -------------------------------------------------------
def enabled_targets(view: StateView) -> Dict[str, Any]:
    """The NICs (by MAC) whose pending iSCSI attempt is enabled."""
    return {mac: target for mac, target in view.iscsi.items()
            if target.enabled}


def assert_target(view: StateView, node: Enrolled, portal: str) -> None:
    """The node's boot volume is the pending target of its NICs only."""
    volume = node.volume
    assert volume is not None
    _, address, port = PORTALS[portal]
    assert sorted(enabled_targets(view)) == sorted(node.port_macs)
    for mac in node.port_macs:
        target = view.iscsi[mac]
        assert (target.iqn, target.lun, target.ip_address, target.port) == (
            volume.iqn, str(volume.lun), address, port)
        if volume.chap_secret:
            assert target.auth_method == 'Chap'
            assert target.chap_user == CHAP_USER
            assert target.chap_secret is not None
            assert target.chap_secret.reveal() == volume.chap_secret
        else:
            assert target.auth_method == 'None'
            assert target.chap_user in (None, '')


def assert_no_target(view: StateView) -> None:
    """No NIC has an enabled iSCSI attempt."""
    assert enabled_targets(view) == {}


def assert_iscsi_boot_device(view: StateView, node: Enrolled) -> None:
    """The persistent boot override is the UEFI iSCSI boot option of the
    node's first NIC (both generations: a continuous ``UefiTarget``)."""
    first = next(nic for nic in node.ilo.spec.nics
                 if nic.mac == node.port_macs[0])
    port = list(node.ilo.spec.nics).index(first) + 1
    assert view.boot_override == 'Continuous'
    assert view.boot_target == 'UefiTarget'
    assert view.uefi_target == 'NIC.LOM.1.%d.iSCSI' % port


def assert_recorded(info: Dict[str, Any], node: Enrolled) -> None:
    """driver_internal_info says iLO holds the node's target."""
    assert node.volume is not None
    assert info[TARGET_KEY] == node.volume.iqn
    assert info[MACS_KEY] == node.port_macs


def assert_not_recorded(info: Dict[str, Any]) -> None:
    """driver_internal_info claims no target in iLO."""
    assert TARGET_KEY not in info
    assert MACS_KEY not in info
