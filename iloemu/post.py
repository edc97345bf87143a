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

from typing import Optional, Tuple

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
