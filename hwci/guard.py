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

"""A server's state before a run, and putting it back afterwards.

:func:`snapshot` reads what a run may change (power, boot mode current
and pending, persistent boot device, boot override, initiator name and
iSCSI attempts, current and pending) through :mod:`hwci.reader`.
:func:`restore` writes back what differs: the pending boot mode, the
pending iSCSI attempts and initiator name, the boot override; then, if
what the firmware applied differs, one POST cycle applies them (power
on or reset, until ``FinishedPost``); then the power; then it reads
everything again and fails naming each field still different.

What cannot be restored: a CHAP secret iLO held before the run (iLO
never gives one back); the run overwrites it only on the attempt of the
server's ``boot_mac``.

>>> a = ServerState('OFF', 'UEFI', 'UEFI', None, {}, 'iqn.x', 'iqn.x',
...                 {'NicBoot1': {'iSCSITargetName': ''}}, {})
>>> b = dataclasses.replace(a, power='ON', iscsi={'NicBoot1': {
...     'iSCSITargetName': 'iqn.y'}})
>>> differences(a, b)
['power', 'iscsi[NicBoot1].iSCSITargetName']
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Dict, List, Optional

from hwci.reader import Reader
from hwci.targets import Timeouts

Say = Callable[[str], None]


class RestoreError(Exception):
    """A server's state could not be put back (fields named)."""


@dataclasses.dataclass(frozen=True)
class ServerState:
    """What a run may change on one server, as read back."""

    power: str
    boot_mode: str
    pending_boot_mode: str
    persistent_boot: Optional[str]
    boot: Dict[str, Any]
    initiator: str
    pending_initiator: str
    iscsi: Dict[str, Dict[str, Any]]
    iscsi_current: Dict[str, Dict[str, Any]]

    def applied(self) -> tuple:
        """What the firmware applied at the last POST."""
        return self.boot_mode, self.initiator, self.iscsi_current


def snapshot(reader: Reader) -> ServerState:
    """Read the server's state (proliantutils' getters and HTTPS GETs)."""
    client = reader.client()
    initiator, current = reader.iscsi(pending=False)
    pending_initiator, pending = reader.iscsi(pending=True)
    return ServerState(
        client.get_host_power_status(), client.get_current_boot_mode(),
        client.get_pending_boot_mode(), client.get_persistent_boot_device(),
        reader.boot(), initiator, pending_initiator, pending, current)


def differences(before: ServerState, after: ServerState) -> List[str]:
    """The fields (attempt fields by NIC source) that differ."""
    found = []
    for field in dataclasses.fields(ServerState):
        old, new = getattr(before, field.name), getattr(after, field.name)
        if field.name.startswith('iscsi'):
            for source in sorted(set(old) | set(new)):
                a, b = old.get(source, {}), new.get(source, {})
                found += ['%s[%s].%s' % (field.name, source, key)
                          for key in sorted(set(a) | set(b))
                          if a.get(key) != b.get(key)]
        elif old != new:
            found.append(field.name)
    return found


def wait_for(what: str, read: Callable[[], Any], wanted: Any,
             timeout: float, poll: float) -> None:
    """Poll ``read()`` until it returns one of ``wanted``.

    :raises RestoreError: after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value in wanted:
            return
        if time.monotonic() > deadline:
            raise RestoreError('%s: still %s after %d s' % (
                what, value, timeout))
        time.sleep(poll)


def _set_power(client: Any, power: str, timeouts: Timeouts) -> None:
    if power == 'ON':
        client.set_host_power('ON')
    else:
        client.hold_pwr_btn()  # what ironic's iLO power interface does
    wait_for('power', client.get_host_power_status, (power,),
             timeouts.restore, timeouts.power_wait)


def _post_cycle(reader: Reader, timeouts: Timeouts, say: Say) -> None:
    """Power on (or reset) and wait for the end of POST: the firmware
    applies the pending settings."""
    client = reader.client()
    say('%s: a POST cycle applies the restored settings (up to %d s)'
        % (reader.server.name, timeouts.restore))
    if client.get_host_power_status() == 'ON':
        client.reset_server()
    else:
        client.set_host_power('ON')
    wait_for('%s POST' % reader.server.name, client.get_host_post_state,
             ('FinishedPost',), timeouts.restore, timeouts.post_poll)


def restore(reader: Reader, initial: ServerState, timeouts: Timeouts,
            say: Say = print) -> None:
    """Put the server back as ``initial`` holds it, then verify.

    :raises RestoreError: naming the fields that still differ.
    """
    name = reader.server.name
    now = snapshot(reader)
    changed = differences(initial, now)
    if not changed:
        say('%s: unchanged' % name)
        return
    say('%s: restoring %s' % (name, ', '.join(changed)))
    client = reader.client()
    if now.pending_boot_mode != initial.pending_boot_mode:
        client.set_pending_boot_mode(initial.pending_boot_mode)
    attempts = [dict(entry) for source, entry in initial.iscsi.items()
                if now.iscsi.get(source) != entry]
    initiator = (initial.pending_initiator
                 if now.pending_initiator != initial.pending_initiator
                 else None)
    if attempts or initiator is not None:
        reader.patch_iscsi(initiator, attempts)
    boot = {key: value for key, value in initial.boot.items()
            if now.boot.get(key) != value}
    if boot:
        reader.patch_boot(boot)
    if snapshot(reader).applied() != initial.applied():
        _post_cycle(reader, timeouts, say)
    if client.get_host_power_status() != initial.power:
        _set_power(client, initial.power, timeouts)
    left = differences(initial, snapshot(reader))
    if left:
        raise RestoreError('%s: not restored: %s' % (name, ', '.join(left)))
    say('%s: restored and read back' % name)


def as_json(states: Dict[str, ServerState]) -> Dict[str, Any]:
    """Plain data of states by server name (no secrets: none is read)."""
    return {name: dataclasses.asdict(state)
            for name, state in sorted(states.items())}
