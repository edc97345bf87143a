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

"""The Redfish front: iLO 5's ``/redfish/v1`` with HPE OEM parts (Gen10).

The service root and the session login are open; everything else needs an
``X-Auth-Token`` of a live session or HTTP basic auth. As on iLO 5, even
successful writes answer with an ``{"error": {...}}`` body naming the
outcome (``Success`` or ``SystemResetRequired``).
"""
from __future__ import annotations

from typing import Any, Tuple

from iloemu.errors import (IloEmuError, MalformedJSON, NoValidSession,
                           PropertyUnknown, PropertyValueNotInList,
                           ResourceMissing)
from iloemu.fronts import common, redfish_views as views
from iloemu.fronts.base import Front, Request, Response, Router, expect

_SUCCESS = 'Base.1.4.Success'
_RESET_REQUIRED = 'iLO.2.8.SystemResetRequired'
_NONE = type(None)
_R = '/redfish/v1'
_S = _R + '/systems/1'
_BIOS = _S + '/bios'
_VM = _R + r'/managers/1/virtualmedia/([12])'
_OPEN = {('GET', _R), ('POST', _R + '/sessionservice/sessions')}


def _info(message_id: str, status: int = 200, **headers: str) -> Response:
    return Response.json(common.extended_info(message_id), status, headers)


class RedfishFront(Front):
    """Redfish resources of one iLO 5 over a backend.

    With ``entry_points_only`` it answers only the service root and the
    session service (other paths: 404 once authenticated), which is what
    an iLO 4 adds to RIS and all proliantutils' fallback reaches on Gen9.
    """

    name = 'redfish'
    prefix = '/redfish/v1'

    def __init__(self, *args: Any, entry_points_only: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry_points_only = entry_points_only
        r = self.router = Router()
        get = self._get
        r.add(_R, GET=lambda req, g: Response.json(
            views.root(self.backend.spec)))
        r.add(_R + '/sessionservice', GET=get)
        r.add(_R + '/sessionservice/sessions', GET=get, POST=self._login)
        r.add(_R + '/sessionservice/sessions/([0-9a-f]+)', GET=get,
              DELETE=self._logout)
        r.add(_R + '/systems', GET=get)
        r.add(_S, GET=get, PATCH=self._patch_system)
        r.add(_S + '/actions/computersystem.reset', POST=self._reset)
        r.add(_S + '/actions/oem/hpe/hpecomputersystemext.powerbutton',
              POST=self._power_button)
        r.add(_BIOS, GET=get)
        r.add(_BIOS + '/settings', GET=get, PATCH=self._patch_bios)
        r.add(_BIOS + '/boot', GET=get)
        r.add(_BIOS + '/boot/settings', GET=get, PATCH=self._patch_boot)
        r.add(_BIOS + '/mappings', GET=get)
        r.add(_BIOS + '/iscsi', GET=get)
        r.add(_BIOS + '/iscsi/settings', GET=get, PATCH=self._patch_iscsi)
        r.add(_S + '/ethernetinterfaces', GET=get)
        r.add(_S + r'/ethernetinterfaces/(\d+)', GET=get)
        r.add(_S + '/secureboot', GET=get)
        r.add(_R + '/managers', GET=get)
        r.add(_R + '/managers/1', GET=get)
        r.add(_R + '/managers/1/virtualmedia', GET=get)
        r.add(_VM, GET=get, PATCH=self._patch_vmedia)
        r.add(_VM + '/actions/(?:oem/hpe/hpeilovirtualmedia.eject'
              'virtualmedia|virtualmedia.ejectmedia)', POST=self._eject)
        r.add(_VM + '/actions/(?:oem/hpe/hpeilovirtualmedia.insert'
              'virtualmedia|virtualmedia.insertmedia)', POST=self._insert)
        r.add(_R + '/chassis', GET=get)
        r.add(_R + '/chassis/1', GET=get)

    # -- protocol ------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        if (request.method, request.path) not in _OPEN and not (
                self.auth.session_for(request.header('x-auth-token'))
                or self.auth.check_basic(request.header('authorization'))):
            raise NoValidSession(path=request.path)

    def handle(self, request: Request) -> Response:
        if self.entry_points_only and not (
                request.path == _R
                or request.path.startswith(_R + '/sessionservice')):
            raise ResourceMissing(path=request.path)
        return self.router.dispatch(request)

    def render_error(self, error: IloEmuError) -> Response:
        return Response.json(common.error_body(error), status=error.status)

    # -- reads ---------------------------------------------------------------
    def _get(self, request: Request, groups: Tuple[str, ...]) -> Response:
        return Response.json(self._body(request.path, groups))

    def _body(self, path: str, groups: Tuple[str, ...]) -> Any:
        spec, backend = self.backend.spec, self.backend
        state = backend.snapshot()
        if path.startswith(_R + '/sessionservice'):
            return self._session_body(path, groups)
        if path.startswith(_BIOS):
            return self._bios_body(path, state)
        simple = {
            _R + '/systems': lambda: views.collection(
                _R + '/Systems/', [views.SYSTEM]),
            _S: lambda: views.system(spec, state,
                                     backend.uefi_targets(state)),
            _S + '/ethernetinterfaces': lambda: views.collection(
                views.SYSTEM + 'EthernetInterfaces/',
                ['%sEthernetInterfaces/%d/' % (views.SYSTEM, n.port)
                 for n in state.nics]),
            _S + '/secureboot': views.secure_boot,
            _R + '/managers': lambda: views.collection(
                _R + '/Managers/', [views.MANAGER]),
            _R + '/managers/1': lambda: views.manager(spec),
            _R + '/managers/1/virtualmedia': lambda: views.collection(
                views.VMEDIA, [views.VMEDIA + m + '/'
                               for m in views.VMEDIA_MEMBERS]),
            _R + '/chassis': lambda: views.collection(
                _R + '/Chassis/', [views.CHASSIS]),
            _R + '/chassis/1': views.chassis,
        }
        if path in simple:
            return simple[path]()
        if path.startswith(_S + '/ethernetinterfaces/'):
            port = int(groups[0])
            if not 0 < port <= len(state.nics):
                raise ResourceMissing(path=path)
            return views.ethernet_interface(state, port)
        device = views.VMEDIA_MEMBERS[groups[0]][0]
        return views.virtual_media(groups[0], state.media[device])

    def _bios_body(self, path: str, state: Any) -> Any:
        pending = path.endswith('/settings')
        config = state.bios_pending if pending else state.bios_current
        sources = self.backend.sources(state)
        if path.startswith(_BIOS + '/boot'):
            return views.boot(config.boot_order, sources, pending)
        if path.startswith(_BIOS + '/iscsi'):
            return views.iscsi(state, sources, pending)
        if path == _BIOS + '/mappings':
            return views.mappings(state)
        return views.bios(config.attributes, pending)

    def _session_body(self, path: str, groups: Tuple[str, ...]) -> Any:
        sessions = {s.id: s for s in self.auth.sessions}
        if path.endswith('/sessionservice'):
            return {'@odata.id': _R + '/SessionService/',
                    'Id': 'SessionService', 'Name': 'Session Service',
                    'ServiceEnabled': True,
                    'SessionTimeout': int(self.auth.idle_timeout),
                    'Sessions': views.link(views.SESSIONS)}
        if not groups:
            return views.collection(views.SESSIONS, [
                views.SESSIONS + i + '/' for i in sessions])
        if groups[0] not in sessions:
            raise ResourceMissing(path=path)
        return {'@odata.id': views.SESSIONS + groups[0] + '/',
                'Id': groups[0], 'Name': 'User Session',
                'UserName': sessions[groups[0]].username}

    # -- sessions ------------------------------------------------------------
    def _login(self, request: Request, groups: Tuple[str, ...]) -> Response:
        body = request.json_object()
        session = self.auth.open_session(
            expect(body.get('UserName'), 'UserName', str, _NONE),
            expect(body.get('Password'), 'Password', str, _NONE))
        if session is None:
            raise NoValidSession(path=request.path)
        location = views.SESSIONS + session.id + '/'
        return Response.json(
            {'@odata.id': location, 'Id': session.id, 'Name': 'User Session',
             'UserName': session.username}, 201,
            {'X-Auth-Token': session.token.reveal(), 'Location': location})

    def _logout(self, request: Request, groups: Tuple[str, ...]) -> Response:
        if not self.auth.close_session(groups[0]):
            raise ResourceMissing(path=request.path)
        return _info(_SUCCESS)

    # -- system --------------------------------------------------------------
    def _patch_system(self, request: Request,
                      groups: Tuple[str, ...]) -> Response:
        body = request.json_object()
        for key in body:
            if key != 'Boot':
                raise PropertyUnknown(name=key)
        boot = dict(expect(body.get('Boot', {}), 'Boot', dict))
        mode = expect(boot.pop('BootSourceOverrideMode', None),
                      'BootSourceOverrideMode', str, _NONE)
        current = 'UEFI' if self.backend.view().boot_mode == 'uefi' else (
            'Legacy')
        if mode is not None and mode != current:
            raise PropertyValueNotInList(name='BootSourceOverrideMode',
                                         value=mode)
        self.backend.set_boot_override(**common.boot_override_from_wire(boot))
        return _info(_SUCCESS)

    def _reset(self, request: Request, groups: Tuple[str, ...]) -> Response:
        self.backend.power(expect(request.json_object().get('ResetType'),
                                  'ResetType', str))
        return _info(_SUCCESS)

    def _power_button(self, request: Request,
                      groups: Tuple[str, ...]) -> Response:
        self.backend.power(common.push_action(
            request.json_object().get('PushType')))
        return _info(_SUCCESS)

    # -- BIOS ----------------------------------------------------------------
    def _patch_bios(self, request: Request,
                    groups: Tuple[str, ...]) -> Response:
        body = request.json_object()
        for key in body:
            if key != 'Attributes':
                raise PropertyUnknown(name=key)
        self.backend.patch_bios(expect(body.get('Attributes'), 'Attributes',
                                       dict))
        return _info(_RESET_REQUIRED)

    def _patch_boot(self, request: Request,
                    groups: Tuple[str, ...]) -> Response:
        body = request.json_object()
        order = body.get('PersistentBootConfigOrder')
        if set(body) != {'PersistentBootConfigOrder'} or not isinstance(
                order, list):
            raise MalformedJSON(reason='PersistentBootConfigOrder: a list')
        self.backend.patch_boot_order([
            expect(o, 'PersistentBootConfigOrder', str) for o in order])
        return _info(_RESET_REQUIRED)

    def _patch_iscsi(self, request: Request,
                     groups: Tuple[str, ...]) -> Response:
        initiator, attempts = common.iscsi_patch_from_wire(
            request.json_object(), common.REDFISH_ISCSI)
        self.backend.patch_iscsi(initiator, attempts)
        return _info(_RESET_REQUIRED)

    # -- virtual media -------------------------------------------------------
    def _patch_vmedia(self, request: Request,
                      groups: Tuple[str, ...]) -> Response:
        device = views.VMEDIA_MEMBERS[groups[0]][0]
        body = request.json_object()
        for key in body:
            if key not in ('Image', 'Inserted', 'WriteProtected', 'Oem'):
                raise PropertyUnknown(name=key)
        image = expect(body.get('Image'), 'Image', str, _NONE)
        inserted = expect(body.get('Inserted', True), 'Inserted', bool)
        expect(body.get('WriteProtected', True), 'WriteProtected', bool)
        boot = common.oem_flag(body, 'Hpe', 'BootOnNextServerReset')
        if 'Image' in body:
            if image and inserted:
                self.backend.insert_media(device, image)
            else:
                self.backend.eject_media(device)
        if boot is not None:
            self.backend.set_media_boot(device, boot)
        return _info(_SUCCESS)

    def _eject(self, request: Request, groups: Tuple[str, ...]) -> Response:
        self.backend.eject_media(views.VMEDIA_MEMBERS[groups[0]][0])
        return _info(_SUCCESS)

    def _insert(self, request: Request, groups: Tuple[str, ...]) -> Response:
        image = expect(request.json_object().get('Image'), 'Image', str)
        if not image:
            raise PropertyValueNotInList(name='Image', value=image)
        self.backend.insert_media(views.VMEDIA_MEMBERS[groups[0]][0], image)
        return _info(_SUCCESS)
