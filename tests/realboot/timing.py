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
from typing import List, Tuple

#: Seconds any one wait may take.
BOOT_TIMEOUT = float(os.environ.get('REALBOOT_BOOT_TIMEOUT', '150'))

#: (scenario, seconds from power-on), in the order they were measured.
MEASURED: List[Tuple[str, float]] = []


class BootTimes:
    """Collects (scenario, seconds) for the summary."""

    def add(self, scenario: str, seconds: float) -> float:
        """Record one boot time; return it."""
        MEASURED.append((scenario, seconds))
        return seconds
