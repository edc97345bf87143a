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

"""The boot options the firmware reports, derived from the server's state.

A real BIOS tells iLO its boot options at POST; here they follow from the
disk, the NICs, the virtual CD and the iSCSI attempts.  ``offered`` names
the attempts whose iSCSI option is listed (the firmware model decides:
iloemu.firmware); by default the pending enabled ones with a target.

>>> from iloemu.config import ServerSpec
>>> from iloemu.state import initial_state
>>> state = initial_state(ServerSpec('127.0.0.2', generation=9))
>>> [s.structured for s in boot_sources(state, 9)][:3]
['HD.Emb.1.1', 'NIC.LOM.1.1.IPv4', 'NIC.LOM.1.1.IPv6']
"""
from __future__ import annotations

import dataclasses
import ipaddress
from typing import List, Mapping, Optional, Sequence

from iloemu.state import IscsiAttempt, Nic, ServerState

#: BootSourceOverrideTarget values each generation accepts.
OVERRIDE_TARGETS = {
    9: ('None', 'Cd', 'Hdd', 'Usb', 'Utilities', 'Diags', 'BiosSetup',
        'Pxe', 'UefiShell', 'UefiTarget'),
    10: ('None', 'Cd', 'Hdd', 'Usb', 'SDCard', 'Utilities', 'Diags',
         'BiosSetup', 'Pxe', 'UefiShell', 'UefiHttp', 'UefiTarget'),
}
OVERRIDE_ENABLED = ('Disabled', 'Once', 'Continuous')


@dataclasses.dataclass(frozen=True)
class BootSource:
    """One boot option as the BIOS boot resource lists it."""

    structured: str
    boot_string: str
    device_path: str
    correlatable_id: str
    kind: str


def _brand(generation: int) -> str:
    return 'HP' if generation == 9 else 'HPE'


def _disk(generation: int) -> BootSource:
    if generation == 9:
        name = 'Smart Array P440ar Controller'
    else:
        name = 'HPE Smart Array P408i-a SR Gen10'
    path = 'PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)'
    return BootSource(
        'HD.Emb.1.1', 'Embedded RAID 1 : %s - 279.37 GiB, RAID 0 Logical '
        'Drive(Target:0, Lun:0)' % name, path + '/Scsi(0x0,0x0)', path,
        'hdd')


def _cd(generation: int) -> BootSource:
    label = ('HP iLO Virtual USB CD : HP iLO Virtual CD-ROM'
             if generation == 9 else 'iLO Virtual USB 2 : HPE Virtual CD-ROM')
    path = 'PciRoot(0x0)/Pci(0x1D,0x0)/USB(0x0,0x0)/USB(0x1,0x0)'
    return BootSource('CD.Virtual.2.1', label, path, path, 'cd')


def _nic_label(nic: Nic, generation: int, what: str) -> str:
    return ('Embedded LOM 1 Port %d : %s Ethernet 1Gb 4-port 331i Adapter '
            '- NIC (%s)' % (nic.port, _brand(generation), what))


def _pxe(nic: Nic, generation: int) -> List[BootSource]:
    mac = '%s/MAC(%s,0x1)' % (nic.device_path, nic.mac_token)
    return [
        BootSource(nic.structured_name + '.IPv4',
                   _nic_label(nic, generation, 'PXE IPv4'),
                   mac + '/IPv4(0.0.0.0)', nic.device_path, 'pxe'),
        BootSource(nic.structured_name + '.IPv6',
                   _nic_label(nic, generation, 'PXE IPv6'),
                   mac + '/IPv6(0000:0000:0000:0000:0000:0000:0000:0000)',
                   nic.device_path, 'pxe')]


def _iscsi(nic: Nic, attempt: IscsiAttempt, generation: int) -> BootSource:
    try:
        version = ipaddress.ip_address(attempt.target_ip).version
    except ValueError:
        version = 4
    ip = 'IPv%d(%s)' % (version, attempt.target_ip)
    lun = attempt.lun if attempt.lun.isdigit() else '0'
    path = '%s/MAC(%s,0x1)/%s/iSCSI(%s,0x%X,0x0,None,None,None,TCP)' % (
        nic.device_path, nic.mac_token, ip, attempt.target_name, int(lun))
    return BootSource(nic.structured_name + '.iSCSI',
                      _nic_label(nic, generation, 'iSCSI IPv%d' % version),
                      path, nic.device_path, 'iscsi')


def pending_offered(state: ServerState) -> Mapping[str, IscsiAttempt]:
    """The pending enabled attempts with a target (the lenient model)."""
    return {source: attempt
            for source, attempt in state.iscsi_pending.attempts.items()
            if attempt.enabled and attempt.target_name}


def boot_sources(state: ServerState, generation: int,
                 offered: Optional[Mapping[str, IscsiAttempt]] = None
                 ) -> List[BootSource]:
    """All boot options, disk first, then NICs, iSCSI and the virtual CD."""
    if offered is None:
        offered = pending_offered(state)
    sources = [_disk(generation)]
    for nic in state.nics:
        if nic.boot_capable:
            sources += _pxe(nic, generation)
    for nic in state.nics:
        attempt = offered.get(nic.nic_boot or '')
        if attempt is not None:
            sources.append(_iscsi(nic, attempt, generation))
    sources.append(_cd(generation))
    return sources


def uefi_targets(state: ServerState, generation: int,
                 offered: Optional[Mapping[str, IscsiAttempt]] = None
                 ) -> List[BootSource]:
    """What UefiTargetBootSourceOverride may name (none in legacy mode)."""
    if state.boot_mode() != 'uefi':
        return []
    return boot_sources(state, generation, offered)


def find(sources: Sequence[BootSource], key: str) -> Optional[BootSource]:
    """The source with this structured name or device path, if any."""
    for source in sources:
        if key in (source.structured, source.device_path):
            return source
    return None


def ordered(order: Sequence[str],
            sources: Sequence[BootSource]) -> List[str]:
    """The stored order, without vanished options, new options appended.

    >>> src = [BootSource('A', '', '', '', 'hdd'),
    ...        BootSource('B', '', '', '', 'pxe')]
    >>> ordered(['B', 'Z'], src)
    ['B', 'A']
    """
    known = [s.structured for s in sources]
    result = [name for name in order if name in known]
    return result + [name for name in known if name not in result]
