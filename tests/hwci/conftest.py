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

"""Hardware mode: the servers of a targets file, as ironic's conductor
meets them (doc/hwci.md).

* ``--hw-targets FILE`` (or ``HWCI_TARGETS``) names the servers
  (:mod:`hwci.targets`); without it every test here is skipped. With it,
  ``--hw-confirm`` (or ``HWCI_CONFIRM=yes``) is required: the run refuses
  to start otherwise.
* ``guard`` (session, autouse): each server's state is read before the
  first test and written back after the last, then read back and
  compared (:mod:`hwci.guard`); also after a failure, Ctrl-C or SIGTERM
  (turned into KeyboardInterrupt, the session told to stop, so pytest's
  teardown runs).
* ``conductor_layout`` (session): ironic configured once, ``[ilo]``
  timeouts from the file, each node's CA file in its ``driver_info``.
* ``lab``: nodes on the servers (:class:`hwci.lab.HardwareLab`), deleted
  afterwards; every log record of the test is checked for the file's
  passwords and CHAP secrets.
* ``server``: parametrized with the file's servers, by name.

Nothing here imports the emulator: the servers are reached over HTTPS
only, through the file.
"""
from __future__ import annotations

import ironic.cmd  # noqa: F401  (the conductor's eventlet monkey patching)

import os
from pathlib import Path
import signal
from typing import Iterator, Optional

import pytest

from harness import conductor
from harness.config import Layout
from harness.logcheck import RecordCollector, find_leaks, leaking_loggers
from harness.web import WebServer
from hwci import guard as guarding
from hwci.lab import HardwareLab, hardware_lab
from hwci.reader import close_clients, reader_for
from hwci.targets import (CONFIRM_ENV, TARGETS_ENV, Targets, TargetsError,
                          load)

_TARGETS: Optional[Targets] = None


def pytest_addoption(parser) -> None:
    group = parser.getgroup('hwci', 'hardware mode (real iLOs)')
    group.addoption('--hw-targets', type=Path, metavar='FILE',
                    default=os.environ.get(TARGETS_ENV) or None,
                    help='the targets file naming the real servers '
                    '(environment: %s)' % TARGETS_ENV)
    group.addoption('--hw-confirm', action='store_true',
                    default=os.environ.get(CONFIRM_ENV) == 'yes',
                    help='touch the servers of the targets file '
                    '(environment: %s=yes)' % CONFIRM_ENV)


def pytest_configure(config) -> None:
    """Read the targets file once; refuse to start unconfirmed."""
    global _TARGETS
    path = config.getoption('--hw-targets', None)
    if path is None:
        return
    if not config.getoption('--hw-confirm'):
        raise pytest.UsageError(
            'hardware mode changes the servers of %s: add --hw-confirm '
            '(or %s=yes) to go on' % (path, CONFIRM_ENV))
    try:
        _TARGETS = load(path)
    except TargetsError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_collection_modifyitems(config, items) -> None:
    """Without a targets file the tests here are skipped; the 2017
    libraries' deprecation warnings are not reported."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent != here:
            continue
        item.add_marker(pytest.mark.filterwarnings('ignore'))
        if _TARGETS is None:
            item.add_marker(pytest.mark.skip(reason=(
                'hardware mode: no targets file (--hw-targets FILE or %s)'
                % TARGETS_ENV)))


def pytest_generate_tests(metafunc) -> None:
    """``server``: each server of the targets file, by name."""
    if 'server' in metafunc.fixturenames:
        servers = _TARGETS.servers if _TARGETS else ()
        metafunc.parametrize('server', servers,
                             ids=[s.name for s in servers])


@pytest.fixture(scope='session')
def targets() -> Targets:
    assert _TARGETS is not None
    return _TARGETS


@pytest.fixture(scope='session', autouse=True)
def guard(request) -> Iterator[dict]:
    """Each server's state before the run; restored and read back after
    it, whatever happened."""
    if _TARGETS is None:
        yield {}
        return
    capture = request.config.pluginmanager.getplugin('capturemanager')

    def say(text):
        with capture.global_and_fixture_disabled():
            print('hwci: ' + text, flush=True)

    readers = [reader_for(s) for s in _TARGETS.servers]
    initial = {}

    def interrupt(signum, frame):
        # The session stops even if the code under test swallows the
        # KeyboardInterrupt (ironic's workers record it as an error).
        request.session.shouldstop = 'signal %d: restoring' % signum
        raise KeyboardInterrupt('signal %d' % signum)

    saved = signal.signal(signal.SIGTERM, interrupt)
    try:
        for reader in readers:
            initial[reader.server.name] = guarding.snapshot(reader)
            say('%s: state recorded' % reader.server.name)
        yield initial
    finally:
        failed = []
        for reader in readers:
            if reader.server.name not in initial:
                continue
            try:
                guarding.restore(reader, initial[reader.server.name],
                                 _TARGETS.timeouts, say)
            except Exception as exc:  # every server gets its restore
                failed.append('%s: %s' % (type(exc).__name__, exc))
        close_clients()
        signal.signal(signal.SIGTERM, saved)
        assert not failed, 'servers not restored: ' + '; '.join(failed)


@pytest.fixture(scope='session')
def conductor_layout(tmp_path_factory, targets) -> Iterator[Layout]:
    """ironic configured once, with the file's timeouts."""
    layout = Layout(tmp_path_factory.mktemp('hwci') / 'ironic')
    web = WebServer(layout)
    try:
        times = targets.timeouts
        conductor.configure(layout, None, web.url, debug=True,
                            power_wait=int(times.power_wait), ilo={
                                'post_cycle_timeout': int(times.post_cycle),
                                'post_cycle_poll_interval': times.post_poll})
        yield layout
    finally:
        web.stop()


@pytest.fixture
def lab(conductor_layout, targets) -> Iterator[HardwareLab]:
    """Nodes on the servers; no log record of the test holds a secret."""
    with RecordCollector() as collector:
        with hardware_lab(targets) as lab:
            yield lab
    leaks = find_leaks(collector.records, lab.secrets)
    assert not leaks, 'secrets in the log records of: %s (%d records)' % (
        ', '.join(leaking_loggers(leaks)), len(leaks))
