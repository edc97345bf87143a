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

"""What every front shares: requests, responses, routing, the front base.

>>> router = Router()
>>> router.add(r'/rest/v1/systems/(\\d+)', GET=lambda req, m: Response(200))
>>> router.allow('/rest/v1/systems/1')
'GET, HEAD'
>>> router.dispatch(Request('PATCH', '/rest/v1/systems/1'))
Traceback (most recent call last):
...
iloemu.errors.MethodNotAllowed: The method PATCH is not allowed on \
/rest/v1/systems/1
>>> expect({'Boot': 'Once'}.get('Boot'), 'Boot', dict)
Traceback (most recent call last):
...
iloemu.errors.PropertyValueTypeError: The value (a string) for the property \
Boot is of a different type than the property can accept
"""
from __future__ import annotations

import abc
import dataclasses
import json
import re
import zlib
from typing import (Any, Callable, Dict, List, Mapping, Optional, Pattern,
                    Tuple)
from urllib.parse import urlsplit

from iloemu.auth import Authenticator
from iloemu.backends.base import Backend
from iloemu.errors import (IloEmuError, MalformedJSON, MethodNotAllowed,
                           PropertyValueTypeError, ResourceMissing)

#: The JSON name of each Python type a JSON body decodes to.
_JSON_TYPES = ((bool, 'a boolean'), (int, 'a number'), (float, 'a number'),
               (str, 'a string'), (list, 'an array'), (dict, 'an object'),
               (type(None), 'null'))


def json_type(value: Any) -> str:
    """What ``value`` is in JSON terms ('a string', 'an array', ...)."""
    for kind, name in _JSON_TYPES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def expect(value: Any, name: str, *kinds: type) -> Any:
    """``value`` if it is one of ``kinds``, else PropertyValueTypeError.

    A boolean is no number here (Python's ``bool`` is an ``int``). The
    error names the JSON type of the value, never the value (it may be a
    secret, or nested thousands deep).
    """
    if isinstance(value, bool) and bool not in kinds:
        kinds = ()
    if not isinstance(value, kinds):
        raise PropertyValueTypeError(name=name, value='(%s)'
                                     % json_type(value))
    return value


def normalize_path(raw: str) -> str:
    """Lower case, no query, no trailing slash: how routes are matched.

    iLO's URIs are case-insensitive and come with or without a trailing
    slash (iLO 5 writes them with one).

    >>> normalize_path('/redfish/v1/Systems/1/?$expand=.')
    '/redfish/v1/systems/1'
    """
    path = urlsplit(raw).path.lower()
    path = re.sub('/+', '/', path)
    return path.rstrip('/') or '/'


@dataclasses.dataclass(frozen=True)
class Request:
    """One HTTP request, headers keyed in lower case."""

    method: str
    raw_path: str
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b''

    @property
    def path(self) -> str:
        """The normalized path."""
        return normalize_path(self.raw_path)

    def header(self, name: str) -> Optional[str]:
        """A header by name, any case."""
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The JSON body; None if empty (proliantutils sends 'null')."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode('utf-8'))
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedJSON(reason=type(exc).__name__)
        except RecursionError:
            raise MalformedJSON(reason='nested too deeply')

    def json_object(self) -> Dict[str, Any]:
        """The body as a JSON object (a PATCH or action payload)."""
        body = self.json()
        if not isinstance(body, dict):
            raise MalformedJSON(reason='a JSON object is expected')
        return body


@dataclasses.dataclass
class Response:
    """Status, body and headers of an answer."""

    status: int
    body: bytes = b''
    headers: Dict[str, str] = dataclasses.field(default_factory=dict)
    #: Close the connection instead of answering (a fault).
    drop: bool = False

    @classmethod
    def json(cls, obj: Any, status: int = 200,
             headers: Optional[Mapping[str, str]] = None) -> 'Response':
        """A JSON answer with a weak ETag of its body."""
        body = json.dumps(obj, indent=1, sort_keys=True).encode('utf-8')
        all_headers = {'Content-Type': 'application/json; charset=utf-8',
                       'ETag': 'W/"%08X"' % zlib.crc32(body)}
        all_headers.update(headers or {})
        return cls(status, body, all_headers)


Handler = Callable[[Request, Tuple[str, ...]], Response]


class Router:
    """Regex routes on normalized paths, one handler per method."""

    def __init__(self) -> None:
        self._routes: List[Tuple[Pattern[str], Dict[str, Handler]]] = []

    def add(self, pattern: str, **methods: Handler) -> None:
        """Route ``pattern`` (a full-match regex) to handlers by method."""
        self._routes.append((re.compile(pattern + '$'), methods))

    def _find(self, path: str):
        for pattern, methods in self._routes:
            match = pattern.match(path)
            if match:
                return match.groups(), methods
        return None, None

    def allow(self, path: str) -> str:
        """The Allow header value of the resource at ``path``."""
        _, methods = self._find(path)
        names = list(methods or ())
        if 'GET' in names:
            names.insert(names.index('GET') + 1, 'HEAD')
        return ', '.join(names)

    def dispatch(self, request: Request) -> Response:
        """Call the handler; ResourceMissing / MethodNotAllowed otherwise."""
        path = request.path
        groups, methods = self._find(path)
        if methods is None:
            raise ResourceMissing(path=path)
        method = 'GET' if request.method == 'HEAD' else request.method
        if method not in methods:
            raise MethodNotAllowed(method=request.method, path=path)
        response = methods[method](request, groups)
        response.headers.setdefault('Allow', self.allow(path))
        if request.method == 'HEAD':
            response.body = b''
        return response


class Front(abc.ABC):
    """A protocol front: speaks one protocol over a backend."""

    #: Short name in logs ('ribcl', 'ris', 'redfish').
    name = ''
    #: The path (normalized) under which the front answers.
    prefix = ''

    def __init__(self, backend: Backend, auth: Authenticator) -> None:
        self.backend = backend
        self.auth = auth

    def owns(self, path: str) -> bool:
        """Whether a request for ``path`` is this front's."""
        return path == self.prefix or path.startswith(self.prefix + '/')

    def authenticate(self, request: Request) -> None:
        """Check the credentials a request carries in its headers.

        Called before the body is read; raises NoValidSession. A front
        whose credentials travel in the body (RIBCL) checks them in
        :meth:`handle` instead.
        """

    @abc.abstractmethod
    def handle(self, request: Request) -> Response:
        """Answer an authenticated request; may raise IloEmuError."""

    @abc.abstractmethod
    def render_error(self, error: IloEmuError) -> Response:
        """The protocol's own error answer for ``error``."""
