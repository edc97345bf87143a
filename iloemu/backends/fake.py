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

"""The fake backend: a server that is nothing but its iLO's state.

Power actions change the state at once (a real server would need seconds);
each hook call is recorded so tests can see what a machine would have been
started with.

>>> from iloemu.config import ServerSpec
>>> backend = FakeBackend(ServerSpec('127.0.0.2'))
>>> backend.power('On')
>>> [(kind, s.power) for kind, s in backend.hook_calls]
[('power-on', 'On')]
"""
from __future__ import annotations

from typing import List, Tuple

from iloemu.backends.base import Backend
from iloemu.state import ServerState


class FakeBackend(Backend):
    """State only; every hook call is kept in :attr:`hook_calls`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.hook_calls: List[Tuple[str, ServerState]] = []

    def on_power_on(self, state: ServerState) -> None:
        self.hook_calls.append(('power-on', state))

    def on_reset(self, state: ServerState) -> None:
        self.hook_calls.append(('reset', state))

    def on_power_off(self, state: ServerState) -> None:
        self.hook_calls.append(('power-off', state))
