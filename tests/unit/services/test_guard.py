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

"""The guard leaves nothing running, however its supervisor ends."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from services import guard

# A supervisor: a watcher, one child in its own group that starts a
# grandchild which leaves the group (setsid), then it waits.
SUPERVISOR = textwrap.dedent('''
    import sys, time
    from services.guard import Guard
    g = Guard(sys.argv[1], grace=2)
    g.start_watcher()
    g.start('sleepers', ['sh', '-c', 'setsid sleep 300 & exec sleep 300'],
            sys.stdout)
    print('started', flush=True)
    if sys.argv[2] == 'stop':
        time.sleep(0.5)
        g.stop()
        print('stopped', flush=True)
    time.sleep(300)
''')


def _wait_gone(token: str, timeout: float = 15) -> list:
    deadline = time.monotonic() + timeout
    while guard.marked(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    return guard.marked(token)


def _supervisor(token: str, mode: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, '-c', SUPERVISOR, token, mode],
        stdout=subprocess.PIPE, text=True,
        cwd=os.path.dirname(os.path.dirname(guard.__file__)))
    assert process.stdout.readline().strip() == 'started'
    return process


def test_sigkill_of_the_supervisor_leaves_nothing():
    token = 'test-%d-kill' % os.getpid()
    process = _supervisor(token, 'wait')
    deadline = time.monotonic() + 10
    while len(guard.marked(token)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(guard.marked(token)) == 2  # the child and the escaped one
    process.kill()
    process.wait()
    assert _wait_gone(token) == []


def test_an_orderly_stop_leaves_nothing():
    token = 'test-%d-stop' % os.getpid()
    process = _supervisor(token, 'stop')
    assert process.stdout.readline().strip() == 'stopped'
    try:
        assert guard.marked(token) == []
    finally:
        process.kill()
        process.wait()


def test_die_with_parent_signals_when_the_parent_is_killed():
    # sh starts python, which asks for SIGTERM at its parent's death
    # and reports the signal it got in its exit status file.
    script = textwrap.dedent('''
        import os, signal, sys, time
        from realboot.commands import die_with_parent
        def done(signum, frame):
            # Written aside, then renamed: the test never reads a file
            # that exists but is not written yet.
            with open(sys.argv[1] + '.part', 'w') as out:
                out.write(signal.Signals(signum).name)
            os.replace(sys.argv[1] + '.part', sys.argv[1])
            sys.exit(0)
        signal.signal(signal.SIGTERM, done)
        die_with_parent(signal.SIGTERM)
        print('ready', flush=True)
        time.sleep(60)
    ''')
    status = '/tmp/services-guard-test-%d' % os.getpid()
    parent = subprocess.Popen(
        ['sh', '-c', '"$0" -c "$1" "$2"; sleep 60', sys.executable, script,
         status], stdout=subprocess.PIPE, text=True,
        cwd=os.path.dirname(os.path.dirname(guard.__file__)))
    try:
        assert parent.stdout.readline().strip() == 'ready'
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while not os.path.exists(status) and time.monotonic() < deadline:
            time.sleep(0.1)
        with open(status) as result:
            assert result.read() == 'SIGTERM'
    finally:
        if os.path.exists(status):
            os.unlink(status)


@pytest.mark.parametrize('environ, found', [
    (b'A=1\0SERVICES_GUARD=t1\0', True),
    (b'SERVICES_GUARD=t10\0', False),
    (b'B=SERVICES_GUARD=t1\0', False),
])
def test_marked_matches_the_whole_variable(tmp_path, environ, found):
    (tmp_path / '4242').mkdir()
    (tmp_path / '4242' / 'environ').write_bytes(environ)
    assert (guard.marked('t1', proc=tmp_path) == [4242]) is found
