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

"""The guest's network: qemu user mode, restricted, with loopback forwards.

The guest reaches nothing but what is forwarded: ``restrict=on`` cuts it
off from the host and the world, and each loopback endpoint it needs (the
iSCSI portal, for instance) gets a ``guestfwd``: a connection from the
guest to ``10.0.2.<100+n>:<port>`` runs ``socat`` which connects to
``127.x.y.z:<port>`` on the host. The port stays the same, so a script
shows the port iLO holds; only the address is translated, as a NAT would.
10.0.2.0/24 is qemu's internal user-mode network, not a real one.

>>> fwd = plan_forwards([('127.0.0.1', 3260), ('127.0.0.1', 8080)])
>>> [f.guest for f in fwd]
['10.0.2.100:3260', '10.0.2.100:8080']
>>> netdev_option('n0', fwd[:1])
'user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:3260-cmd:socat - \
TCP:127.0.0.1:3260'
>>> guest_address(fwd, '127.0.0.1')
'10.0.2.100'
"""
from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path
import re
from typing import Iterable, List, Optional, Sequence, Tuple

from realboot.errors import InvalidSetting, NotLoopback

#: Where forwarded endpoints appear in the guest (qemu's user network).
GUEST_PREFIX = '10.0.2.'
FIRST_GUEST_HOST = 100
_OPTION_UNSAFE = re.compile(r'[,\s]')


@dataclasses.dataclass(frozen=True)
class Forward:
    """A loopback endpoint and the address the guest reaches it at."""

    guest_address: str
    host_address: str
    port: int

    @property
    def guest(self) -> str:
        """'address:port' in the guest."""
        return '%s:%d' % (self.guest_address, self.port)

    def option(self, socat: str = 'socat') -> str:
        """The ``guestfwd=`` value (qemu runs the command per connection)."""
        return 'tcp:%s-cmd:%s - TCP:%s:%d' % (
            self.guest, socat, self.host_address, self.port)


def check_loopback(address: str) -> str:
    """``address`` if it is an IPv4 address in 127.0.0.0/8."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise NotLoopback(address=address)
    if ip.version != 4 or not ip.is_loopback:
        raise NotLoopback(address=address)
    return address


def plan_forwards(endpoints: Iterable[Tuple[str, int]]) -> Tuple[Forward, ...]:
    """One forward per distinct endpoint; one guest address per host one.

    >>> [f.guest for f in plan_forwards([('127.0.0.1', 1), ('127.0.0.9', 1),
    ...                                  ('127.0.0.1', 1)])]
    ['10.0.2.100:1', '10.0.2.101:1']
    """
    hosts: List[str] = []
    forwards: List[Forward] = []
    for address, port in endpoints:
        check_loopback(address)
        if not 0 < int(port) < 65536:
            raise InvalidSetting(reason='port %r is out of range' % port)
        if address not in hosts:
            hosts.append(address)
        guest = GUEST_PREFIX + str(FIRST_GUEST_HOST + hosts.index(address))
        forward = Forward(guest, address, int(port))
        if forward not in forwards:
            forwards.append(forward)
    if len(hosts) > 100:
        raise InvalidSetting(reason='too many forwarded addresses')
    return tuple(forwards)


def guest_address(forwards: Sequence[Forward], host_address: str) -> str:
    """Where the guest reaches ``host_address``.

    :raises NotLoopback: the address is not forwarded.
    """
    for forward in forwards:
        if forward.host_address == host_address:
            return forward.guest_address
    raise NotLoopback(address=host_address)


def translate(text: str, forwards: Sequence[Forward]) -> str:
    """``text`` with forwarded loopback endpoints written as the guest's.

    For a script written for the host's view (ironic's iPXE configuration
    names the portal ``127.0.0.1``): ``iscsi:<host>:`` and
    ``<host>:<port>`` of forwarded endpoints become the guest's addresses.

    >>> fwd = plan_forwards([('127.0.0.1', 3260)])
    >>> translate('sanboot iscsi:127.0.0.1::3260:1:iqn.x', fwd)
    'sanboot iscsi:10.0.2.100::3260:1:iqn.x'
    """
    for forward in forwards:
        host = re.escape(forward.host_address)
        text = re.sub(r'(?<=iscsi:)%s(?=:)' % host, forward.guest_address,
                      text)
        text = re.sub(r'(?<![\d.])%s:%d(?!\d)' % (host, forward.port),
                      forward.guest, text)
    return text


def netdev_option(netdev_id: str, forwards: Sequence[Forward],
                  tftp_dir: Optional[Path] = None,
                  bootfile: Optional[str] = None,
                  socat: str = 'socat') -> str:
    """The ``-netdev`` value: restricted user networking and forwards.

    With ``tftp_dir`` qemu's built-in DHCP offers ``bootfile`` and its
    TFTP server serves that directory (read only).
    """
    parts = ['user', 'id=%s' % netdev_id, 'restrict=on']
    if tftp_dir is not None:
        if _OPTION_UNSAFE.search(str(tftp_dir)):
            raise InvalidSetting(reason='TFTP directory %s has a comma or '
                                 'space' % tftp_dir)
        parts.append('tftp=%s' % tftp_dir)
    if bootfile is not None:
        if _OPTION_UNSAFE.search(bootfile):
            raise InvalidSetting(reason='boot file %r has a comma or space'
                                 % bootfile)
        parts.append('bootfile=%s' % bootfile)
    parts += ['guestfwd=%s' % f.option(socat) for f in forwards]
    return ','.join(parts)
