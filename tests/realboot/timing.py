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

"""Time limits and the boot times the scenarios measure.

The machine is shared (other test runs, two cores, TCG): every wait is
bounded, and generously. Boot times go to the terminal summary.
"""
from __future__ import annotations

import os
import time
from typing import List, Optional, Tuple

from realboot.vm import Usage

#: Seconds any one wait may take.
BOOT_TIMEOUT = float(os.environ.get('REALBOOT_BOOT_TIMEOUT', '150'))

#: When the group's conftest was loaded (collection).
LOADED_AT = time.monotonic()

#: (scenario, seconds from power-on), in the order they were measured.
MEASURED: List[Tuple[str, float]] = []


class BootTimes:
    """Collects (scenario, seconds) for the summary."""

    def add(self, scenario: str, seconds: float) -> float:
        """Record one boot time; return it."""
        MEASURED.append((scenario, seconds))
        return seconds


def group_line(usage: Usage, now: Optional[float] = None) -> str:
    """The group's figures, since collection: wall time, VM starts,
    VM-seconds (qemu running, start to stop) and qemu's CPU seconds.

    >>> group_line(Usage(30, 301.25, 150.0), now=LOADED_AT + 110.04)
    'group: 110.0 s since collection, 30 VM starts, 301.2 VM-seconds, \
150.0 s of qemu CPU'
    """
    now = time.monotonic() if now is None else now
    return ('group: %.1f s since collection, %d VM starts, %.1f VM-seconds, '
            '%.1f s of qemu CPU' % (now - LOADED_AT, usage.starts,
                                    usage.seconds, usage.cpu_seconds))
