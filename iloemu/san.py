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
"""The iSCSI targets emulated servers can reach, for the strict login check.

The fake backend has no network: under the strict firmware model, a boot
from an iSCSI option logs in against a :class:`San` the test fills
(with the targets its volume service exports), as EDK2's initiator would.
EDK2 offers exactly one authentication method (``AuthMethod=CHAP``
when CHAP is configured, ``None`` otherwise), so a stale CHAP setting
fails against a target without CHAP, and the reverse.

>>> san = San()
>>> san.add('iqn.2010-10.org.example:v')
>>> a = IscsiAttempt('NicBoot1', enabled=True, target_name=
...                  'iqn.2010-10.org.example:v', auth_method='Chap')
>>> print(san.login(a))  # doctest: +NORMALIZE_WHITESPACE
iSCSI login to iqn.2010-10.org.example:v failed: the initiator offers
only CHAP, the target has no CHAP
>>> a.auth_method = 'None'
>>> san.login(a) is None
True
"""
from __future__ import annotations

import dataclasses
import hmac
import threading
from typing import Dict, Optional, Union

from iloemu.secret import Secret, as_secret
from iloemu.state import IscsiAttempt, ServerState


@dataclasses.dataclass(frozen=True)
class IscsiTarget:
    """One target: its IQN and, if it requires one-way CHAP, the pair."""

    iqn: str
    chap_user: Optional[str] = None
    chap_secret: Optional[Secret] = None


class San:
    """Targets by IQN, thread-safe; shared by the servers of a fleet."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._targets: Dict[str, IscsiTarget] = {}

    def add(self, iqn: str, chap_user: Optional[str] = None,
            chap_secret: Union[str, Secret, None] = None) -> None:
        """Export a target (CHAP required if a user is given)."""
        with self._lock:
            self._targets[iqn] = IscsiTarget(iqn, chap_user,
                                             as_secret(chap_secret))

    def remove(self, iqn: str) -> None:
        """Stop exporting a target."""
        with self._lock:
            self._targets.pop(iqn, None)

    def get(self, iqn: str) -> Optional[IscsiTarget]:
        """The target with this IQN, if exported."""
        with self._lock:
            return self._targets.get(iqn)

    def login(self, attempt: IscsiAttempt) -> Optional[str]:
        """None if the attempt logs in, else why not (no secret shown)."""
        target = self.get(attempt.target_name)
        why = _refusal(attempt, target)
        if why is None:
            return None
        return 'iSCSI login to %s failed: %s' % (attempt.target_name, why)


def _refusal(attempt: IscsiAttempt,
             target: Optional[IscsiTarget]) -> Optional[str]:
    if target is None:
        return 'no such target'
    offers_chap = attempt.auth_method != 'None'
    if attempt.auth_method == 'MutualChap':
        return 'mutual CHAP is not modelled'
    if target.chap_user is None:
        return ('the initiator offers only CHAP, the target has no CHAP'
                if offers_chap else None)
    if not offers_chap:
        return 'the target requires CHAP, the initiator offers none'
    given = attempt.chap_secret.reveal() if attempt.chap_secret else ''
    wanted = target.chap_secret.reveal() if target.chap_secret else ''
    if (attempt.chap_user != target.chap_user
            or not hmac.compare_digest(given.encode(), wanted.encode())):
        return 'CHAP authentication failed'
    return None


def boot_outcome(san: Optional[San], st: ServerState,
                 device: str) -> Optional[str]:
    """A boot from ``device``: 'booted from ...' or why the login failed.

    None when no SAN is given or the device is no iSCSI option.
    """
    nic = next((n for n in st.nics
                if n.structured_name + '.iSCSI' == device), None)
    if san is None or nic is None:
        return None
    attempt = st.iscsi_current.attempts[nic.nic_boot or '']
    return san.login(attempt) or (
        'booted from iSCSI target %s' % attempt.target_name)
