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
