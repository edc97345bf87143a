"""The volumes of the real-boot group: names, LUNs, markers, credentials.

One place for what the scenarios and the target agree on. The connector
IQN is what a node's volume connector of type ``iqn`` holds; the targets
let only that initiator in, as Cinder exports a volume to one connector.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from realboot.target import ChapAccount

PREFIX = 'iqn.2024-05.org.example.realboot'
CONNECTOR_IQN = PREFIX + ':node-connector'
#: What the legacy iPXE script presents (ironic's iPXE path sends the
#: connector IQN too).
BIOS_INITIATOR_IQN = PREFIX + ':bios-node-connector'
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


UEFI = Volume(1, PREFIX + ':uefi-volume', 1, 'REALBOOT MARKER uefi-volume')
UEFI_CHAP = Volume(2, PREFIX + ':uefi-chap-volume', 3,
                   'REALBOOT MARKER uefi-chap-volume', chap=CHAP)
BIOS = Volume(3, PREFIX + ':bios-volume', 1, 'REALBOOT MARKER bios-volume',
              bios=True, initiator=BIOS_INITIATOR_IQN)
ALL = (UEFI, UEFI_CHAP, BIOS)
