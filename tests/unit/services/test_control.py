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

"""One service stopped and started on purpose, through the control
socket; the others keep running, and nothing survives the supervisor."""
from __future__ import annotations

import os
import threading
from typing import Iterator, List

import pytest

from services import control, guard
from services.layout import Layout
from services.run import ServiceError, Supervisor


@pytest.fixture
def supervisor(tmp_path) -> Iterator[Supervisor]:
    """A supervisor of two sleeping services, ``a`` and ``b``."""
    lines: List[str] = []
    running = Supervisor(Layout(tmp_path), out=lines.append)
    running.guard.grace = 2
    running.guard.start_watcher()
    try:
        for name in ('a', 'b'):
            running._start(name, ['sleep', '300'], lambda: True)
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize('kill, code', [(False, -15), (True, -9)])
def test_a_stopped_service_does_not_end_the_others(supervisor, kill, code):
    pid = supervisor.guard.children['a'].pid
    assert supervisor.stop_one('a', kill=kill) == code
    assert not os.path.exists('/proc/%d' % pid)
    assert supervisor.guard.exited() == {}
    assert list(supervisor.guard.children) == ['b']
    assert supervisor.stopped == {'a': code}


def test_a_restarted_service_is_guarded_again(supervisor):
    token = supervisor.guard.token
    supervisor.stop_one('a')
    supervisor.start_one('a')
    pid = supervisor.guard.children['a'].pid
    assert pid in guard.marked(token)
    assert supervisor.stopped == {}
    supervisor.stop()
    assert guard.marked(token) == []


def test_a_restarted_service_that_dies_is_seen(supervisor):
    supervisor.stop_one('b')
    supervisor.start_one('b')
    supervisor.guard.children['b'].kill()
    supervisor.guard.children['b'].wait()
    assert supervisor.guard.exited() == {'b': -9}


@pytest.mark.parametrize('words, answer', [
    (['stop', 'c'], 'c does not run (running: a, b)'),
    (['start', 'a'], 'a runs already'),
    (['start', 'a', 'host=x'], 'a runs already'),
    (['stop', 'a', 'now'], 'unknown request: stop a now'),
    (['restart', 'a'], 'unknown request: restart a'),
    ([], 'unknown request: '),
])
def test_requests_refused(supervisor, words, answer):
    with pytest.raises(control.ControlError) as error:
        supervisor.handle(words)
    assert str(error.value) == answer
    assert sorted(supervisor.guard.children) == ['a', 'b']


def test_host_is_for_the_conductor_only(supervisor):
    supervisor.stop_one('a')
    with pytest.raises(ServiceError, match='ironic-conductor only'):
        supervisor.start_one('a', host='other')


def test_the_log_of_a_restart_is_appended_to(supervisor):
    log = supervisor.layout.logs / 'a.log'
    log.write_text('first run\n')
    supervisor.stop_one('a')
    supervisor.start_one('a')
    assert log.read_text() == 'first run\n'
    assert not supervisor.logged('a', 'first run')


def test_stop_and_start_through_the_socket(supervisor):
    path = supervisor.layout.control_socket
    listener = control.listen(path)
    assert oct(path.stat().st_mode & 0o777) == '0o600'
    answers: List[str] = []

    def client() -> None:
        for words in (['stop', 'a', 'kill'], ['status'], ['start', 'a'],
                      ['stop', 'zz']):
            answers.append(control.request(path, words, timeout=30))

    thread = threading.Thread(target=client)
    thread.start()
    with listener:
        while thread.is_alive():
            control.serve(listener, supervisor.handle, timeout=0.2)
    thread.join()
    assert [a.split(' in ')[0] for a in answers] == [
        'ok a stopped (exit -9)', 'ok running b; stopped a', 'ok a up',
        'error zz does not run (running: b, a)']
    assert sorted(supervisor.guard.children) == ['a', 'b']
