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

"""Fixtures of the real-boot group: packages, the target, emulated iLOs.

The session checks that the Debian packages it needs are there (it
installs nothing: a missing one skips the boot tests with one line that
names it and says to run ``./wb deps``), and skips them, saying why,
where qemu cannot start a machine at all. One tgtd serves every volume
(:mod:`tests.realboot.volumes`) for the whole session; every test gets
its own fleet of emulated iLOs, on the group's block of addresses
(:mod:`iloemu.addresses`), whose qemu backends keep their files under
the test's ``tmp_path``. Boot times are printed in the terminal summary.

The scenarios through ironic (:mod:`tests.realboot.test_ironic_boot`)
run it as its conductor does, in this process, monkey patched by eventlet
(``import ironic.cmd``, before anything else): ``ironic.conf`` and a
SQLite database made once for the session (``conductor_layout``), a
:class:`~harness.lab.Lab` per test, and the functional
group's log check (no secret in any log record).
"""
from __future__ import annotations

import ironic.cmd  # noqa: F401  (the conductor's eventlet monkey patching)

import os
import signal
from pathlib import Path
from typing import Iterator

import pytest

from iloemu import EmulatedIlo, IloFleet, addresses
from iloemu.testing import running_fleet
from harness import conductor
from harness.config import Layout
from harness.lab import Lab, lab_on
from harness.web import WebServer
from realboot import commands, images, packages, vm
from realboot.backend import QemuBackend
from realboot.errors import PackagesMissing
from realboot.gateway import TranslatingWebServer
from realboot.target import TargetSpec, TgtDaemon, tgtadm
from realboot.tgtbuild import TgtBuild, build_directory
from tests.functional.conftest import log_records  # noqa: F401
from tests.realboot import timing, volumes


def pytest_configure(config) -> None:
    """SIGTERM (``timeout``, CI) ends the run as an exception would: the
    fixtures stop their VMs and tgtd, the exit hooks run."""
    def stop(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)


def pytest_collection_modifyitems(items) -> None:
    """Hide the asyncore deprecation warning of proliantutils' pysnmp.

    It is not this group's subject (nor avoidable on Python 3.11).
    """
    for item in items:
        if 'tests/realboot/' in str(item.fspath):
            item.add_marker(pytest.mark.filterwarnings(
                'ignore:The asyncore module is deprecated'))


@pytest.fixture(scope='session')
def boot_times() -> timing.BootTimes:
    """Where scenarios record their boot times."""
    return timing.BootTimes()


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the boot time of every scenario that ran, then what the
    group took: wall time, VM starts, VM-seconds (the last two do not
    depend on the machine's load as much as the first)."""
    if not timing.MEASURED:
        return
    terminalreporter.section('real boot: seconds from power-on')
    for scenario, seconds in timing.MEASURED:
        terminalreporter.write_line('%6.1f s  %s' % (seconds, scenario))
    terminalreporter.write_line(timing.group_line(vm.usage()))


@pytest.fixture(scope='session')
def realboot_ready() -> None:
    """Skip if a Debian package is missing or qemu cannot start."""
    try:
        packages.check()
    except PackagesMissing as exc:
        pytest.skip(str(exc))
    problem = packages.qemu_problem()
    if problem:
        pytest.skip('real-boot tests need qemu to start a TCG machine: '
                    + problem)


def patched_tgtd() -> Path:
    """The tgtd built from ``tgt/`` (``./wb test`` builds it first)."""
    binary = TgtBuild(build_directory(), progress=lambda _: None).current()
    if binary is None:
        pytest.skip('the real boot needs the patched tgtd under %s (the '
                    'firmware offers SHA-256 CHAP): python -m '
                    'realboot.tgtbuild, or ./wb test' % build_directory())
    return binary


@pytest.fixture(scope='session')
def target(realboot_ready, tmp_path_factory) -> Iterator[TgtDaemon]:
    """The patched tgtd on 127.0.0.1 serving every volume (this session)."""
    directory = tmp_path_factory.mktemp('target')
    daemon = TgtDaemon(directory, tgtd=patched_tgtd()).start()
    try:
        for volume in volumes.ALL:
            image = directory / volume.image_name
            build = images.build_bios_lun if volume.bios else \
                images.build_uefi_lun
            build(image, volume.marker)
            daemon.add(TargetSpec(volume.tid, volume.iqn, image, volume.lun,
                                  (volume.initiator,), volume.chap))
        for volume in volumes.DECOYS:
            image = directory / ('lun%d-%s' % (volume.lun,
                                               volume.image_name))
            images.build_bios_lun(image, volume.marker)
            commands.run(tgtadm(daemon.control_port, '--op', 'new',
                                '--mode', 'logicalunit', '--tid',
                                str(volume.tid), '--lun', str(volume.lun),
                                '--backing-store', str(image)), timeout=30)
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope='session')
def pki(tmp_path_factory) -> Path:
    """Where every fleet of the session keeps its CA (``[ilo]ca_file``)."""
    return tmp_path_factory.mktemp('pki')


@pytest.fixture(scope='session')
def gateway(tmp_path_factory,
            target: TgtDaemon) -> Iterator[TranslatingWebServer]:
    """ironic's ``[deploy]http_url``, serving ``http_root`` as the guests
    see it: the target's portal and this server named by their forwards.
    """
    http_root = tmp_path_factory.mktemp('ironic') / 'httpboot'
    WebServer.write_deploy_images(http_root)
    with TranslatingWebServer(http_root) as web:
        web.add_endpoints([target.portal])
        yield web


@pytest.fixture(scope='session')
def conductor_layout(pki: Path,
                     gateway: TranslatingWebServer) -> Layout:
    """ironic configured once for the session (its config is global)."""
    layout = Layout(gateway.root.parent)
    assert layout.http_root == gateway.root
    # power_wait 0: an emulated server changes its power at once; its
    # POST discovers after 0.3 s: read the POST state every 0.2 s (each
    # deploy's POST cycle starts a VM, and the pair's second server is
    # prepared while the first boots).
    conductor.configure(layout, IloFleet(pki).ca_file, gateway.url,
                        debug=True, power_wait=0,
                        ilo={'post_cycle_poll_interval': 0.2})
    return layout


@pytest.fixture
def fleet(realboot_ready, pki: Path) -> Iterator[IloFleet]:
    """Started emulated iLOs; at the end no VM of theirs runs."""
    address = (os.environ.get('REALBOOT_FIRST_ADDRESS')
               or addresses.first('realboot'))
    with running_fleet(pki, address) as fleet:
        yield fleet
    assert vm.running() == [], 'a VM outlived its iLO'


@pytest.fixture
def lab(log_records, conductor_layout: Layout,  # noqa: F811
        fleet: IloFleet) -> Iterator[Lab]:
    """Emulated iLOs and nodes for one test; nodes deleted afterwards."""
    with lab_on(fleet) as lab:
        yield lab


@pytest.fixture(params=[9, 10], ids=['gen9', 'gen10'])
def server(request, fleet: IloFleet, tmp_path: Path) -> EmulatedIlo:
    """A UEFI ProLiant of each generation, powered off, qemu behind it."""
    return fleet.add(generation=request.param,
                     backend=QemuBackend.factory(tmp_path / 'machines'))
