"""Fixtures: emulated iLOs on 127.0.0.N:443, always stopped after a test.

proliantutils caches IloClient objects per (address, login, password) for
the whole process; every fixture that starts iLOs empties that cache on
teardown, while the iLOs still run (a dropped Redfish client logs out).
"""
from __future__ import annotations

from typing import Iterator

import pytest

from iloemu import EmulatedIlo, IloFleet
from iloemu.testing import NoWaits, forget_clients, ilo_client


@pytest.fixture
def fleet(tmp_path) -> Iterator[IloFleet]:
    """A started fleet with its CA under ``tmp_path``."""
    fleet = IloFleet(tmp_path / 'pki')
    fleet.start()
    try:
        yield fleet
    finally:
        forget_clients()
        fleet.close()


@pytest.fixture
def gen9(fleet: IloFleet) -> EmulatedIlo:
    """An emulated iLO 4 (ProLiant Gen9), UEFI, powered off."""
    return fleet.add(generation=9)


@pytest.fixture
def gen10(fleet: IloFleet) -> EmulatedIlo:
    """An emulated iLO 5 (ProLiant Gen10), UEFI, powered off."""
    return fleet.add(generation=10)


@pytest.fixture(params=[9, 10], ids=['gen9', 'gen10'])
def ilo(request, fleet: IloFleet) -> EmulatedIlo:
    """Each generation in turn."""
    return fleet.add(generation=request.param)


@pytest.fixture
def client(ilo: EmulatedIlo):
    """The real proliantutils IloClient for ``ilo`` (CA verified)."""
    return ilo_client(ilo)


@pytest.fixture
def no_waits() -> Iterator[NoWaits]:
    """Retry sleeps of proliantutils and sushy return at once."""
    with NoWaits() as waits:
        yield waits
