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

"""Deploy and tear down as ironic 9.1.6's conductor runs them, in process.

:class:`Conductor` is ironic's own ``ConductorManager``: its RPC methods
run as the RPC server would run them (an expected exception comes back
as itself), and the workers they spawn run at once, in this thread,
before the node's lock is released (a synchronous executor instead of
the green thread pool). So a deploy is the API's path through the
conductor: ``validate_driver_interfaces`` (the API's node validate; Nova
refuses a node whose power, deploy or storage interface fails it, and
the boot interface is checked with them here), then
``ConductorManager.do_node_deploy`` (power and deploy validate, the
``deploy`` event) and its worker ``manager.do_node_deploy`` (deploy
``prepare`` attaching the volumes, ``deploy``, the ``done`` event); a
tear down is ``do_node_tear_down`` and its worker ``_do_node_tear_down``
(deploy ``clean_up``, ``tear_down`` detaching the volumes, cleaning,
which ``[conductor]automated_clean = false`` skips).

Cinder: the in-process conductor reaches no Cinder service, so only
Cinder's HTTP API is stubbed, at the client ironic makes
(``ironic.common.cinder.get_client``): :class:`CinderStub` answers
reserve, initialize_connection, attach, detach and the rest as Cinder
with its tgt target helper would, with each volume's connection data
(:meth:`harness.nodes.VolumeSpec.connection_data`). Everything above that
boundary, ``ironic.common.cinder.attach_volumes``/``detach_volumes`` and
the cinder storage interface included, is ironic's own code. As Cinder
since 13.0, an attach without a mountpoint is refused (HTTP 400).
"""
from __future__ import annotations

import contextlib
import dataclasses
import types
from typing import Any, Dict, Iterator, List, Optional, Tuple

from oslo_utils import uuidutils

from harness import config, conductor
from harness.nodes import VolumeSpec

#: The interfaces whose validation a deploy needs: Nova's three (power,
#: deploy, storage) and the boot interface.
DEPLOY_CHECKS = ('power', 'deploy', 'boot', 'storage')


class ValidationFailed(Exception):
    """The node's interfaces refused the node, as ``node validate``
    reports it: ``failed`` maps each failing interface to its reason."""

    def __init__(self, node_uuid: str, failed: Dict[str, str]) -> None:
        self.node_uuid = node_uuid
        self.failed = dict(failed)
        super().__init__('node %s fails validation: %s' % (
            node_uuid, '; '.join('%s: %s' % item
                                 for item in sorted(failed.items()))))


@dataclasses.dataclass
class _Volume:
    """What the Cinder stub holds of one volume."""

    spec: VolumeSpec
    status: str = 'available'
    attachments: List[Dict[str, Any]] = dataclasses.field(
        default_factory=list)

    def view(self) -> Any:
        """The volume as cinderclient returns it."""
        return types.SimpleNamespace(id=self.spec.volume_id,
                                     status=self.status,
                                     attachments=list(self.attachments))


class CinderStub:
    """Cinder's volume API as ironic's client calls it, without a Cinder.

    ``calls`` lists (method, volume_id) in order; ``connectors`` the
    connector each ``initialize_connection`` got.
    """

    def __init__(self) -> None:
        self._volumes: Dict[str, _Volume] = {}
        self.calls: List[Tuple[str, str]] = []
        self.connectors: List[Dict[str, Any]] = []

    # -- the test's side -----------------------------------------------------
    def add(self, volume: VolumeSpec) -> None:
        """A volume Cinder holds, available."""
        self._volumes[volume.volume_id] = _Volume(volume)

    def status(self, volume_id: str) -> str:
        """'available', 'attaching', 'in-use', 'detaching'."""
        return self._volumes[volume_id].status

    # -- cinderclient's volumes manager --------------------------------------
    def _volume(self, method: str, volume_id: str) -> _Volume:
        from cinderclient import exceptions
        self.calls.append((method, volume_id))
        try:
            return self._volumes[volume_id]
        except KeyError:
            raise exceptions.NotFound(404, 'Volume %s could not be found.'
                                      % volume_id) from None

    def get(self, volume_id: str) -> Any:
        return self._volume('get', volume_id).view()

    def reserve(self, volume_id: str) -> None:
        self._volume('reserve', volume_id).status = 'attaching'

    def unreserve(self, volume_id: str) -> None:
        self._volume('unreserve', volume_id).status = 'available'

    def initialize_connection(self, volume_id: str,
                              connector: Dict[str, Any]) -> Dict[str, Any]:
        volume = self._volume('initialize_connection', volume_id)
        self.connectors.append(dict(connector))
        data = volume.spec.connection_data()
        data.pop('ironic_volume_uuid')  # ironic adds it
        return {'driver_volume_type': 'iscsi', 'data': data}

    def attach(self, volume_id: str, instance_uuid: str,
               mountpoint: Optional[str], mode: str = 'rw') -> None:
        from cinderclient import exceptions
        volume = self._volume('attach', volume_id)
        if not isinstance(mountpoint, str):
            raise exceptions.BadRequest(
                400, "Invalid input for field/attribute mountpoint. Value: "
                "%s. %s is not of type 'string'" % (mountpoint, mountpoint))
        volume.status = 'in-use'
        volume.attachments = [{'server_id': instance_uuid,
                               'attachment_id': uuidutils.generate_uuid(),
                               'mountpoint': mountpoint}]

    def set_metadata(self, volume_id: str, metadata: Dict[str, Any]) -> None:
        self._volume('set_metadata', volume_id)

    def begin_detaching(self, volume_id: str) -> None:
        self._volume('begin_detaching', volume_id).status = 'detaching'

    def roll_detaching(self, volume_id: str) -> None:
        self._volume('roll_detaching', volume_id).status = 'in-use'

    def terminate_connection(self, volume_id: str,
                             connector: Dict[str, Any]) -> None:
        self._volume('terminate_connection', volume_id)

    def detach(self, volume_id: str, attachment_id: Optional[str] = None
               ) -> None:
        volume = self._volume('detach', volume_id)
        volume.status, volume.attachments = 'available', []

    @contextlib.contextmanager
    def serving(self) -> Iterator['CinderStub']:
        """ironic's Cinder client is this stub meanwhile."""
        from ironic.common import cinder
        client = types.SimpleNamespace(volumes=self)
        saved = cinder.get_client
        cinder.get_client = lambda *args, **kwargs: client
        try:
            yield self
        finally:
            cinder.get_client = saved


def _unwrapped(method: Any, *args: Any, **kwargs: Any) -> Any:
    """Call an RPC method; an expected exception is raised as itself, as
    the RPC client sees it."""
    from oslo_messaging.rpc import dispatcher
    try:
        return method(*args, **kwargs)
    except dispatcher.ExpectedException as wrapped:
        raise wrapped.exc_info[1] from None


class Conductor:
    """ironic's ``ConductorManager`` in this process, acting with
    ``context``; its workers run at once (see the module's text)."""

    def __init__(self, context: Any) -> None:
        import futurist
        from ironic.conductor import manager
        from ironic import objects
        self.context = context
        self.manager = manager.ConductorManager(config.HOST,
                                                'ironic.conductor_manager')
        self.manager._executor = futurist.SynchronousExecutor()
        self.manager.conductor = objects.Conductor.register(
            context, config.HOST, [], update_existing=True)

    def validate(self, node_uuid: str) -> Dict[str, Dict[str, Any]]:
        """``validate_driver_interfaces``: interface -> result, reason."""
        return self.manager.validate_driver_interfaces(self.context,
                                                       node_uuid)

    def check(self, node_uuid: str) -> None:
        """Refuse the node as a deploy would if an interface of
        :data:`DEPLOY_CHECKS` fails its validation.

        :raises ValidationFailed: naming each failing interface.
        """
        results = self.validate(node_uuid)
        failed = {name: results[name].get('reason', '')
                  for name in DEPLOY_CHECKS
                  if not results[name]['result']}
        if failed:
            raise ValidationFailed(node_uuid, failed)

    def deploy(self, node_uuid: str, rebuild: bool = False) -> Any:
        """Validate, then deploy (or rebuild) the node; returns the node.

        The node gets an ``instance_uuid`` first, as Nova gives it one.
        A failure inside the worker leaves the node in ``deploy failed``
        with its ``last_error``, as in the conductor.

        :raises ValidationFailed: if an interface refuses the node.
        """
        node = conductor.reload(self.context, node_uuid)
        if not node.instance_uuid:
            node.instance_uuid = uuidutils.generate_uuid()
            node.save()
        self.check(node_uuid)
        _unwrapped(self.manager.do_node_deploy, self.context, node_uuid,
                   rebuild=rebuild)
        return conductor.reload(self.context, node_uuid)

    def tear_down(self, node_uuid: str) -> Any:
        """Undeploy the node; returns it (``available`` on success,
        ``error`` with its ``last_error`` otherwise)."""
        _unwrapped(self.manager.do_node_tear_down, self.context, node_uuid)
        return conductor.reload(self.context, node_uuid)

    def take_over(self, node_uuid: str) -> Any:
        """What a conductor does to a node another one deployed (its
        ``_do_takeover``, run by the periodic local-state sync)."""
        with conductor.task(self.context, node_uuid, 'node takeover') as t:
            self.manager._do_takeover(t)
        return conductor.reload(self.context, node_uuid)

    def adopt(self, node_uuid: str) -> Any:
        """The ``adopt`` action on a ``manageable`` node; returns it."""
        _unwrapped(self.manager.do_provisioning_action, self.context,
                   node_uuid, 'adopt')
        return conductor.reload(self.context, node_uuid)
