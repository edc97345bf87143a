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

"""The RIS front: iLO 4's RESTful interface under ``/rest/v1`` (Gen9).

Every request needs HTTP basic auth. Current settings resources only allow
GET; writes go to their ``Settings`` resource and wait for the next reset,
which is how proliantutils' RIS client finds where to PATCH (it reads the
``Allow`` header).
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

from iloemu.errors import (ActionNotSupported, IloEmuError, NoValidSession,
                           PropertyUnknown)
from iloemu.fronts import common, ris_views as views
from iloemu.fronts.base import Front, Request, Response, Router, expect

_SUCCESS = 'Base.0.10.Success'
_RESET_REQUIRED = 'iLO.0.10.SystemResetRequired'
_S = '/rest/v1/systems/1'
_BIOS = _S + '/bios'
_M = '/rest/v1/managers/1'


def _info(message_id: str) -> Response:
    return Response.json({'Type': 'ExtendedError.1.0.0',
                          'Name': 'Extended Error Information',
                          'Messages': [{'MessageID': message_id}]})


class RisFront(Front):
    """RIS resources of one iLO 4 over a backend."""

    name = 'ris'
    prefix = '/rest/v1'

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        r = self.router = Router()
        r.add('/rest/v1', GET=self._root)
        r.add('/rest/v1/systems', GET=self._systems)
        r.add(_S, GET=self._system, PATCH=self._patch_system,
              POST=self._system_action)
        r.add(_BIOS, GET=self._bios)
        r.add(_BIOS + '/settings', GET=self._bios, PATCH=self._patch_bios)
        r.add(_BIOS + '/boot', GET=self._boot)
        r.add(_BIOS + '/boot/settings', GET=self._boot,
              PATCH=self._patch_boot)
        r.add(_BIOS + '/mappings', GET=self._mappings)
        r.add(_BIOS + '/iscsi', GET=self._iscsi)
        r.add(_BIOS + '/iscsi/settings', GET=self._iscsi,
              PATCH=self._patch_iscsi)
        r.add(_S + '/networkadapters', GET=self._adapters)
        r.add(_S + '/networkadapters/1', GET=self._adapter)
        r.add(_S + '/secureboot', GET=self._secure_boot)
        r.add(_M, GET=self._manager)
        r.add(_M + '/virtualmedia', GET=self._vmedia_collection)
        r.add(_M + r'/virtualmedia/([12])', GET=self._vmedia,
              PATCH=self._patch_vmedia)

    # -- protocol ------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        if not self.auth.check_basic(request.header('authorization')):
            raise NoValidSession(path=request.path)

    def handle(self, request: Request) -> Response:
        return self.router.dispatch(request)

    def render_error(self, error: IloEmuError) -> Response:
        """ExtendedError with RIS ``Messages`` and the Redfish ``error``."""
        body: Dict[str, Any] = {
            'Type': 'ExtendedError.1.0.0',
            'Name': 'Extended Error Information',
            'Messages': [{'MessageID': error.message_id,
                          'MessageArgs': list(error.message_args)}]}
        body.update(common.error_body(error))
        return Response.json(body, status=error.status)

    # -- systems -------------------------------------------------------------
    def _root(self, request: Request, groups: Tuple[str, ...]) -> Response:
        return Response.json({
            'Type': 'ServiceRoot.1.0.0', 'Name': 'HP RESTful Root Service',
            'links': {'Systems': {'href': '/rest/v1/Systems'},
                      'Managers': {'href': '/rest/v1/Managers'},
                      'self': {'href': '/rest/v1'}}})

    def _systems(self, request: Request, groups: Tuple[str, ...]) -> Response:
        return Response.json(views.collection('/rest/v1/Systems',
                                              [views.SYSTEM]))

    def _system(self, request: Request, groups: Tuple[str, ...]) -> Response:
        state = self.backend.snapshot()
        return Response.json(views.system(
            self.backend.spec, state, self.backend.uefi_targets(state)))

    def _patch_system(self, request: Request,
                      groups: Tuple[str, ...]) -> Response:
        body = request.json_object()
        for key in body:
            if key != 'Boot':
                raise PropertyUnknown(name=key)
        self.backend.set_boot_override(
            **common.boot_override_from_wire(body.get('Boot', {})))
        return _info(_SUCCESS)

    def _system_action(self, request: Request,
                       groups: Tuple[str, ...]) -> Response:
        body = request.json_object()
        action = expect(body.get('Action'), 'Action', str)
        if action == 'Reset':
            self.backend.power(expect(body.get('ResetType'), 'ResetType',
                                      str))
        elif action == 'PowerButton':
            self.backend.power(common.push_action(body.get('PushType')))
        else:
            raise ActionNotSupported(action=action)
        return _info(_SUCCESS)

    # -- BIOS ----------------------------------------------------------------
    def _bios(self, request: Request, groups: Tuple[str, ...]) -> Response:
        pending = request.path.endswith('/settings')
        state = self.backend.snapshot()
        config = state.bios_pending if pending else state.bios_current
        return Response.json(views.bios(config.attributes, pending))

    def _patch_bios(self, request: Request,
                    groups: Tuple[str, ...]) -> Response:
        self.backend.patch_bios(request.json_object())
        return _info(_RESET_REQUIRED)

    def _boot(self, request: Request, groups: Tuple[str, ...]) -> Response:
        pending = request.path.endswith('/settings')
        state = self.backend.snapshot()
        config = state.bios_pending if pending else state.bios_current
        return Response.json(views.boot(config.boot_order,
                                        self.backend.sources(state), pending))

    def _patch_boot(self, request: Request,
                    groups: Tuple[str, ...]) -> Response:
        body = request.json_object()
        for key in body:
            if key != 'PersistentBootConfigOrder':
                raise PropertyUnknown(name=key)
        key = 'PersistentBootConfigOrder'
        order = expect(body.get(key), key, list)
        self.backend.patch_boot_order([expect(o, key, str) for o in order])
        return _info(_RESET_REQUIRED)

    def _mappings(self, request: Request,
                  groups: Tuple[str, ...]) -> Response:
        return Response.json(views.mappings(self.backend.snapshot()))

    def _iscsi(self, request: Request, groups: Tuple[str, ...]) -> Response:
        state = self.backend.snapshot()
        return Response.json(views.iscsi(
            state, self.backend.sources(state),
            request.path.endswith('/settings')))

    def _patch_iscsi(self, request: Request,
                     groups: Tuple[str, ...]) -> Response:
        initiator, attempts = common.iscsi_patch_from_wire(
            request.json_object(), common.RIS_ISCSI)
        self.backend.patch_iscsi(initiator, attempts)
        return _info(_RESET_REQUIRED)

    # -- NICs, secure boot, manager, virtual media ---------------------------
    def _adapters(self, request: Request,
                  groups: Tuple[str, ...]) -> Response:
        adapter = views.network_adapter(self.backend.snapshot())
        return Response.json(views.collection(
            views.SYSTEM + '/NetworkAdapters',
            [views.SYSTEM + '/NetworkAdapters/1'], [adapter]))

    def _adapter(self, request: Request, groups: Tuple[str, ...]) -> Response:
        return Response.json(views.network_adapter(self.backend.snapshot()))

    def _secure_boot(self, request: Request,
                     groups: Tuple[str, ...]) -> Response:
        return Response.json(views.secure_boot())

    def _manager(self, request: Request, groups: Tuple[str, ...]) -> Response:
        return Response.json(views.manager(self.backend.spec))

    def _vmedia_collection(self, request: Request,
                           groups: Tuple[str, ...]) -> Response:
        return Response.json(views.collection(
            views.VMEDIA, ['%s/%s' % (views.VMEDIA, m)
                           for m in views.VMEDIA_MEMBERS]))

    def _vmedia(self, request: Request, groups: Tuple[str, ...]) -> Response:
        device = views.VMEDIA_MEMBERS[groups[0]][0]
        media = self.backend.snapshot().media[device]
        return Response.json(views.virtual_media(groups[0], media))

    def _patch_vmedia(self, request: Request,
                      groups: Tuple[str, ...]) -> Response:
        device = views.VMEDIA_MEMBERS[groups[0]][0]
        body = request.json_object()
        for key in body:
            if key not in ('Image', 'Oem'):
                raise PropertyUnknown(name=key)
        boot = common.oem_flag(body, 'Hp', 'BootOnNextServerReset')
        if 'Image' in body:
            image = expect(body['Image'], 'Image', str, type(None))
            if image is None:
                self.backend.eject_media(device)
            else:
                self.backend.insert_media(device, image)
        if boot is not None:
            self.backend.set_media_boot(device, boot)
        return _info(_SUCCESS)
