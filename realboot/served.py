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

"""One UEFI LUN, built at run time, served by a tgtd of its own to one IQN.

What a Cinder backend gives a node for boot from volume, made real on
loopback: a tgtd on 127.0.0.1 (a free port) with one target whose one
read-only LUN holds a FAT file system with a GRUB that prints
``marker``; only ``initiator`` (the node's ``iqn`` volume connector) may
log in, optionally with CHAP. For the demo's ``--boot`` and for tests
that want a volume of their own.

>>> volume = ServedVolume('iqn.2024-05.org.example:v', 1,
...                       'iqn.2024-05.org.example:host', 'MARK',
...                       ChapAccount('u', 'Secret-12345'), None)
>>> volume.portal, volume.chap
('127.0.0.1:0', ChapAccount(user='u'))
>>> target_spec(volume, Path('/x/v.img'))  # doctest: +NORMALIZE_WHITESPACE
TargetSpec(tid=1, iqn='iqn.2024-05.org.example:v',
           backing=PosixPath('/x/v.img'), lun=1,
           initiators=('iqn.2024-05.org.example:host',),
           chap=ChapAccount(user='u'))
"""
from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Iterator, Optional

from realboot import images
from realboot.target import (ChapAccount, PORTAL_ADDRESS, TargetSpec,
                             TgtDaemon)

__all__ = ['ChapAccount', 'ServedVolume', 'serve_uefi_lun', 'target_spec']

#: The target id of the one target.
TID = 1


@dataclasses.dataclass(frozen=True)
class ServedVolume:
    """A served LUN as a volume target in ironic names it.

    ``daemon`` is the tgtd serving it (None only outside
    :func:`serve_uefi_lun`, e.g. in doctests); its port is the portal's.
    """

    iqn: str
    lun: int
    initiator: str
    marker: str
    chap: Optional[ChapAccount]
    daemon: Optional[TgtDaemon] = dataclasses.field(repr=False,
                                                    compare=False)

    @property
    def address(self) -> str:
        """The portal address: always loopback."""
        return PORTAL_ADDRESS

    @property
    def port(self) -> int:
        """The portal port tgtd listens on (0 before it started)."""
        return self.daemon.port if self.daemon is not None else 0

    @property
    def portal(self) -> str:
        """``127.0.0.1:<port>``: a volume target's ``target_portal``."""
        return '%s:%d' % (self.address, self.port)


def target_spec(volume: ServedVolume, image: Path) -> TargetSpec:
    """The tgt target of ``volume``: its LUN backed by ``image``, bound
    to the one initiator, with CHAP if the volume has it."""
    return TargetSpec(TID, volume.iqn, image, volume.lun,
                      (volume.initiator,), volume.chap)


@contextlib.contextmanager
def serve_uefi_lun(directory: Path, iqn: str, initiator: str, marker: str,
                   lun: int = 1, chap: Optional[ChapAccount] = None,
                   tgtd: Optional[Path] = None) -> Iterator[ServedVolume]:
    """Build the UEFI LUN in ``directory``, serve it, stop tgtd at the end.

    ``tgtd``: the binary (the patched build for the firmware's SHA-256
    CHAP; None: Debian's).

    tgtd is stopped (targets deleted, then SIGKILL if it stays) whatever
    ends the block, a KeyboardInterrupt included; a failure while the
    target is set up stops it too.

    :raises realboot.errors.RealBootError: the image or the target could
        not be made (the message names no CHAP secret).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    image = images.build_uefi_lun(directory / 'uefi-lun.img', marker)
    daemon = TgtDaemon(directory / 'tgtd', tgtd=tgtd)
    try:
        daemon.start()
        volume = ServedVolume(iqn, lun, initiator, marker, chap, daemon)
        daemon.add(target_spec(volume, image))
        yield volume
    finally:
        daemon.stop()
