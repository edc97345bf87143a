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

"""The request pipeline of one emulated iLO: faults, front, error body.

For each request: pick the front that owns the path, let the fault
injector decide (delay, injected error), wait a delay, check the
Content-Length, let the front check the credentials in the headers, and
only then read the body (at most :data:`MAX_BODY` bytes, else 413); call
the front, render any error in the front's protocol, and hold the answer
until the configured latency has passed since the request arrived (the
emulator's own work counted in, as a real iLO's answer time includes its
work). Whatever happens, the answer is an HTTP response, never a crashed
thread.

>>> content_length(Request('POST', '/ribcl', {'content-length': '12'}))
12
>>> content_length(Request('POST', '/ribcl', {'content-length': '-1'}))
Traceback (most recent call last):
...
iloemu.errors.MalformedRequest: The request is malformed: Content-Length \
is not a byte count
"""
from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from typing import Callable, Optional, Sequence, Tuple

from iloemu.errors import (IloEmuError, InjectedError, MalformedRequest,
                           NoValidSession, PayloadTooLarge,
                           PropertyValueFormatError, ResourceMissing)
from iloemu.faults import (Decision, FaultInjector, HttpErrorRule,
                           secrets_in, strip_iscsi_link)
from iloemu.fronts import common
from iloemu.fronts.base import Front, Request, Response
from iloemu.reqlog import RequestLog, RequestRecord

LOG = logging.getLogger('iloemu.requests')

#: The largest request body read (bytes); iLO's own payloads are a few KiB.
MAX_BODY = 1 << 20
_DIGITS = re.compile(r'[0-9]{1,18}')

#: Reads exactly the given number of body bytes from the connection.
BodyReader = Callable[[int], bytes]


def content_length(request: Request) -> int:
    """The body length the request declares (0 without the header).

    Anything but a plain decimal byte count is a MalformedRequest; a
    count too long to be real is reported as too large.
    """
    raw = request.header('content-length')
    if raw is None or not raw.strip():
        return 0
    raw = raw.strip()
    if not _DIGITS.fullmatch(raw):
        if raw.isascii() and raw.isdigit():
            raise PayloadTooLarge(limit=MAX_BODY)
        raise MalformedRequest(reason='Content-Length is not a byte count')
    return int(raw)


class Dispatcher:
    """Routes requests to fronts; records each one in the request log."""

    def __init__(self, fronts: Sequence[Front], injector: FaultInjector,
                 log: RequestLog, label: str, max_body: int = MAX_BODY
                 ) -> None:
        self.fronts = list(fronts)
        self.injector = injector
        self.log = log
        self.label = label
        self.max_body = max_body

    def front_for(self, path: str) -> Optional[Front]:
        """The front answering ``path``, if any."""
        for front in self.fronts:
            if front.owns(path):
                return front
        return None

    def handle(self, request: Request, arrived: Optional[float] = None,
               read_body: Optional[BodyReader] = None
               ) -> Tuple[Response, str, Tuple[str, ...]]:
        """(response, protocol name, injected fault notes).

        ``arrived`` is when the request reached the iLO (``time.monotonic``;
        default: now); the answer is held until the plan's latency has
        passed since then. ``read_body`` reads the body from the
        connection once the request may have it; without it the body is
        the one ``request`` carries.
        """
        if arrived is None:
            arrived = time.monotonic()
        try:
            return self._handle(request, read_body)
        finally:
            remaining = (self.injector.plan.latency
                         - (time.monotonic() - arrived))
            if remaining > 0:
                time.sleep(remaining)

    def _handle(self, request: Request, read_body: Optional[BodyReader]
                ) -> Tuple[Response, str, Tuple[str, ...]]:
        path = request.path
        front = self.front_for(path)
        decision = self.injector.decide(request.method, path)
        if decision.delay:
            time.sleep(decision.delay)
        notes = decision.notes
        try:
            if front is None:
                raise ResourceMissing(path=path)
            if decision.error_first is not None:
                raise _injected(decision.error_first, request.method, path)
            request = self._admit(front, request, read_body)
            notes += self._echo_secret(request)
            response = front.handle(request)
            response = self._after(front, request, decision, response)
        except IloEmuError as error:
            if (isinstance(error, NoValidSession)
                    and self.injector.plan.expected_password is not None):
                self.injector.log('wrong password', request.method, path)
                notes += ('wrong password',)
            response = self._render(front, error)
        except Exception:  # a bug must answer 500, not kill the thread
            LOG.exception('%s: %s %s failed', self.label, request.method,
                          path)
            response = self._render(front, IloEmuError())
        return response, front.name if front else '-', notes

    def _echo_secret(self, request: Request) -> Tuple[str, ...]:
        """The echo fault: refuse a secret, repeating it (as iLO does)."""
        if not (self.injector.plan.echo_chap_secret
                and request.method in ('PATCH', 'PUT')
                and request.path.endswith('/iscsi/settings')):
            return ()
        try:
            secrets = secrets_in(request.json())
        except IloEmuError:
            return ()
        if not secrets:
            return ()
        self.injector.log('CHAP secret echoed', request.method, request.path)
        raise PropertyValueFormatError(name='iSCSIChapSecret',
                                       value=secrets[0])

    def _after(self, front: Front, request: Request, decision: Decision,
               response: Response) -> Response:
        """Faults that act once the request was carried out."""
        if (self.injector.plan.no_iscsi_link and request.method == 'GET'
                and request.path.endswith('/systems/1/bios')):
            body = json.loads(response.body.decode('utf-8'))
            if strip_iscsi_link(body):
                self.injector.log('no iScsi link', request.method,
                                  request.path)
                response = Response.json(body, response.status, {
                    k: v for k, v in response.headers.items()
                    if k not in ('ETag', 'Content-Type')})
        if decision.error_after is not None and response.status < 300:
            response = front.render_error(_injected(
                decision.error_after, request.method, request.path))
        if decision.delay_after:
            time.sleep(decision.delay_after)
        response.drop = decision.drop
        return response

    def _admit(self, front: Front, request: Request,
               read_body: Optional[BodyReader]) -> Request:
        """The request with its body, read only after the credentials."""
        length = content_length(request)
        front.authenticate(request)
        if read_body is None:
            length = len(request.body)
        if length > self.max_body:
            raise PayloadTooLarge(limit=self.max_body)
        if read_body is None or not length:
            return request
        return dataclasses.replace(request, body=read_body(length))

    @staticmethod
    def _render(front: Optional[Front], error: IloEmuError) -> Response:
        if front is not None:
            return front.render_error(error)
        return Response.json(common.error_body(error), status=error.status)

    def record(self, request: Request, status: int, latency: float,
               protocol: str, notes: Tuple[str, ...]) -> RequestRecord:
        """Add the request to the log; log it at debug level."""
        record = self.log.add(request.method, request.path, status,
                              latency, protocol, notes)
        LOG.debug('%s: %s %s -> %d (%.1f ms)%s', self.label, request.method,
                  request.path, status, latency * 1000,
                  ' [%s]' % ', '.join(notes) if notes else '')
        return record


def _injected(rule: HttpErrorRule, method: str, path: str) -> InjectedError:
    text = 'http %s on %s %s' % (rule.status, method, path)
    return InjectedError(rule.status, text)
