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

"""The RIBCL front: XML commands POSTed to ``/ribcl``.

proliantutils uses it for model detection (``GET_PRODUCT_NAME``, whose
answer picks RIS or Redfish).  Credentials travel in the XML ``LOGIN``
element; a wrong pair gets iLO's login failure (status 0x005F) with HTTP
200. Each command gets its own ``<?xml ...?><RIBCL>`` document, as iLO
answers.

>>> doc = _document('0x0000', 'No error', '<GET_PRODUCT_NAME/>')
>>> print(doc.strip().splitlines()[4])
    MESSAGE="No error"
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Callable, Dict, List
from xml.sax.saxutils import quoteattr

from iloemu.errors import IloEmuError, MethodNotAllowed
from iloemu.fronts.base import Front, Request, Response

LOGIN_FAILED = '0x005F'


def _document(status: str, message: str, data: str = '') -> str:
    return ('<?xml version="1.0"?>\r\n<RIBCL VERSION="2.23">\r\n'
            '<RESPONSE\r\n    STATUS="%s"\r\n    MESSAGE=%s\r\n     />\r\n'
            '%s</RIBCL>\r\n' % (status, quoteattr(message),
                                data + '\r\n' if data else ''))


def _xml_response(documents: List[str], status: int = 200) -> Response:
    return Response(status, ''.join(documents).encode('utf-8'),
                    {'Content-Type': 'text/xml'})


class RibclFront(Front):
    """RIBCL commands of one iLO: model, power status, firmware version."""

    name = 'ribcl'
    prefix = '/ribcl'

    def _commands(self) -> Dict[str, Callable[[], str]]:
        spec = self.backend.spec
        return {
            'GET_PRODUCT_NAME': lambda: (
                '<GET_PRODUCT_NAME>\r\n    <PRODUCT_NAME VALUE=%s/>\r\n'
                '</GET_PRODUCT_NAME>' % quoteattr(spec.product_name or '')),
            'GET_HOST_POWER_STATUS': lambda: (
                '<GET_HOST_POWER\r\n    HOST_POWER="%s"\r\n    />'
                % self.backend.view().power.upper()),
            'GET_FW_VERSION': lambda: (
                '<GET_FW_VERSION\r\n    FIRMWARE_VERSION="%s"\r\n'
                '    MANAGEMENT_PROCESSOR="%s"\r\n    />' % (
                    '2.55' if spec.generation == 9 else '2.10',
                    spec.ilo_name.replace(' ', ''))),
        }

    def handle(self, request: Request) -> Response:
        if request.method != 'POST':
            raise MethodNotAllowed(method=request.method, path=request.path)
        try:
            root = ET.fromstring(request.body.decode('utf-8', 'replace'))
        except ET.ParseError:
            return _xml_response([self._syntax_error('RIBCL')])
        login = root.find('LOGIN') if root.tag == 'RIBCL' else None
        if login is None:
            return _xml_response([self._syntax_error(root.tag)])
        if not self.auth.check(login.get('USER_LOGIN'),
                               login.get('PASSWORD')):
            return _xml_response([_document(LOGIN_FAILED, 'Login failed.')])
        commands = self._commands()
        documents = []
        for block in login:
            for command in block:
                if command.tag in commands:
                    documents.append(_document('0x0000', 'No error',
                                               commands[command.tag]()))
                else:
                    documents.append(self._syntax_error(command.tag))
        return _xml_response(documents or [_document('0x0000', 'No error')])

    @staticmethod
    def _syntax_error(tag: str) -> str:
        return _document('0x0001', 'Syntax error: Line #0: syntax error '
                         'near "%s" in the line: "<%s>".' % (tag, tag))

    def render_error(self, error: IloEmuError) -> Response:
        """A RIBCL document with a non-zero status; the HTTP status too."""
        return _xml_response([_document('0x0001', str(error))],
                             status=error.status)
