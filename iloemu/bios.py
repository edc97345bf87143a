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

"""BIOS attributes the emulated firmware knows, and their allowed values.

>>> normalize_attributes({'BootMode': 'uefi', 'UefiOptimizedBoot': 'Enabled'})
{'BootMode': 'Uefi', 'UefiOptimizedBoot': 'Enabled'}
>>> normalize_attributes({'BootMode': 'Floppy'})
Traceback (most recent call last):
...
iloemu.errors.PropertyValueNotInList: The value Floppy is not allowed for \
the property BootMode
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from iloemu.errors import (PropertyUnknown, PropertyValueFormatError,
                           PropertyValueNotInList)

_ON_OFF = ('Enabled', 'Disabled')

#: Attribute -> allowed values (None: free text).
ATTRIBUTES: Dict[str, Optional[Tuple[str, ...]]] = {
    'BootMode': ('Uefi', 'LegacyBios'),
    'UefiOptimizedBoot': _ON_OFF,
    'BootOrderPolicy': ('RetryIndefinitely', 'AttemptOnce',
                        'ResetAfterFailed'),
    'EmbeddedUefiShell': _ON_OFF,
    'ProcVirtualization': _ON_OFF,
    'Sriov': _ON_OFF,
    'SecureBootStatus': _ON_OFF,
    'CustomPostMessage': None,
    'UefiShellStartupUrl': None,
}


def default_attributes(boot_mode: str) -> Dict[str, str]:
    """The attributes of a fresh server in 'uefi' or 'legacy' mode."""
    uefi = boot_mode == 'uefi'
    return {
        'BootMode': 'Uefi' if uefi else 'LegacyBios',
        'UefiOptimizedBoot': 'Enabled' if uefi else 'Disabled',
        'BootOrderPolicy': 'RetryIndefinitely',
        'EmbeddedUefiShell': 'Enabled',
        'ProcVirtualization': 'Enabled',
        'Sriov': 'Enabled',
        'SecureBootStatus': 'Disabled',
        'CustomPostMessage': '',
        'UefiShellStartupUrl': '',
    }


def boot_mode_name(value: str) -> str:
    """'uefi' or 'legacy' for a BootMode attribute value.

    >>> boot_mode_name('LegacyBios'), boot_mode_name('Uefi')
    ('legacy', 'uefi')
    """
    return 'uefi' if value == 'Uefi' else 'legacy'


def normalize_attributes(patch: Mapping[str, Any]) -> Dict[str, str]:
    """Check a patch of attributes; values come back in canonical case.

    iLO takes enumerated values in any case (proliantutils writes
    ``BootMode: 'uefi'`` on Gen9); unknown attributes are refused.
    """
    result = {}
    for name, value in patch.items():
        if name not in ATTRIBUTES:
            raise PropertyUnknown(name=name)
        if not isinstance(value, str):
            raise PropertyValueFormatError(name=name, value=type(value)
                                           .__name__)
        allowed = ATTRIBUTES[name]
        if allowed is not None:
            matches = [a for a in allowed if a.lower() == value.lower()]
            if not matches:
                raise PropertyValueNotInList(name=name, value=value)
            value = matches[0]
        result[name] = value
    return result
