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

"""``boot_check: sessions``: the target's session list tells the boot.

A server booted from its iSCSI target when the target lists a session of
the server's initiator: the server's firmware logged in (no operating
system runs on the CI side of it). The targets file gives the command
that lists the sessions (``sessions_command``, an argv run on the CI
runner: ``ssh storage-host tgtadm ... --mode conn``, targetcli's
``sessions``, ...); its output must name the initiator. What it printed
goes into every error, with the file's secrets masked.

>>> names_initiator('Session: 1\\n  Connection: 0\\n    Initiator: '
...                 'IQN.2017-11.org.example:h1\\n',
...                 'iqn.2017-11.org.example:h1')
True
>>> mask('pw Secret-12345 shown', ['Secret-12345'])
'pw ****** shown'
"""
from __future__ import annotations

import subprocess
import time
from typing import Callable, Sequence

from hwci.targets import MASK, Server

#: Seconds one run of the sessions command may take.
COMMAND_TIMEOUT = 60


class BootCheckError(Exception):
    """The session list did not show what it should (command and output
    named, secrets masked)."""


def mask(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret replaced by the mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def names_initiator(output: str, initiator: str) -> bool:
    """Whether the session list names ``initiator`` (IQNs are case
    insensitive, RFC 3722)."""
    return initiator.lower() in output.lower()


def list_sessions(server: Server, secrets: Sequence[str]) -> str:
    """The output of the server's sessions command.

    :raises BootCheckError: if it cannot run, fails or hangs.
    """
    shown = mask(' '.join(server.sessions_command), secrets)
    try:
        run = subprocess.run(list(server.sessions_command), text=True,
                             stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=COMMAND_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BootCheckError('%s: sessions command %s: %s' % (
            server.name, shown, getattr(exc, 'strerror', None)
            or type(exc).__name__)) from None
    if run.returncode:
        raise BootCheckError('%s: sessions command %s: exit status %d: %s'
                             % (server.name, shown, run.returncode, mask(
                                 (run.stderr or run.stdout).strip()[-2000:],
                                 secrets)))
    return run.stdout


def wait_for_session(server: Server, initiator: str, present: bool,
                     timeout: float, poll: float, secrets: Sequence[str],
                     clock: Callable[[], float] = time.monotonic) -> str:
    """Poll the sessions command until its output names ``initiator``
    (``present``) or no longer does; its last output.

    :raises BootCheckError: after ``timeout`` seconds, naming the
        command, what it last printed and the initiator.
    """
    deadline = clock() + timeout
    while True:
        output = list_sessions(server, secrets)
        if names_initiator(output, initiator) == present:
            return output
        if clock() >= deadline:
            raise BootCheckError(
                '%s: after %s s the sessions command %s %s %s; it printed:'
                '\n%s' % (server.name, timeout, mask(' '.join(
                    server.sessions_command), secrets),
                    'still names' if not present else 'does not name',
                    initiator, mask(output.strip()[-2000:], secrets)
                    or '(nothing)'))
        time.sleep(poll)
