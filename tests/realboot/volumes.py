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

"""The volumes of the real-boot group: names, LUNs, markers, credentials.

One place for what the scenarios and the target agree on. The connector
IQN is what a node's volume connector of type ``iqn`` holds; the targets
let only that initiator in, as Cinder exports a volume to one connector.
Each kind of volume exists once per server generation (``UEFI[9]``,
``UEFI[10]``, ...), so that the Gen9 and the Gen10 server of a test
boot side by side, each with its own connector.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, Optional

from realboot.target import ChapAccount

PREFIX = 'iqn.2024-05.org.example.realboot'
CONNECTOR_IQN = PREFIX + ':node-connector'
GENERATIONS = (9, 10)
CHAP = ChapAccount('realboot-user', 'Realboot-1234')
WRONG_SECRET = 'Realboot-9999'


@dataclasses.dataclass(frozen=True)
class Volume:
    """A target with one LUN whose boot loader prints ``marker``."""

    tid: int
    iqn: str
    lun: int
    marker: str
    bios: bool = False
    initiator: str = CONNECTOR_IQN
    chap: Optional[ChapAccount] = None

    @property
    def image_name(self) -> str:
        """The file the LUN is backed by."""
        return self.iqn.rsplit(':', 1)[1] + '.img'


def _per_server(first_tid: int, name: str, lun: int, bios: bool = False,
                chap: Optional[ChapAccount] = None) -> Dict[int, Volume]:
    """A volume for the Gen9 and one for the Gen10 server, each exported
    to that server's connector only (a connector IQN is unique in ironic).
    """
    return {gen: Volume(first_tid + i, '%s:%s-gen%d' % (PREFIX, name, gen),
                        lun, 'REALBOOT MARKER %s-gen%d' % (name, gen),
                        bios, connector_iqn(gen), chap)
            for i, gen in enumerate(GENERATIONS)}


def connector_iqn(generation: int) -> str:
    """The IQN of the volume connector of the Gen``generation`` node.

    >>> connector_iqn(9)
    'iqn.2024-05.org.example.realboot:node-connector-gen9'
    """
    return '%s-gen%d' % (CONNECTOR_IQN, generation)


UEFI = _per_server(1, 'uefi-volume', 1)
UEFI_CHAP = _per_server(3, 'uefi-chap-volume', 3, chap=CHAP)
BIOS = _per_server(5, 'bios-volume', 1, bios=True)
#: LUN 10: the firmware reads it as 10; iPXE reads an ``iscsi:`` URI's
#: LUN as hexadecimal, so ironic's decimal "10" addresses LUN 16.
UEFI_LUN10 = _per_server(7, 'uefi-lun10-volume', 10)
BIOS_LUN10 = _per_server(9, 'bios-lun10-volume', 10, bios=True)
ALL = tuple(volume for volumes in (UEFI, UEFI_CHAP, BIOS, UEFI_LUN10,
                                   BIOS_LUN10)
            for volume in volumes.values())
#: A second LUN on each BIOS LUN 10 target: LUN 16 (0x10), which a hex
#: reading of "10" reaches. Its marker says so.
DECOYS = tuple(dataclasses.replace(
    volume, lun=16, marker='REALBOOT MARKER LUN 16 of %s' % volume.iqn)
    for volume in BIOS_LUN10.values())
