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

"""Enrolling a node: ports, ``iqn`` volume connector, boot volume.

:func:`enroll` is the one enrollment of the project (the demo, the
benchmark and the test groups call it): a node of the ``ilo`` hardware
type, a port per MAC, its ``iqn`` connector and, given a volume, the boot
volume target with the properties the cinder storage interface copies
from Cinder's connection data, recorded in ``driver_internal_info`` as
the deploy interface does (``populate_storage_driver_internal_info``).

:func:`chap_secret` and :func:`ilo_password` are the one maker of each
secret: new for every call, never the same twice.

>>> len(chap_secret()), chap_secret() != chap_secret()
(15, True)
>>> len(chap_secret(16)), len(chap_user(20))
(16, 20)
>>> ilo_password().startswith('iLO-pw-')
True
>>> volume = iscsi_volume(chap=False)
>>> volume.iqn.startswith(VOLUME_PREFIX), volume.chap_secret
(True, None)
"""
from __future__ import annotations

import dataclasses
import secrets
from typing import Any, Dict, Optional, Sequence

from ironic.common import driver_factory
from ironic.conf import CONF
from ironic.drivers.modules import deploy_utils
from ironic import objects
from oslo_utils import uuidutils

from harness import conductor

#: The CHAP user name of every volume (Cinder's is per volume; any does).
CHAP_USER = 'ironic-chap'
VOLUME_PREFIX = 'iqn.2010-10.org.openstack:volume-'
CONNECTOR_PREFIX = 'iqn.2017-11.org.example.bm:'
#: A portal of the documentation range (IPv4: upstream 10.1.7 splits the
#: portal at ':').
PORTAL = '192.0.2.10:3260'


def unique(prefix: str, length: int = 8) -> str:
    """``prefix`` and ``length`` random hex digits, for names.

    >>> len(unique('node-'))
    13
    """
    return prefix + secrets.token_hex((length + 1) // 2)[:length]


def chap_secret(length: int = 15) -> str:
    """A new CHAP secret: ``length`` printable characters ('Chap-' and
    hex digits; 15 by default, inside the UEFI initiators' rule of 12 to
    16 characters; Cinder's tgt helper makes 16)."""
    return unique('Chap-', length - 5)


def chap_user(length: int = 20) -> str:
    """A new CHAP user name, as long as Cinder's tgt helper makes them
    (20 characters)."""
    return unique('chap-', length - 5)


def ilo_password() -> str:
    """A new iLO password."""
    return unique('iLO-pw-', 12)


#: The target provision state of each state a node is enrolled in.
_TARGETS = {'deploying': 'active', 'available': None, 'active': None,
            'manageable': None}


@dataclasses.dataclass(frozen=True)
class NodeSpec:
    """A bare metal node to enroll: its iLO, NICs and how it boots."""

    name: str
    ilo_address: str
    ilo_username: str
    ilo_password: str
    macs: Sequence[str]
    initiator_iqn: Optional[str]
    boot_interface: str = 'ilo-virtual-media'
    boot_mode: str = 'uefi'


def enroll(context: Any, spec: NodeSpec,
           volume: Optional[VolumeSpec] = None,
           provision_state: str = 'deploying') -> Any:
    """Create the node, a port per MAC and its ``iqn`` connector, as the
    conductor's ``create_node`` and the API do; then attach ``volume``
    (if given) as its boot volume. Returns the node.

    ``provision_state``: 'deploying' (target 'active') for the boot
    interface's steps run one by one; 'available' for a deploy through
    the conductor (:mod:`harness.provision`); 'active' for a node some
    conductor deployed (takeover); 'manageable' for adoption.
    """
    http_url = CONF.deploy.http_url  # the deploy images' stand-ins
    node = objects.Node(
        context, uuid=uuidutils.generate_uuid(), name=spec.name,
        driver='ilo', boot_interface=spec.boot_interface,
        deploy_interface='iscsi', storage_interface='cinder',
        driver_info={'ilo_address': spec.ilo_address,
                     'ilo_username': spec.ilo_username,
                     'ilo_password': spec.ilo_password,
                     'deploy_kernel': http_url + '/deploy.kernel',
                     'deploy_ramdisk': http_url + '/deploy.ramdisk',
                     'ilo_deploy_iso': http_url + '/deploy.iso'},
        properties={'capabilities': 'boot_mode:%s,iscsi_boot:true'
                    % spec.boot_mode},
        instance_info={}, driver_internal_info={},
        provision_state=provision_state,
        target_provision_state=_TARGETS[provision_state])
    # What ConductorManager.create_node does.
    driver_factory.check_and_update_node_interfaces(node)
    node.create()
    for mac in spec.macs:
        objects.Port(context, uuid=uuidutils.generate_uuid(),
                     node_id=node.id, address=mac, pxe_enabled=True).create()
    if spec.initiator_iqn:
        objects.VolumeConnector(
            context, uuid=uuidutils.generate_uuid(), node_id=node.id,
            type='iqn', connector_id=spec.initiator_iqn).create()
    if volume is not None:
        attach_boot_volume(context, node.uuid, volume)
    return node


@dataclasses.dataclass(frozen=True)
class VolumeSpec:
    """An iSCSI volume as Cinder exports it to the node."""

    iqn: str
    lun: int
    portal: str
    chap_username: Optional[str] = None
    chap_secret: Optional[str] = None
    volume_id: str = dataclasses.field(
        default_factory=uuidutils.generate_uuid)

    def connection_data(self) -> Dict[str, Any]:
        """Cinder's ``initialize_connection`` data for it (the properties
        the cinder storage interface stores in the volume target).

        >>> volume = VolumeSpec('iqn.x:v', 1, '192.0.2.10:3260')
        >>> sorted(volume.connection_data())  # doctest: +NORMALIZE_WHITESPACE
        ['access_mode', 'encrypted', 'ironic_volume_uuid', 'qos_specs',
         'target_discovered', 'target_iqn', 'target_lun', 'target_portal',
         'volume_id']
        """
        data: Dict[str, Any] = {
            'target_iqn': self.iqn, 'target_lun': self.lun,
            'target_portal': self.portal, 'target_discovered': False,
            'volume_id': self.volume_id, 'access_mode': 'rw',
            'encrypted': False, 'qos_specs': None,
            'ironic_volume_uuid': self.volume_id}
        if self.chap_secret is not None:
            data.update(auth_method='CHAP',
                        auth_username=self.chap_username,
                        auth_password=self.chap_secret)
        return data


def iscsi_volume(portal: str = PORTAL, chap: bool = True,
                 iqn: Optional[str] = None,
                 cinder: bool = False) -> VolumeSpec:
    """An iSCSI volume (LUN 1) as Cinder exports it: a new IQN unless
    given, and with ``chap`` the user :data:`CHAP_USER` and a new secret;
    with ``cinder`` the credentials are made as Cinder's tgt helper makes
    them (a new user of 20 characters, a secret of 16)."""
    user = chap_user() if cinder else CHAP_USER
    secret = chap_secret(16) if cinder else chap_secret()
    return VolumeSpec(iqn or unique(VOLUME_PREFIX), 1, portal,
                      user if chap else None, secret if chap else None)


def attach_boot_volume(context: Any, node_uuid: str,
                       volume: VolumeSpec) -> str:
    """Create the boot volume target (boot index 0); returns its UUID.

    Then record it in ``driver_internal_info['boot_from_volume']`` as the
    deploy interface does once the storage interface attached it.
    """
    node = objects.Node.get_by_uuid(context, node_uuid)
    target = objects.VolumeTarget(
        context, uuid=uuidutils.generate_uuid(), node_id=node.id,
        volume_type='iscsi', boot_index=0, volume_id=volume.volume_id,
        properties=volume.connection_data())
    target.create()
    with conductor.task(context, node_uuid, 'attach boot volume') as locked:
        deploy_utils.populate_storage_driver_internal_info(locked)
    return target.uuid
