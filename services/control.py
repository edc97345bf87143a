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

"""The supervisor's control socket: one request, one answer.

A running ``up`` listens on a Unix socket in its folder
(``control.sock``, mode 0600: only its user may stop a service). A
client sends one line of words (``stop cinder-api``, ``start
ironic-conductor host=other``) and reads one line back, ``ok ...`` or
``error ...``. The supervisor serves requests one at a time between its
checks of the children, so a request is carried out by the process that
owns the children: what it starts is under its guard again.
"""
from __future__ import annotations

import os
from pathlib import Path
import select
import socket
from typing import Callable, List, Optional

#: Longest request or answer line (bytes).
MAX_LINE = 4096


class ControlError(Exception):
    """A request that cannot be carried out; its text is the answer."""


def listen(path: Path) -> socket.socket:
    """A listening socket at ``path`` (an old one removed), mode 0600."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old)
    listener.listen(4)
    return listener


def _read_line(connection: socket.socket) -> str:
    data = b''
    while b'\n' not in data and len(data) < MAX_LINE:
        chunk = connection.recv(MAX_LINE)
        if not chunk:
            break
        data += chunk
    return data.split(b'\n', 1)[0].decode('utf-8', 'replace')


def serve(listener: socket.socket, handle: Callable[[List[str]], str],
          timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for one request and answer it with
    ``handle(words)`` (``ok`` + its text, or ``error`` + the text of the
    :class:`ControlError` it raised). Whether a request came."""
    ready, _, _ = select.select([listener], [], [], timeout)
    if not ready:
        return False
    connection, _ = listener.accept()
    with connection:
        connection.settimeout(10)
        try:
            words = _read_line(connection).split()
            try:
                answer = 'ok %s' % handle(words)
            except ControlError as error:
                answer = 'error %s' % error
            connection.sendall((answer.strip() + '\n').encode())
        except OSError:  # the client went away
            pass
    return True


def request(path: Path, words: List[str],
            timeout: Optional[float] = None) -> str:
    """Send ``words`` to the supervisor at ``path``; its answer line.

    :raises OSError: if nothing listens there.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        client.connect(str(path))
        client.sendall((' '.join(words) + '\n').encode())
        return _read_line(client)
