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

"""Emulated iLOs in their own process, and the driver's pure helpers."""
from __future__ import annotations

import ssl
import sys
import time
import urllib.request

import pytest

from benchmark import remote
from iloemu import addresses

ADDRESS = addresses.first('unit')  # this process's /24 of the unit block


def _get(address: str, path: str, ca_file: str) -> int:
    context = ssl.create_default_context(cafile=ca_file)
    with urllib.request.urlopen('https://%s%s' % (address, path),
                                context=context, timeout=10) as answer:
        return answer.status


def test_fleet_in_another_process(tmp_path):
    fleet = remote.RemoteFleet(sys.executable)
    try:
        ca_file = fleet.start(tmp_path / 'pki', ADDRESS)
        assert ca_file.is_file()
        address, login, password = fleet.add(
            9, 'pw-remote-test', ['9c:b6:98:00:00:01'],
            'iqn.2017-11.org.example:x', 0.05)
        assert (address, password) == (ADDRESS, 'pw-remote-test')
        assert fleet.counts() == {}
        start = time.monotonic()
        assert _get(address, '/redfish/v1/', str(ca_file)) == 200
        assert time.monotonic() - start >= 0.05  # the latency, inclusive
        assert fleet.counts() == {'GET': 1}
        fleet.clear()
        assert fleet.counts() == {}
        with pytest.raises(remote.RemoteError, match='generation'):
            fleet.add(8, 'pw', ['9c:b6:98:00:00:02'], 'iqn.x:y', 0)
        fleet.stop_fleet()
    finally:
        fleet.close()


def test_posts_count_the_server_starts_since_the_last_clear(tmp_path):
    fleet = remote.RemoteFleet(sys.executable)
    try:
        fleet.start(tmp_path / 'pki', ADDRESS)
        address = fleet.add(10, 'pw-remote-test', ['9c:b6:98:00:00:03'],
                            'iqn.2017-11.org.example:x', 0,
                            firmware='strict', power='Off')[0]
        fleet.clear()
        assert fleet.posts() == {address: 0}
        fleet.run_instance()  # on (a whole POST), then off
        assert fleet.posts() == {address: 1}
        fleet.clear()
        assert fleet.posts() == {address: 0}
        fleet.stop_fleet()
    finally:
        fleet.close()
