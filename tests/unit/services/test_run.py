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

"""Waiting for ``python -m services up`` from its caller's side."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from services import run
from services.layout import Layout


def test_a_supervisor_that_exits_did_not_start(tmp_path):
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    assert run.wait_until_up(Layout(tmp_path), process, 30) == \
        'did not start'


def test_a_supervisor_that_never_writes_its_state_is_not_up(tmp_path):
    process = subprocess.Popen([sys.executable, '-c',
                                'import time; time.sleep(30)'])
    try:
        assert run.wait_until_up(Layout(tmp_path), process, 0.2) == \
            'not up in 0 s'
    finally:
        process.kill()
        process.wait()


def test_a_live_supervisors_state_is_up(tmp_path):
    layout = Layout(tmp_path)
    layout.state_file.write_text(json.dumps({'pid': os.getpid()}))
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    assert run.wait_until_up(layout, process, 30) is None
