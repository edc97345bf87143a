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

"""iPXE scripts for booting from an iSCSI LUN, and reading iPXE's verdict.

In UEFI mode iPXE EFI stands in for the firmware's iSCSI initiator: it is
fed a script written from exactly the iSCSI settings iLO holds (initiator
name, CHAP user and secret, target portal, LUN, IQN) and nothing else.

>>> target = SanTarget('10.0.2.100', 3260, 10, 'iqn.2024-01.org.example:t')
>>> sanboot_uri(target)
'iscsi:10.0.2.100::3260:a:iqn.2024-01.org.example:t'
>>> print(boot_script(target, IscsiLogin('iqn.2024-01.org.example:i',
...                                      'user', 'Secret-12345')), end='')
#!ipxe
set initiator-iqn iqn.2024-01.org.example:i
set username user
set password Secret-12345
sanboot iscsi:10.0.2.100::3260:a:iqn.2024-01.org.example:t

iPXE reads the LUN of an ``iscsi:`` URI as hexadecimal (``scsi_parse_lun``
uses base 16), so LUN 10 is written ``a``.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Optional, Tuple

from realboot.errors import ScriptValueError

#: What a value in a ``set`` line or URI may hold: no white space (it
#: ends an argument), no ``$`` (setting expansion), no ``|``/``&``/``;``
#: (command separators) and no ``#`` (comments).
_SAFE = re.compile(r'^[\x21-\x7e]+$')
_UNSAFE_CHARS = set('$|&;#')
_IQN = re.compile(r'^(iqn\.\d{4}-\d{2}\.[^\s:]+(:\S+)?|eui\.[0-9A-Fa-f]{16})$')

#: iPXE's words for a SAN boot that failed, and the line that starts one.
_FAILURES = (
    re.compile(r'Could not open SAN device: ([^(\r\n]+)'),
    re.compile(r'Boot from SAN device 0x[0-9a-fA-F]+ failed: ([^(\r\n]+)'),
    re.compile(r'Could not boot image: ([^(\r\n]+)'),
    re.compile(r'Could not boot: ([^(\r\n]+)'),
)
_BOOTING = 'Booting from SAN device'


@dataclasses.dataclass(frozen=True)
class SanTarget:
    """An iSCSI LUN as the guest reaches it."""

    address: str
    port: int
    lun: int
    iqn: str


@dataclasses.dataclass(frozen=True)
class IscsiLogin:
    """Who the initiator says it is; the secret never shows in a repr."""

    initiator_iqn: Optional[str] = None
    chap_user: Optional[str] = None
    chap_secret: Optional[str] = dataclasses.field(default=None, repr=False)


def check_value(name: str, value: str, secret: bool = False) -> str:
    """``value`` if it can stand as one argument of an iPXE command.

    The error names the value only when it is not a secret.

    >>> check_value('CHAP secret', 'a b', secret=True)
    Traceback (most recent call last):
    ...
    realboot.errors.ScriptValueError: the CHAP secret cannot go into an \
iPXE script: white space, control characters, non-ASCII or one of $|&;#
    """
    if not _SAFE.match(value) or _UNSAFE_CHARS & set(value):
        raise ScriptValueError(
            name=name, reason=('white space, control characters, non-ASCII '
                               'or one of $|&;#') if secret else
            '%r holds white space, control characters, non-ASCII or one of '
            '$|&;#' % value)
    return value


def check_iqn(name: str, value: str) -> str:
    """``value`` if it has the form of an iSCSI qualified name.

    >>> check_iqn('target IQN', 'iqn.2024-01.org.example:vol-1')
    'iqn.2024-01.org.example:vol-1'
    >>> check_iqn('target IQN', 'vol-1')
    Traceback (most recent call last):
    ...
    realboot.errors.ScriptValueError: the target IQN cannot go into an \
iPXE script: 'vol-1' is not an iqn./eui. name
    """
    check_value(name, value)
    if not _IQN.match(value):
        raise ScriptValueError(name=name,
                               reason='%r is not an iqn./eui. name' % value)
    return value


def sanboot_uri(target: SanTarget) -> str:
    """``iscsi:<address>::<port>:<lun in hex>:<iqn>``."""
    if not 0 < target.port < 65536:
        raise ScriptValueError(name='target port',
                               reason='%r is out of range' % target.port)
    if not 0 <= target.lun < 256:
        raise ScriptValueError(name='LUN', reason='%r is outside 0-255, '
                               'the peripheral addressing iPXE writes'
                               % target.lun)
    check_value('target address', target.address)
    check_iqn('target IQN', target.iqn)
    return 'iscsi:%s::%d:%x:%s' % (target.address, target.port, target.lun,
                                   target.iqn)


def boot_script(target: SanTarget, login: IscsiLogin = IscsiLogin()) -> str:
    """The script: initiator name, CHAP credentials, ``sanboot``.

    No ``dhcp`` line: iPXE configured the NIC when it fetched the script.
    """
    lines = ['#!ipxe']
    if login.initiator_iqn:
        lines.append('set initiator-iqn %s' % check_iqn(
            'initiator IQN', login.initiator_iqn))
    if (login.chap_user is None) != (login.chap_secret is None):
        raise ScriptValueError(name='CHAP credentials',
                               reason='a user needs a secret and back')
    if login.chap_user is not None and login.chap_secret is not None:
        lines.append('set username %s' % check_value('CHAP user',
                                                     login.chap_user))
        lines.append('set password %s' % check_value(
            'CHAP secret', login.chap_secret, secret=True))
    lines.append('sanboot %s' % sanboot_uri(target))
    return '\n'.join(lines) + '\n'


def san_verdict(console: str) -> Optional[Tuple[bool, str]]:
    """What iPXE said of its SAN boot: (handed over?, its words), or None.

    A failure line wins over the start line (iPXE prints "Booting from SAN
    device" before it reads the boot loader, which may still fail).

    >>> san_verdict('Booting from SAN device 0x80\\r\\n')
    (True, 'Booting from SAN device 0x80')
    >>> san_verdict('Could not open SAN device: Permission denied '
    ...             '(http://ipxe.org/0216e13c)')
    (False, 'Could not open SAN device: Permission denied')
    >>> san_verdict('iPXE initialising devices...') is None
    True
    """
    for pattern in _FAILURES:
        match = pattern.search(console)
        if match:
            return False, match.group(0).strip()
    index = console.find(_BOOTING)
    if index >= 0:
        return True, console[index:].splitlines()[0].strip()
    return None
