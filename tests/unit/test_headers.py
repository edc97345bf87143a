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

"""Every source file of the project carries the Apache-2.0 header."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTICE = '# Licensed under the Apache License, Version 2.0 (the "License")'


def _sources():
    listed = subprocess.run(['git', 'ls-files', '*.py', 'wb'], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return [ROOT / name for name in listed.stdout.split()]


def test_the_project_has_sources():
    assert len(_sources()) > 100


def test_every_source_carries_the_licence_header():
    missing = [str(path.relative_to(ROOT)) for path in _sources()
               if not any(line.startswith(NOTICE) for line in
                          path.read_text().split('\n', 2)[:2])]
    assert missing == []
