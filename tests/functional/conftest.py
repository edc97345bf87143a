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

"""Fixtures: ironic as its conductor runs it, emulated iLOs, a log check.

The real proliantutils talks HTTPS (certificates verified against the
emulator's CA, ironic's ``[ilo]ca_file``) to emulated iLOs on
127.0.0.N:443; nothing is mocked. As ``ironic-conductor`` does, the
process is monkey patched by eventlet (``import ironic.cmd``) before
anything else: the emulated iLOs' server threads are then green threads
of the same process, which is what the conductor's iLO calls meet too.

* ``conductor_layout`` (session): ``ironic.conf`` and a SQLite file
  database made by ``ironic-dbsync create_schema``, in a temporary
  folder, and a web server for ``[deploy]http_root``.
* ``fleet``: emulated iLOs for one test, always stopped afterwards, after
  proliantutils' client cache is emptied (it caches clients per address
  for the whole process).
* ``lab``: emulated iLOs, nodes and steps (:class:`harness.lab.Lab`);
  the nodes are deleted afterwards.
* ``firmware`` (session): the emulator's firmware model of the run,
  ``--iloemu-firmware strict|lenient`` or the environment's
  ``ILOEMU_FIRMWARE``, default strict (the workbench runs the group once
  per model). A test that holds on one model only is marked
  ``@pytest.mark.firmware('strict', reason=...)`` and skipped, with its
  reason, on the other.
* ``log_records`` (autouse): every log record of the test, at DEBUG, from
  every logger; after the test, none may hold a secret the lab handed
  out (CHAP secrets, iLO passwords).
"""
from __future__ import annotations

import ironic.cmd  # noqa: F401  (the conductor's eventlet monkey patching)

import os
from typing import Iterator

import pytest

from iloemu import IloFleet, addresses
from iloemu.testing import NoWaits, running_fleet

from harness import conductor
from harness.config import Layout
from harness.lab import Lab, lab_on
from harness.logcheck import RecordCollector, find_leaks, leaking_loggers
from harness.web import WebServer

PKI = 'pki'
FIRMWARE_OPTION = '--iloemu-firmware'
FIRMWARE_ENV = 'ILOEMU_FIRMWARE'
FIRMWARE_MODELS = ('strict', 'lenient')
DEFAULT_MODEL = 'strict'


def pytest_addoption(parser) -> None:
    """``--iloemu-firmware``: the emulated iLOs' firmware model."""
    parser.addoption(
        FIRMWARE_OPTION, choices=FIRMWARE_MODELS,
        default=os.environ.get(FIRMWARE_ENV) or DEFAULT_MODEL,
        help="the emulator's firmware model: strict (default) or lenient "
             "(environment: %s)" % FIRMWARE_ENV)


def pytest_configure(config) -> None:
    """The ``firmware`` marker, and the model checked once."""
    config.addinivalue_line(
        'markers', "firmware(model, reason): the test holds on this "
        "firmware model only; skipped on the other with the reason")
    model = config.getoption(FIRMWARE_OPTION)
    if model not in FIRMWARE_MODELS:  # from the environment
        raise pytest.UsageError('%s=%s: the models are %s' % (
            FIRMWARE_ENV, model, ', '.join(FIRMWARE_MODELS)))


def pytest_collection_modifyitems(config, items) -> None:
    """The 2017 libraries' deprecation warnings are not these tests'
    subject: they are not reported. A test marked for the other firmware
    model is skipped with its reason."""
    model = config.getoption(FIRMWARE_OPTION)
    for item in items:
        item.add_marker(pytest.mark.filterwarnings('ignore'))
        marker = item.get_closest_marker('firmware')
        if marker is not None and marker.args[0] != model:
            item.add_marker(pytest.mark.skip(reason='%s model only: %s' % (
                marker.args[0], marker.kwargs['reason'])))


@pytest.fixture(scope='session')
def firmware(pytestconfig) -> str:
    """The emulator's firmware model of this run."""
    return pytestconfig.getoption(FIRMWARE_OPTION)


@pytest.fixture(scope='session')
def conductor_layout(tmp_path_factory) -> Iterator[Layout]:
    """ironic configured once for the session (its config is global),
    with a web server for ``[deploy]http_root``."""
    root = tmp_path_factory.mktemp('functional')
    # Every test's fleet writes its CA to the same file, the one that
    # [ilo]ca_file names.
    ca_file = IloFleet(root / PKI).ca_file
    layout = Layout(root / 'ironic')
    web = WebServer(layout)
    try:
        # power_wait 0: an emulated server changes its power at once.
        conductor.configure(layout, ca_file, web.url, debug=True,
                            power_wait=0)
        yield layout
    finally:
        web.stop()


@pytest.fixture
def fleet(conductor_layout: Layout) -> Iterator[IloFleet]:
    """A started fleet whose CA is the one ironic trusts, on this
    process's addresses of the group's block."""
    with running_fleet(conductor_layout.root.parent / PKI,
                       addresses.first('functional')) as fleet:
        yield fleet


@pytest.fixture
def log_records(request) -> Iterator[RecordCollector]:
    """Every log record of the test; checked for secrets afterwards."""
    with RecordCollector() as collector:
        yield collector
    lab = request.node.funcargs.get('lab')
    secrets = lab.secrets if lab is not None else []
    leaks = find_leaks(collector.records, secrets)
    assert not leaks, 'secrets in the log records of: %s (%d records)' % (
        ', '.join(leaking_loggers(leaks)), len(leaks))


@pytest.fixture
def lab(log_records: RecordCollector, fleet: IloFleet,
        firmware: str) -> Iterator[Lab]:
    """Emulated iLOs on the run's firmware model and nodes for one test;
    nodes deleted afterwards."""
    with lab_on(fleet, firmware) as lab:
        yield lab


@pytest.fixture
def no_waits() -> Iterator[NoWaits]:
    """Retry sleeps of proliantutils and sushy return at once."""
    with NoWaits() as waits:
        yield waits
