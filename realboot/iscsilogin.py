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

"""A minimal iSCSI login (RFC 7143): to check a target, CHAP included.

It logs in to a normal session as an initiator would (security stage
with CHAP or none, operational stage, full feature phase), offering
exactly the CHAP algorithms asked for (``CHAP_A``: 5 MD5, 6 SHA-1,
7 SHA-256), and computes the CHAP response with :mod:`hashlib`. So a
successful CHAP login proves that the target computed the same digest.
Nothing is read or written on the LUN; the connection is closed after
login.

>>> chap_response(7, 1, 'Secret-12345', bytes(4)).hex()[:16]
'36d1cc67fd8a05fb'
>>> encode_keys({'AuthMethod': 'CHAP,None'})
b'AuthMethod=CHAP,None\\x00'
>>> parse_keys(b'CHAP_A=7\\x00CHAP_I=3\\x00\\x00')
{'CHAP_A': '7', 'CHAP_I': '3'}
"""
from __future__ import annotations

import dataclasses
import hashlib
import socket
import struct
from typing import Dict, Optional, Sequence, Tuple

from realboot.errors import RealBootError

#: CHAP_A value -> hash (RFC 7143 12.1.3, IANA PPP authentication).
ALGORITHMS = {5: 'md5', 6: 'sha1', 7: 'sha256'}
LOGIN_REQUEST = 0x03
LOGIN_RESPONSE = 0x23
IMMEDIATE = 0x40
TRANSIT = 0x80
SECURITY, OPERATIONAL, FULL_FEATURE = 0, 1, 3
BHS_SIZE = 48
#: An ISID of the "random" type (T=11b): locally made, unique enough.
ISID = bytes.fromhex('c0a1b2c30001')
#: Keys of the operational stage; the target answers with its values.
OPERATIONAL_KEYS = {'HeaderDigest': 'None', 'DataDigest': 'None',
                    'MaxRecvDataSegmentLength': '262144'}


class LoginFailed(RealBootError):
    """The target refused the login (or broke the protocol)."""

    msg_fmt = 'iSCSI login to %(target)s: %(reason)s'


@dataclasses.dataclass(frozen=True)
class LoginResult:
    """What a successful login agreed on."""

    algorithm: Optional[int]
    tsih: int
    keys: Dict[str, str]


def chap_response(algorithm: int, identifier: int, secret: str,
                  challenge: bytes) -> bytes:
    """H(identifier || secret || challenge), RFC 1994's response."""
    digest = hashlib.new(ALGORITHMS[algorithm])
    digest.update(bytes([identifier]) + secret.encode() + challenge)
    return digest.digest()


def encode_keys(keys: Dict[str, str]) -> bytes:
    """Text keys as the data segment carries them."""
    return b''.join(('%s=%s' % item).encode() + b'\0'
                    for item in keys.items())


def parse_keys(data: bytes) -> Dict[str, str]:
    """The text keys of a data segment."""
    keys = {}
    for pair in data.split(b'\0'):
        if pair:
            key, _, value = pair.decode('ascii', 'replace').partition('=')
            keys[key] = value
    return keys


def _hex_value(value: str) -> bytes:
    if value[:2].lower() != '0x':
        raise ValueError('not a hex value: %r' % value[:8])
    return bytes.fromhex(value[2:])


class Login:
    """One connection and its login PDUs (CmdSN/StatSN kept here)."""

    def __init__(self, portal: Tuple[str, int], target: str,
                 initiator: str, timeout: float = 10) -> None:
        self.target = target
        self.initiator = initiator
        self.sock = socket.create_connection(portal, timeout=timeout)
        self.exp_stat_sn = 0

    def close(self) -> None:
        """Drop the connection (the target ends the session)."""
        self.sock.close()

    def exchange(self, current: int, following: int, transit: bool,
                 keys: Dict[str, str]) -> Tuple[int, Dict[str, str]]:
        """Send one login request; return (flags, keys) of the answer."""
        data = encode_keys(keys)
        flags = (TRANSIT if transit else 0) | (current << 2) | following
        header = struct.pack(
            '>BBBBB3s6sHIHHII16x', LOGIN_REQUEST | IMMEDIATE, flags, 0, 0,
            0, len(data).to_bytes(3, 'big'), ISID, 0, 1, 0, 0, 1,
            self.exp_stat_sn)
        self.sock.sendall(header + data + bytes(-len(data) % 4))
        answer = self._receive(BHS_SIZE)
        if answer[0] & 0x3F != LOGIN_RESPONSE:
            raise LoginFailed(target=self.target, reason='answer opcode '
                              '0x%02x' % answer[0])
        length = int.from_bytes(answer[5:8], 'big')
        payload = self._receive(length + (-length % 4))[:length]
        status_class, status_detail = answer[36], answer[37]
        (stat_sn,) = struct.unpack_from('>I', answer, 24)
        self.exp_stat_sn = stat_sn + 1
        if status_class:
            raise LoginFailed(target=self.target, reason=(
                'status 0x%02x%02x (%s)' % (
                    status_class, status_detail,
                    describe_status(status_class, status_detail))))
        self.tsih = struct.unpack_from('>H', answer, 14)[0]
        return answer[1], parse_keys(payload)

    def _receive(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = self.sock.recv(left)
            if not chunk:
                raise LoginFailed(target=self.target,
                                  reason='the target closed the connection')
            chunks.append(chunk)
            left -= len(chunk)
        return b''.join(chunks)


def describe_status(status_class: int, detail: int) -> str:
    """A few login status codes in words (RFC 7143 11.13.5).

    >>> describe_status(2, 1)
    'authentication failure'
    """
    return {(2, 1): 'authentication failure',
            (2, 2): 'authorization failure',
            (2, 3): 'target not found',
            (2, 0): 'initiator error',
            (3, 0): 'target error'}.get((status_class, detail), 'refused')


def login(portal: Tuple[str, int], target: str, initiator: str,
          user: Optional[str] = None, secret: Optional[str] = None,
          algorithms: Sequence[int] = (5,),
          timeout: float = 10) -> LoginResult:
    """Log in to ``target``; with ``user`` by one-way CHAP.

    ``algorithms`` is the CHAP_A list offered, in order of preference.

    :raises LoginFailed: the target refused; the reason has its status.
    """
    connection = Login(portal, target, initiator, timeout)
    try:
        keys = {'InitiatorName': initiator, 'SessionType': 'Normal',
                'TargetName': target,
                'AuthMethod': 'CHAP' if user else 'None'}
        chosen = None
        if user is None:
            flags, answer = connection.exchange(SECURITY, OPERATIONAL, True,
                                                keys)
        else:
            _, answer = connection.exchange(SECURITY, OPERATIONAL, False,
                                            keys)
            _, answer = connection.exchange(SECURITY, OPERATIONAL, False, {
                'CHAP_A': ','.join(str(a) for a in algorithms)})
            chosen = int(answer.get('CHAP_A', '0'))
            if chosen not in algorithms:
                raise LoginFailed(target=target, reason='the target chose '
                                  'CHAP_A=%s' % answer.get('CHAP_A'))
            response = chap_response(chosen, int(answer['CHAP_I']),
                                     secret or '',
                                     _hex_value(answer['CHAP_C']))
            flags, answer = connection.exchange(
                SECURITY, OPERATIONAL, True,
                {'CHAP_N': user, 'CHAP_R': '0x' + response.hex()})
        if not flags & TRANSIT:
            raise LoginFailed(target=target, reason='the target did not '
                              'leave the security stage')
        flags, answer = connection.exchange(OPERATIONAL, FULL_FEATURE, True,
                                            dict(OPERATIONAL_KEYS))
        if not flags & TRANSIT or flags & 0x03 != FULL_FEATURE:
            raise LoginFailed(target=target, reason='no full feature phase')
        return LoginResult(chosen, connection.tsih, answer)
    except OSError as exc:
        raise LoginFailed(target=target, reason=str(exc)) from None
    finally:
        connection.close()
