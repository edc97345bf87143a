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
"""The firmware's rules for iSCSI attempts, strict and lenient.

Where a fact about the real firmware is uncertain, the strict model takes
the reading that asks the most of a client; the lenient model is the
emulator's earlier, forgiving behaviour. iloemu/README.md ("Firmware
model") has the table of facts, answers and sources.

>>> a = IscsiAttempt('NicBoot1', enabled=True, instance=1,
...                  target_name='iqn.2010-10.org.example:v',
...                  target_ip='2001:db8::10')
>>> inferred_type(a.target_ip), a.ip_address_type
('IPv6', 'IPv4')
>>> bootable(a, strict=False), bootable(a, strict=True)
(True, False)
>>> chap_secret_ok('a' * 12), chap_secret_ok('0x' + 'ab' * 12)
(True, False)
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Dict, Mapping, Optional, Sequence

from iloemu.errors import (PropertyValueFormatError, PropertyValueNotInList,
                           TooManyItems)
from iloemu.secret import Secret
from iloemu.state import IscsiAttempt, IscsiConfig, ServerState

#: iSCSI boot sources a ProLiant holds at once (upstream ironic's release
#: note of Story 2006349; HPE: the iSCSISources array size is N, and
#: iSCSIAttemptInstance takes 1..N, 0 meaning "ignore this entry").
MAX_SOURCES = 4
ADDRESS_TYPES = ('IPv4', 'IPv6')
#: EDK2 IScsiDxe keeps the secret in CHAR8[17]: 12 to 16 characters, no
#: hex form.
_CHAP_SECRET = re.compile(r'^[\x20-\x7e]{12,16}$')
#: EDK2: TargetName[224] (223 characters), CHAPName[127].
MAX_TARGET_NAME = 223
MAX_CHAP_USER = 126
_NAME_PREFIXES = ('iqn.', 'eui.', 'naa.')


def chap_secret_ok(secret: str) -> bool:
    """EDK2's rule: 12 to 16 printable ASCII characters, nothing else."""
    return bool(_CHAP_SECRET.match(secret))


def _version(ip: str) -> Optional[int]:
    try:
        return ipaddress.ip_address(ip).version
    except ValueError:
        return None


def inferred_type(target_ip: str) -> str:
    """The lenient model's address type: the target address's family.

    The strict model keeps what was written, default IPv4: proliantutils
    never writes ``iSCSIIpAddressType``, and the firmware's default is
    IPv4 (real iLO 5 payloads in proliantutils' test data).
    """
    return 'IPv6' if _version(target_ip) == 6 else 'IPv4'


def bootable(attempt: IscsiAttempt, strict: bool) -> bool:
    """Whether the attempt makes the firmware list an iSCSI boot option.

    Both models: enabled and a target name. Strict also: an instance in
    1..4 (0 means "ignore") and a target address of the attempt's address
    type (an IPv6 portal under the default IPv4 type is no option).
    """
    if not (attempt.enabled and attempt.target_name):
        return False
    if not strict:
        return True
    version = _version(attempt.target_ip)
    return (1 <= attempt.instance <= MAX_SOURCES
            and version == (6 if attempt.ip_address_type == 'IPv6' else 4)
            and not ipaddress.ip_address(attempt.target_ip).is_unspecified)


def bootable_attempts(config: IscsiConfig, strict: bool
                      ) -> Dict[str, IscsiAttempt]:
    """NIC source -> attempt, for the attempts that give a boot option."""
    return {source: attempt for source, attempt in config.attempts.items()
            if bootable(attempt, strict)}


def listed(state: ServerState, strict: bool
           ) -> Optional[Dict[str, IscsiAttempt]]:
    """The attempts whose iSCSI options the firmware lists now.

    Strict: those the last POST discovery found; lenient: None, meaning
    the pending enabled attempts (bootsources' default).
    """
    return state.iscsi_discovered if strict else None


def booting(state: ServerState, strict: bool
            ) -> Optional[Dict[str, IscsiAttempt]]:
    """The options a starting POST boots from (None: lenient default)."""
    return bootable_attempts(state.iscsi_current, True) if strict else None


def check_patch(attempts: Sequence[Mapping[str, Any]]) -> None:
    """Strict checks on a whole iSCSI settings PATCH (neutral names).

    The array holds at most four sources; an instance is 0..4.
    """
    if len(attempts) > MAX_SOURCES:
        raise TooManyItems(name='iSCSISources', limit=MAX_SOURCES)
    for entry in attempts:
        instance = entry.get('instance', 0)
        if not 0 <= instance <= MAX_SOURCES:
            raise PropertyValueNotInList(name='iSCSIAttemptInstance',
                                         value=instance)


def check_fields(fields: Mapping[str, Any]) -> None:
    """Strict registry checks of one attempt's values (neutral names).

    A value is checked on its own, as a BIOS attribute registry does:
    target name blank or an iSCSI name; address any IP literal (its match
    with the address type is decided at POST, not here); address type
    IPv4/IPv6; CHAP user blank or up to 126 characters; CHAP secret 12-16
    printable characters (blank and null are refused: EDK2's rule has no
    empty form, so the firmware is not trusted to take one).
    """
    name = fields.get('target_name')
    if name is not None and name != '' and not (
            name.lower().startswith(_NAME_PREFIXES)
            and len(name) <= MAX_TARGET_NAME):
        raise PropertyValueFormatError(name='iSCSITargetName', value=name)
    kind = fields.get('ip_address_type')
    if kind is not None and kind not in ADDRESS_TYPES:
        raise PropertyValueNotInList(name='iSCSIIpAddressType', value=kind)
    user = fields.get('chap_user')
    if user is not None and len(user) > MAX_CHAP_USER:
        raise PropertyValueFormatError(name='iSCSIChapUsername',
                                       value='(%d characters)' % len(user))
    if 'chap_secret' in fields:
        secret = fields['chap_secret']
        if not isinstance(secret, Secret) or not chap_secret_ok(
                secret.reveal()):
            raise PropertyValueFormatError(name='iSCSIChapSecret',
                                           value='(secret withheld)')


def enabled_count(config: IscsiConfig) -> int:
    """How many attempts are enabled."""
    return sum(1 for a in config.attempts.values() if a.enabled)


def check_enabled(config: IscsiConfig) -> None:
    """Strict: at most four enabled attempts after a PATCH."""
    if enabled_count(config) > MAX_SOURCES:
        raise TooManyItems(name='iSCSISources', limit=MAX_SOURCES)
