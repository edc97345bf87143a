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

"""What became of a start, judged from the console as a person would.

The words come from the UEFI firmware (the device path it loads from;
going on to PXE after a failed iSCSI login, whose reason tgtd gives:
``why``), from iPXE (its SAN boot verdict) and from the firmware
(nothing left to boot); the state is one of :data:`STATES`.

>>> judge('iscsi', 'iSCSI target T', 'Booting from SAN device 0x80', True)
Outcome(state='booted', detail='booted from iSCSI target T')
>>> judge('iscsi', 'iSCSI target T', 'iPXE initialising devices...', True)
Outcome(state='booting', detail='booting: iSCSI target T')
>>> judge('iscsi', 'iSCSI target T', '>>Start PXE over IPv4.', True,
...       firmware=True, why=lambda: 'tgtd: no such target T')
Outcome(state='failed', detail="iSCSI boot failed: tgtd: no such target T \
(the firmware's iSCSI login failed (it went on to PXE)); iSCSI target T")
>>> judge('nothing', 'HD.Emb.1.1: no disk', 'No bootable device.', True)
Outcome(state='nothing', detail='HD.Emb.1.1: no disk; the BIOS found no \
bootable device')
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from realboot import firmwareboot, ipxe, vm

BOOTING, BOOTED, FAILED, NOTHING = 'booting', 'booted', 'failed', 'nothing'
STATES = (BOOTING, BOOTED, FAILED, NOTHING)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A state and one line saying what happened (never a secret)."""

    state: str
    detail: str

    def __str__(self) -> str:
        return self.detail

    @property
    def settled(self) -> bool:
        """Whether the start is over one way or another."""
        return self.state != BOOTING


def judge(kind: str, description: str, console: str, running: bool,
          firmware: bool = False,
          why: Optional[Callable[[], str]] = None) -> Outcome:
    """The outcome of a start of ``kind`` ('iscsi', 'network', 'nothing').

    ``description`` says what was booted (no secret in it); ``running``
    whether the VM still runs; ``firmware`` whether the UEFI firmware's
    own initiator boots the iSCSI target (else iPXE); ``why`` says why a
    firmware login failed (tgtd's side).
    """
    if kind == 'iscsi' and firmware:
        said = firmwareboot.verdict(console)
        if said and said[0]:
            return Outcome(BOOTED, 'booted from %s' % description)
        if said:
            reason = '%s (%s)' % (why(), said[1]) if why else said[1]
            return Outcome(FAILED, 'iSCSI boot failed: %s; %s' % (
                reason, description))
    verdict = ipxe.san_verdict(console)
    if kind == 'iscsi' and verdict and not firmware:
        if verdict[0]:
            return Outcome(BOOTED, 'booted from %s' % description)
        return Outcome(FAILED, 'iSCSI boot failed: %s; %s' % (
            verdict[1], description))
    if kind == 'network' and verdict:
        return Outcome(BOOTED if verdict[0] else FAILED,
                       'network boot: iPXE: %s' % verdict[1])
    given_up = vm.firmware_gave_up(console)
    if given_up:
        return Outcome(NOTHING if kind == 'nothing' else FAILED,
                       '%s; %s' % (description, given_up))
    if not running:
        return Outcome(FAILED, 'the VM stopped: %s' % description)
    return Outcome(BOOTING, 'booting: %s' % description)
