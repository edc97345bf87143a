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

"""``[deploy]http_url``: the conductor's web server on 127.0.0.1."""
from __future__ import annotations

import functools
import http.server
from pathlib import Path
import threading
from typing import Any

from harness.config import Layout


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class WebServer:
    """``[deploy]http_url``: serves ``http_root`` on 127.0.0.1.

    ironic checks the deploy images of a node with HTTP HEAD requests
    (``validate``), so they are served as a conductor's web server would.
    """

    DEPLOY_IMAGES = ('deploy.kernel', 'deploy.ramdisk', 'deploy.iso')

    def __init__(self, layout: Layout) -> None:
        self.write_deploy_images(layout.http_root)
        handler = functools.partial(_QuietHandler,
                                    directory=str(layout.http_root))
        self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      handler)
        self._httpd.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={'poll_interval': 0.1},
                                        name='ironic-http-root', daemon=True)
        self._thread.start()

    @classmethod
    def write_deploy_images(cls, http_root: Path) -> None:
        """Stand-ins of the deploy images in ``http_root`` (made if need
        be), for ironic's HEAD requests."""
        http_root.mkdir(parents=True, exist_ok=True)
        for name in cls.DEPLOY_IMAGES:
            (http_root / name).write_bytes(b'not a real image\n')

    def stop(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
