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

"""The HTTPS listener of one emulated iLO (standard library only).

TLS is set up per connection, in the connection's own thread, with the
context the emulator hands out at that moment, so a certificate fault
applies from the next connection on. Every answer closes the connection.
"""
from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional, Tuple

from iloemu.dispatch import Dispatcher, content_length
from iloemu.errors import ConfigError, IloEmuError
from iloemu.fronts.base import Request

LOG = logging.getLogger('iloemu.server')
_IO_TIMEOUT = 30.0
#: How long an unread body is drained after the answer (see _discard).
_DRAIN_TIMEOUT = 1.0
_CHUNK = 64 * 1024


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: Tuple[str, int], dispatcher: Dispatcher,
                 context: Callable[[], ssl.SSLContext]) -> None:
        self.dispatcher = dispatcher
        self.context = context
        super().__init__(address, _Handler)

    def finish_request(self, request: socket.socket,
                       client_address: Tuple[str, int]) -> None:
        arrived = time.monotonic()
        request.settimeout(_IO_TIMEOUT)
        try:
            tls = self.context().wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            LOG.debug('%s: TLS handshake failed: %s',
                      self.dispatcher.label, exc)
            return
        # One request a connection: its answer time counts from here, the
        # TLS handshake included.
        tls.iloemu_arrived = arrived  # type: ignore[attr-defined]
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'HPE-iLO-Server/1.30'
    sys_version = ''
    server: _TLSServer

    def _serve(self) -> None:
        start = getattr(self.connection, 'iloemu_arrived', time.monotonic())
        request = Request(self.command, self.path,
                          {k.lower(): v for k, v in self.headers.items()})
        read: list = []

        def read_body(length: int) -> bytes:
            read.append(length)
            return self.rfile.read(length)

        dispatcher = self.server.dispatcher
        response, protocol, notes = dispatcher.handle(request, start,
                                                      read_body)
        # Recorded before the answer goes out, so a client that got it
        # finds the request in the log.
        record = dispatcher.record(request, response.status,
                                   time.monotonic() - start, protocol, notes)
        self.close_connection = True
        if response.drop:  # a fault: the client gets no answer at all
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header('Content-Length', str(len(response.body)))
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:
            dispatcher.log.amend(record, 'client gone')
            return
        if not read:
            self._discard(request)

    def _discard(self, request: Request) -> None:
        """Drain a body the answer refused, so the client reads the answer.

        Closing a socket with unread data resets the connection, and the
        client may lose the answer. At most the body limit is drained,
        for at most a second, and thrown away unread.
        """
        try:
            left = min(content_length(request),
                       self.server.dispatcher.max_body)
        except IloEmuError:
            return
        try:
            self.connection.settimeout(_DRAIN_TIMEOUT)
            while left > 0:
                chunk = self.rfile.read1(min(left, _CHUNK))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        LOG.debug('%s: %s', self.server.dispatcher.label, format % args)


class IloServer:
    """Listens on (address, port); can stop listening and start again."""

    def __init__(self, address: str, port: int, dispatcher: Dispatcher,
                 context: Callable[[], ssl.SSLContext]) -> None:
        self.address, self.port = address, port
        self._dispatcher = dispatcher
        self._context = context
        self._httpd: Optional[_TLSServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def listening(self) -> bool:
        """Whether the socket is open."""
        return self._httpd is not None

    def start(self) -> None:
        """Bind and serve in a background thread."""
        if self._httpd is not None:
            return
        try:
            self._httpd = _TLSServer((self.address, self.port),
                                     self._dispatcher, self._context)
        except PermissionError:
            raise ConfigError(reason='binding %s:%d needs root (or '
                              'CAP_NET_BIND_SERVICE)' % (self.address,
                                                         self.port))
        except OSError as exc:
            raise ConfigError(reason='cannot listen on %s:%d: %s' % (
                self.address, self.port, exc.strerror or exc))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05},
            name='iloemu-%s' % self.address, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket (connections are refused)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
