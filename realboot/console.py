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

"""A VM's serial console, captured to a file: read it, clean it, wait on it.

Firmware and iPXE draw with ANSI escape sequences and backspaces; the
clean text keeps only what a person would read.

>>> clean(b'\\x1b[0m\\x1b[37m\\x1b[40mREALBOOT uefi\\r\\n^\\x08 \\x08ok')
'REALBOOT uefi\\nok'
"""
from __future__ import annotations

from pathlib import Path
import re
import time
from typing import Callable, List, Optional, TypeVar

from realboot.errors import VmError, WaitTimeout

T = TypeVar('T')
_ESCAPES = re.compile(rb'\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|'
                      rb'[\x00-\x07\x0b\x0c\x0e-\x1f\x7f]')
_ERASED = re.compile(rb'[^\x08\n]\x08')
#: Seconds between two looks at the console file.
POLL_INTERVAL = 0.1


def clean(raw: bytes) -> str:
    """The readable text of raw console bytes ('\\n' line ends)."""
    text = raw.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
    text = _ESCAPES.sub(b'', text)
    previous = None
    while previous != text:  # each backspace erases the character before
        previous, text = text, _ERASED.sub(b'', text)
    return text.replace(b'\x08', b'').decode('ascii', 'replace')


class Console:
    """The console file of one VM run."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def raw(self) -> bytes:
        """Everything written so far (nothing before the VM started)."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b''

    def text(self) -> str:
        """The clean text so far."""
        return clean(self.raw())

    def lines(self) -> List[str]:
        """The non-empty lines, stripped."""
        return [line.strip() for line in self.text().splitlines()
                if line.strip()]

    def tail(self, count: int = 8) -> str:
        """The last ``count`` non-empty lines, for messages."""
        return '\n'.join(self.lines()[-count:]) or '(nothing yet)'

    def contains(self, marker: str) -> bool:
        """Whether ``marker`` appeared in the clean text."""
        return marker in self.text()


def wait_for(console: Console, check: Callable[[str], Optional[T]],
             timeout: float, what: str,
             alive: Optional[Callable[[], bool]] = None) -> T:
    """Poll the console until ``check(text)`` answers something.

    :raises WaitTimeout: nothing within ``timeout`` seconds.
    :raises VmError: ``alive()`` turned false first.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check(console.text())
        if result is not None:
            return result
        if alive is not None and not alive():
            result = check(console.text())
            if result is not None:
                return result
            raise VmError(name=console.path.parent.name,
                          reason='stopped while waiting for %s; console:\n%s'
                          % (what, console.tail()))
        if time.monotonic() >= deadline:
            raise WaitTimeout(what=what, timeout=timeout,
                              tail=console.tail())
        time.sleep(POLL_INTERVAL)
