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

"""The VM's console as the demo shows it: the marker, the tail, why not.

Pure (no ironic, no qemu): the in-process ``--boot`` and the CLI demo
both print a VM's console from the line where the firmware loads its
iSCSI disk to GRUB's marker, secrets masked.
"""
from __future__ import annotations

from typing import List, Sequence

from realboot.commands import mask

#: What GRUB on the LUN prints (letters, digits, space and _.:=- only).
MARKER = 'IRONIC DEMO: booted from the iSCSI volume'
#: Console lines shown at most (the last ones, ending with the marker).
CONSOLE_LINES = 16
_IPXE_START = 'iPXE'
_FIRMWARE_LOAD = 'BdsDxe: loading Boot'


def console_excerpt(text: str, marker: str, secrets: Sequence[str] = (),
                    limit: int = CONSOLE_LINES) -> List[str]:
    """The meaningful tail of a console: from the firmware loading its
    iSCSI boot option (or iPXE's first line, where iPXE stands in) to the
    marker (or the end), at most ``limit`` lines, the last ones; secrets
    masked. Earlier lines are left out unless neither spoke (then it is
    the firmware's last lines that say why).

    >>> text = ('BdsDxe: loading Boot0001\\niPXE initialising devices...'
    ...         '\\n\\nBooting from SAN device 0x80\\nMARK\\nnoise')
    >>> console_excerpt(text, 'MARK')
    ['iPXE initialising devices...', 'Booting from SAN device 0x80', 'MARK']
    >>> console_excerpt('BdsDxe: loading Boot0000 "Shell"\\nBdsDxe: loading '
    ...                 'Boot0001 "X" from PciRoot(0x0)/iSCSI(iqn.x:v,0x1)\\n'
    ...                 'MARK', 'MARK')[0][-19:]
    '/iSCSI(iqn.x:v,0x1)'
    >>> console_excerpt('a\\nb\\nc', 'MARK', limit=2)
    ['b', 'c']
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines)
                  if _IPXE_START in line), None)
    if start is None:  # the firmware's own initiator: from its iSCSI load
        start = next((i for i, line in enumerate(lines)
                      if _FIRMWARE_LOAD in line and '/iSCSI(' in line), 0)
    end = next((i + 1 for i, line in enumerate(lines)
                if i >= start and marker in line), len(lines))
    return [mask(line, secrets) for line in lines[start:end][-limit:]]


def reason(error: str) -> str:
    """An error's first line, without the console it announces (the
    console is printed on its own).

    >>> reason("'M' on the console: not seen within 4 s; last console "
    ...        "lines:\\niPXE initialising devices...")
    "'M' on the console: not seen within 4 s"
    >>> reason('VM x: iSCSI boot failed: No such device; console:\\nlines')
    'VM x: iSCSI boot failed: No such device'
    """
    first = error.split('\n', 1)[0].rstrip()
    for announcement in ('; last console lines:', '; console:'):
        if first.endswith(announcement):
            first = first[:-len(announcement)]
    return first
