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

"""Where things live. Every path can be overridden (the tests do)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Paths:
    """The folders the workbench reads from and writes to."""

    patches: Path = ROOT / "patches"
    port: Path = ROOT / "port"
    build: Path = ROOT / "build"
    cache: Path = ROOT / ".cache" / "sdist"
    tools: Path = ROOT / "requirements" / "tools.txt"
    project: Path = ROOT

    @property
    def tree(self) -> Path:
        """The patched ironic tree people edit."""
        return self.build / "ironic"

    @property
    def venv(self) -> Path:
        """The virtualenv the tests run in."""
        return self.build / "venv"

    @property
    def constraints(self) -> Path:
        """Exact versions of ironic's packages (the tools: ``tools``)."""
        return self.port / "constraints.txt"

    @property
    def exclusions(self) -> Path:
        """Unit tests that cannot run on 3.11, one regex a line."""
        return self.port / "exclusions.txt"

    @property
    def reports(self) -> Path:
        """Each step's log, and the test reports."""
        return self.build / "reports"
