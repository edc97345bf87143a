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

"""A web server whose files name loopback endpoints as the guest sees them.

ironic writes its iPXE boot script and node configurations for the host's
view: ``[deploy]http_url`` and the volume's portal are ``127.0.0.1:<port>``
here. The guest reaches those endpoints only through its forwards
(:mod:`realboot.network`), at ``10.0.2.100:<port>``. This server plays
``[deploy]http_url`` and, like a NAT's application-level gateway, serves
``http_root`` with every forwarded endpoint of a text file rewritten
(:func:`realboot.network.translate`); nothing else of a file changes.

>>> import tempfile, urllib.request
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / 'boot.ipxe').write_text('chain http://127.0.0.1:9/cfg')
>>> with TranslatingWebServer(root, port=0) as web:
...     web.add_endpoints([('127.0.0.1', 9)])
...     urllib.request.urlopen(web.url + '/boot.ipxe').read()
b'chain http://10.0.2.100:9/cfg'
"""
from __future__ import annotations

import functools
import http.server
import os
from pathlib import Path
import threading
from typing import Any, Iterable, List, Optional, Tuple

from realboot import network


class _Handler(http.server.SimpleHTTPRequestHandler):
    """GET and HEAD of ``directory``, text rewritten for the guest."""

    def __init__(self, *args: Any, server_side: 'TranslatingWebServer',
                 **kwargs: Any) -> None:
        self._server_side = server_side
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        self._server_side.requests.append(self.path)

    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            return super().send_head()
        with open(path, 'rb') as source:
            body = self._server_side.rewrite(source.read())
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        return _Body(body)


class _Body:
    """What ``send_head`` hands to ``copyfile``: the rewritten bytes."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def read(self, size: int = -1) -> bytes:
        body, self._body = self._body, b''
        return body

    def close(self) -> None:
        self._body = b''


class TranslatingWebServer:
    """Serve ``root`` on 127.0.0.1; text names endpoints as the guest does.

    :param root: the folder to serve (ironic's ``[deploy]http_root``).
    :param port: the port to listen on; 0 for a free one.
    """

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = root
        self.requests: List[str] = []
        self._endpoints: List[Tuple[str, int]] = []
        handler = functools.partial(_Handler, server_side=self,
                                    directory=str(root))
        self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', port),
                                                      handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        self.add_endpoints([('127.0.0.1', self.port)])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={'poll_interval': 0.1},
            name='realboot-gateway', daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> Tuple[str, int]:
        """(address, port) of this server, to forward to a guest."""
        return ('127.0.0.1', self.port)

    def add_endpoints(self, endpoints: Iterable[Tuple[str, int]]) -> None:
        """Rewrite these endpoints too (a target portal, for instance)."""
        for endpoint in endpoints:
            if endpoint not in self._endpoints:
                self._endpoints.append(endpoint)

    def rewrite(self, body: bytes) -> bytes:
        """``body`` as the guest must read it (binary stays as it is)."""
        try:
            text = body.decode('utf-8')
        except UnicodeDecodeError:
            return body
        forwards = network.plan_forwards(self._endpoints)
        return network.translate(text, forwards).encode('utf-8')

    def guest_url(self, url: str) -> str:
        """A URL of the host's view as the guest must ask for it."""
        return self.rewrite(url.encode('utf-8')).decode('utf-8')

    def stop(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> 'TranslatingWebServer':
        return self

    def __exit__(self, *exc: Optional[Any]) -> None:
        self.stop()
