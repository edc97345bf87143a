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

"""What one emulated iLO is: its address, generation, credentials and NICs.

Nothing here is read at import time; a :class:`ServerSpec` is built by the
caller (a test, the fleet, or the CLI from its documented sources).

>>> spec = ServerSpec('127.0.0.5', generation=9)
>>> spec.product_name, spec.password
('ProLiant DL380 Gen9', Secret('******'))
>>> [n.mac for n in spec.nics]
['9c:b6:54:05:00:01', '9c:b6:54:05:00:02']
>>> ServerSpec('10.0.0.1')
Traceback (most recent call last):
...
iloemu.errors.ConfigError: Invalid emulator configuration: 10.0.0.1 is not \
a loopback IPv4 address
"""
from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import Any, Mapping, Optional, Tuple, Union

from iloemu.auth import IDLE_TIMEOUT, MAX_SESSIONS
from iloemu.errors import ConfigError
from iloemu.secret import Secret, as_secret

GENERATIONS = (9, 10)
BOOT_MODES = ('uefi', 'legacy')
#: The firmware models: 'strict' holds a client to what real firmware
#: does where a fact is uncertain; 'lenient' is the earlier, forgiving one
#: (see iloemu/README.md, "Firmware model").
FIRMWARE_MODELS = ('strict', 'lenient')
#: The one place the default model is chosen.
DEFAULT_FIRMWARE = 'strict'
#: Seconds from a power-on or reset to POST discovery and to its end.
DEFAULT_POST_SECONDS = (0.3, 0.6)
_MAC = re.compile(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$')


@dataclasses.dataclass(frozen=True)
class NicSpec:
    """One NIC port: its MAC, and whether the firmware can boot from it."""

    mac: str
    boot_capable: bool = True

    def __post_init__(self) -> None:
        mac = self.mac.lower()
        if not _MAC.match(mac):
            raise ConfigError(reason='%r is not a MAC address' % self.mac)
        object.__setattr__(self, 'mac', mac)


def default_nics(address: str, count: int = 2) -> Tuple[NicSpec, ...]:
    """Boot-capable NICs whose MACs derive from the address's last octet.

    >>> [n.mac for n in default_nics('127.0.0.17', 1)]
    ['9c:b6:54:11:00:01']
    """
    last = int(address.rsplit('.', 1)[1])
    return tuple(NicSpec('9c:b6:54:%02x:00:%02x' % (last, port))
                 for port in range(1, count + 1))


def _check_loopback(address: str) -> None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = None
    if ip is None or ip.version != 4 or not ip.is_loopback:
        raise ConfigError(reason='%s is not a loopback IPv4 address'
                          % address)


@dataclasses.dataclass(frozen=True)
class ServerSpec:
    """The fixed description of one emulated server and its iLO.

    ``generation`` 9 is an iLO 4 (RIBCL + RIS under ``/rest/v1``), 10 an
    iLO 5 (RIBCL + Redfish under ``/redfish/v1``). ``boot_mode`` is the
    BIOS boot mode at start ('uefi' or 'legacy'). ``firmware`` picks the
    firmware model ('strict' or 'lenient', default
    :data:`DEFAULT_FIRMWARE`); under 'strict' a power-on or reset runs a
    POST that reaches discovery after ``post_seconds[0]`` and ends after
    ``post_seconds[1]`` seconds. ``check_chap_secret`` makes the lenient
    model refuse CHAP secrets outside its old rule (12 to 16 characters,
    or 0x and 24 to 32 hex digits); the strict model always applies
    EDK2's (12 to 16 printable characters). Redfish sessions end
    after ``session_timeout`` idle seconds; at most ``max_sessions`` are
    open at once (a login beyond that is refused).
    """

    address: str
    generation: int = 10
    port: int = 443
    username: str = 'Administrator'
    password: Union[str, Secret] = 'password'
    product_name: Optional[str] = None
    boot_mode: str = 'uefi'
    power: str = 'Off'
    nics: Tuple[NicSpec, ...] = ()
    initiator_name: Optional[str] = None
    serial_number: Optional[str] = None
    firmware: str = DEFAULT_FIRMWARE
    post_seconds: Tuple[float, float] = DEFAULT_POST_SECONDS
    check_chap_secret: bool = False
    session_timeout: float = IDLE_TIMEOUT
    max_sessions: int = MAX_SESSIONS

    def __post_init__(self) -> None:
        _check_loopback(self.address)
        if self.generation not in GENERATIONS:
            raise ConfigError(reason='generation must be 9 or 10')
        if self.boot_mode not in BOOT_MODES:
            raise ConfigError(reason="boot_mode must be 'uefi' or 'legacy'")
        if self.power not in ('On', 'Off'):
            raise ConfigError(reason="power must be 'On' or 'Off'")
        if self.firmware not in FIRMWARE_MODELS:
            raise ConfigError(reason="firmware must be 'strict' or "
                              "'lenient'")
        post = tuple(self.post_seconds)
        if not (len(post) == 2 and all(isinstance(t, (int, float))
                                       and not isinstance(t, bool)
                                       for t in post)
                and 0 <= post[0] <= post[1]):
            raise ConfigError(reason='post_seconds must be two numbers, '
                              '0 <= discovery <= finished')
        object.__setattr__(self, 'post_seconds', post)
        if not (isinstance(self.session_timeout, (int, float))
                and self.session_timeout > 0):
            raise ConfigError(reason='session_timeout must be a positive '
                              'number of seconds')
        if not (isinstance(self.max_sessions, int)
                and self.max_sessions > 0):
            raise ConfigError(reason='max_sessions must be a positive '
                              'integer')
        last = int(self.address.rsplit('.', 1)[1])
        fill = {
            'password': as_secret(self.password),
            'product_name': (self.product_name
                             or 'ProLiant DL380 Gen%d' % self.generation),
            'nics': tuple(self.nics) or default_nics(self.address),
            'serial_number': self.serial_number or 'EMU%07d' % last,
        }
        if not self.initiator_name:
            rom = 'p89' if self.generation == 9 else 'u30'
            fill['initiator_name'] = 'iqn.1986-03.com.hp:uefi-%s-%s' % (
                rom, fill['serial_number'].lower())
        for name, value in fill.items():
            object.__setattr__(self, name, value)
        macs = [nic.mac for nic in self.nics]
        if len(set(macs)) != len(macs):
            raise ConfigError(reason='NIC MAC addresses must be unique')

    @property
    def ilo_name(self) -> str:
        """'iLO 4' or 'iLO 5'."""
        return 'iLO 4' if self.generation == 9 else 'iLO 5'

    @property
    def strict(self) -> bool:
        """Whether the strict firmware model is in force."""
        return self.firmware == 'strict'

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> 'ServerSpec':
        """Build from plain data (a config file or the environment).

        >>> ServerSpec.from_mapping({'address': '127.0.0.9', 'nics': [
        ...     {'mac': 'AA:BB:CC:DD:EE:01', 'boot_capable': False}]}).nics
        (NicSpec(mac='aa:bb:cc:dd:ee:01', boot_capable=False),)
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(reason='unknown settings: %s'
                              % ', '.join(sorted(unknown)))
        values = dict(data)
        values['nics'] = tuple(
            nic if isinstance(nic, NicSpec) else NicSpec(**nic)
            for nic in values.get('nics', ()))
        return cls(**values)
