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
"""Where emulated iLOs listen: one block of 127.0.0.0/8 per group.

proliantutils always talks to port 443, so every emulated iLO needs an
address of its own, and groups that run at the same time (the unit
tests, the functional and real-boot groups, the demo, the benchmark) must
never meet on one. Each group owns a /12 block of loopback addresses;
inside it every process takes one /24 (a slot, by default from its pid),
whose iLOs are .2 to .254 (127.x.y.1 stays for the services the iLOs'
clients reach: tgtd, web servers).

>>> block('functional')
IPv4Network('127.48.0.0/12')
>>> first('unit', slot=0)
'127.0.0.2'
>>> first('functional', slot=1), first('functional', slot=300)
('127.48.1.2', '127.49.44.2')
>>> first('benchmark', slot=4096) == first('benchmark', slot=0)
True
>>> sorted(GROUPS)  # doctest: +NORMALIZE_WHITESPACE
['benchmark', 'demo', 'functional', 'hwci', 'realboot', 'services',
 'unit']
>>> any(block(a).overlaps(block(b)) for a in GROUPS for b in GROUPS
...     if a != b)
False
>>> first('nobody')
Traceback (most recent call last):
...
KeyError: "no address block for 'nobody'"

Nothing of this project is imported here.
"""
from __future__ import annotations

import ipaddress
import os
from typing import Optional

#: Group -> its block's number: block N is 127.(16 N).0.0/12.
GROUPS = {'unit': 0, 'demo': 1, 'realboot': 2, 'functional': 3,
          'benchmark': 4, 'services': 5, 'hwci': 6}
#: Second octets per block (a /12), so /24 slots per block.
_SECOND_OCTETS = 16
SLOTS = _SECOND_OCTETS * 256
#: The first iLO address of a slot ends in this.
FIRST_HOST = 2


def block(group: str) -> ipaddress.IPv4Network:
    """The loopback block of ``group``."""
    try:
        number = GROUPS[group]
    except KeyError:
        raise KeyError('no address block for %r' % group) from None
    return ipaddress.IPv4Network('127.%d.0.0/12' % (number * _SECOND_OCTETS))


def subnet(group: str, slot: Optional[int] = None) -> ipaddress.IPv4Network:
    """The /24 of ``slot`` (default: this process's pid) in ``group``.

    >>> str(subnet('demo', slot=257))
    '127.17.1.0/24'
    """
    if slot is None:
        slot = os.getpid()
    slot %= SLOTS
    base = block(group).network_address + slot * 256
    return ipaddress.IPv4Network('%s/24' % base)


def first(group: str, slot: Optional[int] = None) -> str:
    """The first iLO address of ``slot`` (default: the pid) in ``group``:
    what ``IloFleet(first_address=...)`` takes."""
    return str(subnet(group, slot).network_address + FIRST_HOST)
