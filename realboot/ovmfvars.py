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

"""OVMF's iSCSI configuration written into its UEFI variable store.

A ProLiant's iLO configures the iSCSI initiator of the server's UEFI
firmware; here the firmware is OVMF, whose ``NetworkPkg/IScsiDxe`` reads
its configuration from UEFI variables at start. This module writes those
variables from a plain description (:class:`IscsiConfig`: the initiator
name and up to eight :class:`Attempt`), into a copy of Debian's blank
``OVMF_VARS.fd``, with PyPI's ``virt-firmware`` (imported only when a
store is read or written).

The variables (attributes NV|BS), as IScsiDxe keeps them:

* ``I_NAME`` (:data:`NVDATA_GUID`): the initiator IQN, ASCII, NUL-ended.
* ``Attempt 1`` .. ``Attempt 8`` (:data:`NVDATA_GUID`): one
  ``ISCSI_ATTEMPT_CONFIG_NVDATA`` each (1049 bytes, packed); the layout
  is :data:`FIELDS`, the only place that knows offsets. Unused attempts
  hold what IScsiDxe itself writes into a blank store.
* ``InitialAttemptOrder`` (:data:`CONFIG_GUID`): ``01..08``. Any other
  value makes the driver replace every attempt with its defaults.
* ``AttemptOrder`` (:data:`CONFIG_GUID`): the numbers of the attempts in
  use, in boot order.

>>> attempt = Attempt(mac='9c:b6:54:02:00:01', target_iqn='iqn.x:vol',
...                   target_ip='10.0.2.100', lun=10)
>>> data = attempt_bytes(1, attempt)
>>> len(data), data[26:35], data[38:55]
(1049, b'Attempt 1', b'9C:B6:54:02:00:01')
>>> data[465:473].hex(), parse_attempt(data) == attempt
('000a000000000000', True)
>>> Chap('user', 'Secret-12345')
Chap(user='user')
"""
from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path
import struct
from typing import Dict, List, Optional, Sequence, Tuple

from realboot.errors import RealBootError

#: gIScsiConfigGuid: AttemptOrder, InitialAttemptOrder.
CONFIG_GUID = '4b47d616-a8d6-4552-9d44-ccad2e0f4cf9'
#: gEfiIScsiInitiatorNameProtocolGuid: I_NAME and the attempts.
NVDATA_GUID = '59324945-ec44-4c0d-b1cd-9db139df070c'
#: EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS.
ATTRIBUTES = 3
ATTEMPT_SIZE = 1049
MAX_ATTEMPTS = 8
INITIATOR_NAME = 'I_NAME'
ATTEMPT_ORDER = 'AttemptOrder'
INITIAL_ATTEMPT_ORDER = 'InitialAttemptOrder'

#: IScsiDxe's defaults for a fresh attempt (port 3260, 1000 ms, no
#: retry, one-way CHAP selected but not enabled).
DEFAULT_PORT = 3260
DEFAULT_TIMEOUT_MS = 1000
DEFAULT_RETRIES = 0
#: Ranges IScsiDxe's form accepts.
TIMEOUT_RANGE_MS = (100, 20000)
RETRY_RANGE = (0, 16)
#: EDK2 accepts CHAP secrets of 12 to 16 characters; the store has room
#: for 17 bytes (the NUL included). Other lengths are written as given:
#: the firmware, not this module, refuses them (what the tests prove).
CHAP_SECRET_LENGTHS = (12, 16)

AUTH_NONE = 0
AUTH_CHAP = 1
CHAP_ONE_WAY = 0
IP_MODE_IPV4 = 0
ENABLED = 1
ACTIVE = 1


@dataclasses.dataclass(frozen=True)
class Field:
    """One member of ISCSI_ATTEMPT_CONFIG_NVDATA: offset and struct format.

    Byte arrays are ``<n>s``; strings in them are NUL-padded ASCII.
    """

    name: str
    offset: int
    fmt: str

    @property
    def size(self) -> int:
        """Bytes the member takes."""
        return struct.calcsize('<' + self.fmt)


#: The layout (pack(1); edk2-stable201903 to today). Members not named
#: here (the in-memory list link, HII tokens, DNS, redirection, reverse
#: CHAP, ...) stay zero, as IScsiDxe leaves them in a new attempt.
FIELDS: Tuple[Field, ...] = (
    Field('attempt_index', 17, 'B'),
    Field('attempt_name', 26, '12s'),
    Field('mac_string', 38, '96s'),
    Field('target_port', 182, 'H'),
    Field('enabled', 184, 'B'),
    Field('ip_mode', 185, 'B'),
    Field('local_ip', 186, '16s'),
    Field('subnet_mask', 202, '4s'),
    Field('gateway', 206, '16s'),
    Field('initiator_from_dhcp', 222, 'B'),
    Field('target_from_dhcp', 223, 'B'),
    Field('target_name', 224, '224s'),
    Field('target_ip', 448, '16s'),
    Field('boot_lun', 465, '8s'),
    Field('connect_timeout', 473, 'H'),
    Field('connect_retry_count', 475, 'B'),
    Field('isid', 476, '6s'),
    Field('authentication_type', 757, 'B'),
    Field('chap_type', 758, 'B'),
    Field('chap_name', 759, '127s'),
    Field('chap_secret', 886, '17s'),
    Field('actived', 1048, 'B'),
)
_FIELD = {field.name: field for field in FIELDS}


class VarStoreError(RealBootError):
    """A value that does not fit the store, or a store we cannot use."""

    msg_fmt = 'OVMF variable store: %(reason)s'


@dataclasses.dataclass(frozen=True)
class Chap:
    """One-way CHAP credentials; the secret stays out of the repr."""

    user: str
    secret: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class StaticAddress:
    """The initiator's own IPv4 address when it does not use DHCP."""

    address: str
    netmask: str
    gateway: str = '0.0.0.0'


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One iSCSI boot attempt, bound to the NIC with ``mac``.

    ``static`` None means the initiator takes its address by DHCP; the
    target (IQN, address, port, LUN) is always given here.
    """

    mac: str
    target_iqn: str
    target_ip: str
    target_port: int = DEFAULT_PORT
    lun: int = 0
    static: Optional[StaticAddress] = None
    connect_timeout_ms: int = DEFAULT_TIMEOUT_MS
    connect_retries: int = DEFAULT_RETRIES
    chap: Optional[Chap] = None
    vlan: int = 0


@dataclasses.dataclass(frozen=True)
class IscsiConfig:
    """What the firmware is told: its initiator name and its attempts."""

    initiator_name: str
    attempts: Tuple[Attempt, ...] = ()


# -- encoding ----------------------------------------------------------------
def mac_string(mac: str, vlan: int = 0) -> str:
    """The NIC key IScsiDxe compares: upper case, colons.

    Measured with OVMF 2022.11: an attempt its own setup form saves holds
    ``52:54:00:00:00:01``; a key with dashes, or in lower case, matches
    no NIC and the firmware silently skips the attempt. The VLAN suffix
    (``\\<id, 4 hex digits>``) follows EDK2's source, untested here.

    >>> mac_string('9c:b6:54:02:00:0a'), mac_string('9C-B6-54-02-00-0A', 5)
    ('9C:B6:54:02:00:0A', '9C:B6:54:02:00:0A\\\\0005')
    """
    octets = _mac_octets(mac)
    text = ':'.join('%02X' % octet for octet in octets)
    if vlan:
        text += '\\%04x' % vlan
    return text


def _mac_octets(mac: str) -> bytes:
    parts = mac.replace('-', ':').split(':')
    try:
        octets = bytes(int(part, 16) for part in parts)
    except ValueError:
        octets = b''
    if len(octets) != 6 or any(len(part) != 2 for part in parts):
        raise VarStoreError(reason='%r is not a MAC address' % mac)
    return octets


def isid(mac: str) -> bytes:
    """The session's ISID as IScsiDxe derives it: the MAC, byte 0 & 0x3F.

    >>> isid('ff:b6:54:02:00:01').hex()
    '3fb654020001'
    """
    octets = bytearray(_mac_octets(mac))
    octets[0] &= 0x3F
    return bytes(octets)


def lun_bytes(lun: int) -> bytes:
    """An 8-byte SCSI LUN: one level, peripheral (0-255) or flat (-16383).

    >>> lun_bytes(10).hex(), lun_bytes(300).hex()
    ('000a000000000000', '412c000000000000')
    """
    if 0 <= lun <= 0xFF:
        first = lun
    elif lun <= 0x3FFF:
        first = 0x4000 | lun
    else:
        raise VarStoreError(reason='LUN %r is out of range 0-16383' % lun)
    return struct.pack('>H6x', first)


def lun_number(data: bytes) -> int:
    """The LUN of 8 LUN bytes (the inverse of :func:`lun_bytes`)."""
    (first,) = struct.unpack_from('>H', data)
    return first & 0x3FFF


def _ipv4(value: str, what: str, size: int = 16) -> bytes:
    try:
        packed = ipaddress.IPv4Address(value).packed
    except ValueError:
        raise VarStoreError(reason='the %s %r is not an IPv4 address'
                            % (what, value)) from None
    return packed.ljust(size, b'\0')


def _ascii(value: str, field: str, keep_nul: bool = True) -> bytes:
    """``value`` for a CHAR8 array; it must fit (with its NUL if asked)."""
    size = _FIELD[field].size
    try:
        data = value.encode('ascii')
    except UnicodeEncodeError:
        raise VarStoreError(reason='the %s must be ASCII' % field) from None
    if len(data) > size - (1 if keep_nul else 0) or b'\0' in data:
        raise VarStoreError(reason='the %s (%d bytes) does not fit %d bytes'
                            % (field, len(data), size))
    return data


def _in_range(value: int, bounds: Tuple[int, int], what: str) -> int:
    if not bounds[0] <= value <= bounds[1]:
        raise VarStoreError(reason='%s %r is out of range %d-%d'
                            % (what, value, bounds[0], bounds[1]))
    return value


def default_values(index: int) -> Dict[str, object]:
    """The members IScsiDxe sets in a new attempt ``index`` (1-8)."""
    _in_range(index, (1, MAX_ATTEMPTS), 'attempt number')
    return {'attempt_index': index,
            'attempt_name': ('Attempt %d' % index).encode('ascii'),
            'target_port': DEFAULT_PORT,
            'connect_timeout': DEFAULT_TIMEOUT_MS,
            'connect_retry_count': DEFAULT_RETRIES,
            'authentication_type': AUTH_CHAP,
            'chap_type': CHAP_ONE_WAY}


def attempt_values(index: int, attempt: Attempt) -> Dict[str, object]:
    """Every member of attempt ``index`` that ``attempt`` sets."""
    values = default_values(index)
    values.update(
        mac_string=_ascii(mac_string(attempt.mac, attempt.vlan),
                          'mac_string'),
        target_port=_in_range(attempt.target_port, (1, 0xFFFF), 'port'),
        enabled=ENABLED, ip_mode=IP_MODE_IPV4,
        initiator_from_dhcp=int(attempt.static is None),
        target_from_dhcp=0,
        target_name=_ascii(attempt.target_iqn, 'target_name'),
        target_ip=_ipv4(attempt.target_ip, 'target address'),
        boot_lun=lun_bytes(attempt.lun),
        connect_timeout=_in_range(attempt.connect_timeout_ms,
                                  TIMEOUT_RANGE_MS, 'connect timeout (ms)'),
        connect_retry_count=_in_range(attempt.connect_retries, RETRY_RANGE,
                                      'connect retries'),
        isid=isid(attempt.mac),
        authentication_type=AUTH_NONE if attempt.chap is None else AUTH_CHAP,
        actived=ACTIVE)
    if attempt.static is not None:
        values.update(
            local_ip=_ipv4(attempt.static.address, 'initiator address'),
            subnet_mask=_ipv4(attempt.static.netmask, 'netmask', 4),
            gateway=_ipv4(attempt.static.gateway, 'gateway'))
    if attempt.chap is not None:
        values.update(
            chap_name=_ascii(attempt.chap.user, 'chap_name'),
            # 17 characters fill the array without a NUL: stored as iLO
            # holds them, refused by the firmware.
            chap_secret=_ascii(attempt.chap.secret, 'chap_secret',
                               keep_nul=False))
    return values


def pack(values: Dict[str, object]) -> bytes:
    """An ISCSI_ATTEMPT_CONFIG_NVDATA holding ``values``, zero elsewhere."""
    data = bytearray(ATTEMPT_SIZE)
    for name, value in values.items():
        field = _FIELD[name]
        struct.pack_into('<' + field.fmt, data, field.offset, value)
    return bytes(data)


def unpack(data: bytes) -> Dict[str, object]:
    """Every member of :data:`FIELDS` read from an attempt."""
    if len(data) != ATTEMPT_SIZE:
        raise VarStoreError(reason='an attempt has %d bytes, not %d'
                            % (len(data), ATTEMPT_SIZE))
    return {field.name: _read(field, data) for field in FIELDS}


def _read(field: Field, data: bytes) -> object:
    return struct.unpack_from('<' + field.fmt, data, field.offset)[0]


def default_attempt_bytes(index: int) -> bytes:
    """Attempt ``index`` as IScsiDxe writes it into a blank store."""
    return pack(default_values(index))


def attempt_bytes(index: int, attempt: Attempt) -> bytes:
    """Attempt ``index`` configured as ``attempt``."""
    return pack(attempt_values(index, attempt))


# -- decoding ----------------------------------------------------------------
def _text(value: object) -> str:
    assert isinstance(value, bytes)
    return value.split(b'\0', 1)[0].decode('ascii')


def _address(value: object) -> str:
    assert isinstance(value, bytes)
    return str(ipaddress.IPv4Address(value[:4]))


def parse_attempt(data: bytes) -> Attempt:
    """The :class:`Attempt` an attempt's bytes describe."""
    values = unpack(data)
    mac_text = _text(values['mac_string'])
    mac, _, vlan = mac_text.partition('\\')
    static = None
    if not values['initiator_from_dhcp']:
        static = StaticAddress(_address(values['local_ip']),
                               _address(values['subnet_mask']),
                               _address(values['gateway']))
    chap = None
    if values['authentication_type'] == AUTH_CHAP:
        secret = values['chap_secret']
        assert isinstance(secret, bytes)
        chap = Chap(_text(values['chap_name']),
                    secret.split(b'\0', 1)[0].decode('ascii'))
    return Attempt(
        mac=mac.lower(),
        target_iqn=_text(values['target_name']),
        target_ip=_address(values['target_ip']),
        target_port=int(values['target_port']),  # type: ignore[arg-type]
        lun=lun_number(values['boot_lun']),  # type: ignore[arg-type]
        static=static,
        connect_timeout_ms=int(values['connect_timeout']),  # type: ignore
        connect_retries=int(values['connect_retry_count']),  # type: ignore
        chap=chap, vlan=int(vlan, 16) if vlan else 0)


# -- the variables -----------------------------------------------------------
def variables(config: IscsiConfig) -> List[Tuple[str, str, bytes]]:
    """(name, GUID, data) of every iSCSI variable of ``config``."""
    if len(config.attempts) > MAX_ATTEMPTS:
        raise VarStoreError(reason='%d attempts; the firmware keeps at most '
                            '%d' % (len(config.attempts), MAX_ATTEMPTS))
    name = _ascii(config.initiator_name, 'target_name') + b'\0'
    result = [(INITIATOR_NAME, NVDATA_GUID, name)]
    for index in range(1, MAX_ATTEMPTS + 1):
        if index <= len(config.attempts):
            data = attempt_bytes(index, config.attempts[index - 1])
        else:
            data = default_attempt_bytes(index)
        result.append(('Attempt %d' % index, NVDATA_GUID, data))
    result += [
        (INITIAL_ATTEMPT_ORDER, CONFIG_GUID,
         bytes(range(1, MAX_ATTEMPTS + 1))),
        (ATTEMPT_ORDER, CONFIG_GUID,
         bytes(range(1, len(config.attempts) + 1)))]
    return result


def _virt_firmware():
    try:
        from virt.firmware.efi import efivar
        from virt.firmware.varstore import edk2
    except ImportError:  # pragma: no cover - a missing pin
        raise VarStoreError(reason='PyPI virt-firmware is not installed '
                            '(requirements/tools.txt)') from None
    return edk2, efivar


def write_store(template: Path, output: Path, config: IscsiConfig) -> Path:
    """Write ``template`` (an OVMF_VARS.fd) plus ``config`` to ``output``.

    iSCSI variables already in the template are replaced; every other
    variable stays. ``output`` may be ``template``.
    """
    edk2, efivar = _virt_firmware()
    store = edk2.Edk2VarStore(str(template))
    varlist = store.get_varlist()
    for name, guid, data in variables(config):
        varlist[name] = efivar.EfiVar(name, guid=guid, attr=ATTRIBUTES,
                                      data=data)
    room = store.end - store.start
    used = sum(len(store.bytes_var(var)) for var in varlist.values())
    if used > room:  # virt-firmware would exit the process instead
        raise VarStoreError(reason='%d bytes of variables do not fit the '
                            '%d of %s' % (used, room, template))
    store.write_varstore(str(output), varlist)
    return Path(output)


def read_variables(store_path: Path,
                   names: Sequence[str] = ()) -> Dict[str, bytes]:
    """name -> data of the iSCSI variables (or ``names``) in a store."""
    edk2, _ = _virt_firmware()
    varlist = edk2.Edk2VarStore(str(store_path)).get_varlist()
    wanted = set(names) or ({INITIATOR_NAME, ATTEMPT_ORDER,
                             INITIAL_ATTEMPT_ORDER} |
                            {'Attempt %d' % i
                             for i in range(1, MAX_ATTEMPTS + 1)})
    return {name: bytes(var.data) for name, var in varlist.items()
            if name in wanted}


def read_config(store_path: Path) -> IscsiConfig:
    """The :class:`IscsiConfig` a store holds (attempts in AttemptOrder)."""
    found = read_variables(store_path)
    name = found.get(INITIATOR_NAME, b'').split(b'\0', 1)[0]
    order = found.get(ATTEMPT_ORDER, b'')
    attempts = []
    for number in order:
        data = found.get('Attempt %d' % number)
        if data is None:
            raise VarStoreError(reason='AttemptOrder names attempt %d, '
                                'which the store lacks' % number)
        attempts.append(parse_attempt(data))
    return IscsiConfig(name.decode('ascii'), tuple(attempts))
