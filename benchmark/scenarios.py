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

"""The benchmark's scenarios: which node, on which iLO, how many at once.

A scenario is one boot interface, one server generation, CHAP or not,
the latency injected into every iLO answer and the number of nodes that
are deployed and torn down at once (each on its own emulated iLO).

>>> s = Scenario('ilo-pxe', 10, True, 0.15, 10)
>>> s.key, s.label
('ilo-pxe/gen10/chap/150ms/n10', 'pxe Gen10 CHAP 150ms N=10')
>>> Scenario.from_dict(s.to_dict()) == s
True
"""
from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Dict, List, Sequence

BOOT_INTERFACES = ('ilo-pxe', 'ilo-virtual-media')
GENERATIONS = (9, 10)
LATENCIES = (0.0, 0.15)
NODE_COUNTS = (1, 10, 50)
STEPS = ('prepare_instance', 'clean_up_instance')
# The node of the scaling runs (N > 1): the Gen10 path, CHAP, iPXE-less.
SCALING = {'boot_interface': 'ilo-pxe', 'generation': 10, 'chap': True}


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One benchmark scenario."""

    boot_interface: str
    generation: int
    chap: bool
    latency: float
    nodes: int = 1

    @property
    def key(self) -> str:
        """A stable identifier, used in the JSON file."""
        return '%s/gen%d/%s/%dms/n%d' % (
            self.boot_interface, self.generation,
            'chap' if self.chap else 'nochap', round(self.latency * 1000),
            self.nodes)

    @property
    def label(self) -> str:
        """A short readable name, used in the tables."""
        return '%s Gen%d %s %dms N=%d' % (
            self.boot_interface.replace('ilo-', '').replace(
                'virtual-media', 'vmedia'),
            self.generation, 'CHAP' if self.chap else 'no-CHAP',
            round(self.latency * 1000), self.nodes)

    def to_dict(self) -> Dict[str, Any]:
        """Plain data for JSON."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> 'Scenario':
        """The scenario ``to_dict`` described."""
        return cls(**data)


def matrix(node_counts: Sequence[int] = NODE_COUNTS,
           latencies: Sequence[float] = LATENCIES) -> List[Scenario]:
    """Every single-node scenario, then the scaling ones (N > 1).

    >>> len(matrix()), len(matrix(node_counts=(1, 10)))
    (20, 18)
    >>> [s.nodes for s in matrix(latencies=(0.15,)) if s.nodes > 1]
    [10, 50]
    """
    singles = [Scenario(interface, generation, chap, latency)
               for latency, interface, generation, chap in itertools.product(
                   latencies, BOOT_INTERFACES, GENERATIONS, (True, False))]
    scaling = [Scenario(latency=latency, nodes=count, **SCALING)
               for latency in latencies for count in node_counts
               if count > 1]
    return singles + scaling
