"""Fixtures of the real-boot group: packages, the target, emulated iLOs.

The session installs the Debian packages it needs when they are missing
(as root: CI starts from a machine with python3 and git only) and skips
the boot tests, with the reason, only where qemu cannot start a machine
at all. One tgtd serves every volume (:mod:`tests.realboot.volumes`) for
the whole session; every test gets its own fleet of emulated iLOs, on
addresses apart from the other groups' (:func:`first_address`), whose
qemu backends keep their files under the test's ``tmp_path``. Boot
times are printed in the terminal summary.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

import pytest

from iloemu import EmulatedIlo, IloFleet
from iloemu.backends.qemu import QemuBackend
from iloemu.testing import running_fleet
from realboot import images, packages, vm
from realboot.target import TargetSpec, TgtDaemon
from tests.realboot import timing, volumes


def first_address(pid: int) -> str:
    """The first emulated iLO address of this process: 127.1.N.2.

    Apart from the unit tests (127.0.0.x) and the functional group
    (127.2.0.2 and up); per process, so concurrent runs rarely meet.
    ``REALBOOT_FIRST_ADDRESS`` overrides it.

    >>> first_address(1), first_address(300)
    ('127.1.2.2', '127.1.47.2')
    """
    return '127.1.%d.2' % (1 + pid % 254)


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
    """Print the boot time of every scenario that ran."""
    if not timing.MEASURED:
        return
    terminalreporter.section('real boot: seconds from power-on')
    for scenario, seconds in timing.MEASURED:
        terminalreporter.write_line('%6.1f s  %s' % (seconds, scenario))


@pytest.fixture(scope='session')
def realboot_ready() -> List[str]:
    """Install missing packages; skip only if qemu cannot start at all.

    Returns the packages this session installed.
    """
    installed = packages.ensure()
    problem = packages.qemu_problem()
    if problem:
        pytest.skip('real-boot tests need qemu to start a TCG machine: '
                    + problem)
    return installed


@pytest.fixture(scope='session')
def target(realboot_ready, tmp_path_factory) -> Iterator[TgtDaemon]:
    """tgtd on 127.0.0.1 serving every volume, built for this session."""
    directory = tmp_path_factory.mktemp('target')
    daemon = TgtDaemon(directory).start()
    try:
        for volume in volumes.ALL:
            image = directory / volume.image_name
            build = images.build_bios_lun if volume.bios else \
                images.build_uefi_lun
            build(image, volume.marker)
            daemon.add(TargetSpec(volume.tid, volume.iqn, image, volume.lun,
                                  (volume.initiator,), volume.chap))
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def fleet(realboot_ready, tmp_path: Path) -> Iterator[IloFleet]:
    """Started emulated iLOs; at the end no VM of theirs runs."""
    address = os.environ.get('REALBOOT_FIRST_ADDRESS') or first_address(
        os.getpid())
    with running_fleet(tmp_path / 'pki', address) as fleet:
        yield fleet
    assert vm.running() == [], 'a VM outlived its iLO'


@pytest.fixture(params=[9, 10], ids=['gen9', 'gen10'])
def server(request, fleet: IloFleet, tmp_path: Path) -> EmulatedIlo:
    """A UEFI ProLiant of each generation, powered off, qemu behind it."""
    return fleet.add(generation=request.param,
                     backend=QemuBackend.factory(tmp_path / 'machines'))
