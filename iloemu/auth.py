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

"""Credentials and Redfish sessions of one emulated iLO.

The wrong-password fault swaps the password the iLO expects; sessions
opened with the old one stop being valid, as after a password change.

Sessions end on logout (DELETE), or when unused for ``idle_timeout``
seconds (iLO's default: 30 minutes). At most ``max_sessions`` are open:
as on iLO, a login beyond that is refused (SessionLimitExceeded) until
one ends; the oldest is not dropped, so a client that leaks sessions
fails here as it would on the real iLO.

>>> auth = Authenticator('admin', Secret('pw'))
>>> auth.check_basic('BASIC ' + base64.b64encode(b'admin:pw').decode())
True
>>> session = auth.open_session('admin', 'pw')
>>> auth.session_for(session.token.reveal()) is session
True
>>> auth.expected_password = Secret('other')
>>> auth.session_for(session.token.reveal())
>>> auth.close_session(session.id), auth.sessions
(True, [])
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import hmac
import itertools
import secrets
import threading
import time
from typing import Callable, Dict, List, Optional

from iloemu.errors import SessionLimitExceeded
from iloemu.secret import Secret

#: iLO's default idle timeout of a session, in seconds.
IDLE_TIMEOUT = 30 * 60.0
#: How many sessions the emulated iLO holds at once.
MAX_SESSIONS = 32


@dataclasses.dataclass(frozen=True)
class Session:
    """A Redfish session (token masked in any repr)."""

    id: str
    username: str
    token: Secret
    password: Secret


class Authenticator:
    """Checks credentials; keeps the Redfish sessions."""

    def __init__(self, username: str, password: Secret,
                 idle_timeout: float = IDLE_TIMEOUT,
                 max_sessions: int = MAX_SESSIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.username = username
        self.password = password
        self.expected_password: Optional[Secret] = None
        self.idle_timeout = idle_timeout
        self.max_sessions = max_sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: Dict[str, Session] = {}
        self._used: Dict[str, float] = {}
        self._ids = itertools.count(1)

    def _expire(self) -> None:
        """Drop the sessions idle for too long (the lock held)."""
        oldest = self._clock() - self.idle_timeout
        for session_id, used in list(self._used.items()):
            if used <= oldest:
                del self._sessions[session_id], self._used[session_id]

    def _current_password(self) -> Secret:
        return self.expected_password or self.password

    def check(self, username: Optional[str], password: Optional[str]) -> bool:
        """Whether the pair is what the iLO expects now."""
        if username is None or password is None:
            return False
        expected = self._current_password().reveal()
        return (hmac.compare_digest(username.encode(),
                                    self.username.encode())
                and hmac.compare_digest(password.encode(), expected.encode()))

    def check_basic(self, header: Optional[str]) -> bool:
        """Check an ``Authorization: Basic ...`` header (any case)."""
        if not header or ' ' not in header:
            return False
        scheme, _, value = header.partition(' ')
        if scheme.lower() != 'basic':
            return False
        try:
            user, _, password = base64.b64decode(value.strip()).decode(
                'utf-8').partition(':')
        except (binascii.Error, UnicodeDecodeError):
            return False
        return self.check(user, password)

    def open_session(self, username: Optional[str],
                     password: Optional[str]) -> Optional[Session]:
        """A new session if the credentials are right, else None.

        Raises SessionLimitExceeded when ``max_sessions`` are open.
        """
        if not self.check(username, password):
            return None
        session = Session('%x%04d' % (secrets.randbits(32), next(self._ids)),
                          str(username), Secret(secrets.token_hex(16)),
                          self._current_password())
        with self._lock:
            self._expire()
            if len(self._sessions) >= self.max_sessions:
                raise SessionLimitExceeded(limit=self.max_sessions)
            self._sessions[session.id] = session
            self._used[session.id] = self._clock()
        return session

    def session_for(self, token: Optional[str]) -> Optional[Session]:
        """The live session of this X-Auth-Token, if any; marks it used."""
        if not token:
            return None
        with self._lock:
            self._expire()
            sessions = list(self._sessions.values())
        for session in sessions:
            if hmac.compare_digest(session.token.reveal().encode(),
                                   token.encode()):
                if session.password != self._current_password():
                    return None
                with self._lock:
                    if session.id in self._used:
                        self._used[session.id] = self._clock()
                return session
        return None

    def close_session(self, session_id: str) -> bool:
        """Delete a session; False if there was none with this id."""
        with self._lock:
            self._expire()
            self._used.pop(session_id, None)
            return self._sessions.pop(session_id, None) is not None

    @property
    def sessions(self) -> List[Session]:
        """The open sessions (expired ones are gone)."""
        with self._lock:
            self._expire()
            return list(self._sessions.values())
