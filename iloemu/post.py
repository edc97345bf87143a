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
"""The power-on self test (POST) of the strict firmware model.

A power-on or reset starts a POST; pending BIOS settings (boot mode,
iSCSI attempts, initiator name) are applied as it starts. It reports
``InPost``, then ``InPostDiscoveryComplete`` once the boot options are
discovered (only then are the iSCSI options of the applied attempts
listed), then ``FinishedPost``. Power off ends it (``PowerOff``); a
POST cut short before discovery discovers nothing. The lenient model has
no POST: a running server reports ``FinishedPost`` at once.

>>> post_state('On', 10.0, 10.1, (0.3, 0.6))
'InPost'
>>> post_state('On', 10.0, 10.4, (0.3, 0.6))
'InPostDiscoveryComplete'
>>> post_state('On', 10.0, 10.7, (0.3, 0.6))
'FinishedPost'
>>> post_state('Off', None, 10.7, (0.3, 0.6))
'PowerOff'
"""
from __future__ import annotations

import copy
import time
from typing import Optional, Tuple

from iloemu import firmware
from iloemu.config import ServerSpec
from iloemu.state import ServerState

POST_STATES = ('PowerOff', 'InPost', 'InPostDiscoveryComplete',
               'FinishedPost')


def post_state(power: str, started: Optional[float], now: float,
               seconds: Tuple[float, float]) -> str:
    """The POST state ``now`` of a POST that started at ``started``."""
    if power != 'On':
        return 'PowerOff'
    if started is None:
        return 'FinishedPost'
    elapsed = now - started
    if elapsed >= seconds[1]:
        return 'FinishedPost'
    if elapsed >= seconds[0]:
        return 'InPostDiscoveryComplete'
    return 'InPost'


def discovered(state: str) -> bool:
    """Whether a POST in ``state`` has completed discovery."""
    return state in ('InPostDiscoveryComplete', 'FinishedPost')


def start(st: ServerState, spec: ServerSpec) -> None:
    """A POST starts; pending settings were applied just before.

    Strict: the options listed so far go (the BIOS rebuilds its list);
    what this POST will discover is fixed now, from the applied attempts.
    """
    if not spec.strict:
        st.post_state = 'FinishedPost'
        return
    st.post_started = time.monotonic()
    st.post_state = 'InPost'
    st.iscsi_discovered = {}
    st.post_discovering = copy.deepcopy(
        firmware.bootable_attempts(st.iscsi_current, True))
    advance(st, spec)


def advance(st: ServerState, spec: ServerSpec) -> None:
    """Move a running POST on to the present (strict model).

    At discovery the iSCSI options of the attempts applied at the POST's
    start become the ones the firmware lists.
    """
    if not spec.strict or st.post_started is None:
        return
    st.post_state = post_state(st.power, st.post_started, time.monotonic(),
                               spec.post_seconds)
    if discovered(st.post_state) and st.post_discovering is not None:
        st.iscsi_discovered = st.post_discovering
        st.post_discovering = None
    if st.post_state == 'FinishedPost':
        st.post_started = None


def stop(st: ServerState) -> None:
    """Power off: a running POST ends (undiscovered options stay unknown)."""
    st.post_state = 'PowerOff'
    st.post_started = st.post_discovering = None
