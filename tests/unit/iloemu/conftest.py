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

"""Fixtures: emulated iLOs on 127.0.0.N:443, always stopped after a test.

proliantutils caches IloClient objects per (address, login, password) for
the whole process; every fixture that starts iLOs empties that cache on
teardown, while the iLOs still run (a dropped Redfish client logs out).
"""
from __future__ import annotations

import os
from typing import Iterator

import pytest

from iloemu import addresses
from iloemu import EmulatedIlo, IloFleet
from iloemu.testing import NoWaits, forget_clients, ilo_client


@pytest.fixture
def fleet(tmp_path) -> Iterator[IloFleet]:
    """A started fleet with its CA under ``tmp_path``.

    Its addresses are this process's range of the unit tests' block
    (:mod:`iloemu.addresses`), so that two checkouts can run these tests
    at once on one machine; ``ILOEMU_TEST_FIRST_ADDRESS`` overrides it.
    """
    fleet = IloFleet(tmp_path / 'pki', first_address=os.environ.get(
        'ILOEMU_TEST_FIRST_ADDRESS') or addresses.first('unit'))
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


@pytest.fixture(params=[9, 10], ids=['gen9', 'gen10'])
def lenient(request, fleet: IloFleet) -> EmulatedIlo:
    """Each generation in turn, under the lenient firmware model, named.

    For tests of what does not depend on the model (request counts) or
    of the lenient model itself; they hold whatever DEFAULT_FIRMWARE is.
    """
    return fleet.add(generation=request.param, firmware='lenient')


@pytest.fixture
def client(ilo: EmulatedIlo):
    """The real proliantutils IloClient for ``ilo`` (CA verified)."""
    return ilo_client(ilo)


@pytest.fixture
def no_waits() -> Iterator[NoWaits]:
    """Retry sleeps of proliantutils and sushy return at once."""
    with NoWaits() as waits:
        yield waits
