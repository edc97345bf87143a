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

"""Several emulated iLOs at once; lifecycle; the backend hook interface."""
from __future__ import annotations

import concurrent.futures
import socket
import ssl

from proliantutils import exception
import pytest

from iloemu import EmulatedIlo, IloEmuError, IloFleet, ServerSpec
from iloemu.backends.base import Backend
from iloemu.backends.fake import FakeBackend
from iloemu.testing import ilo_client


def test_many_iLOs_at_once_each_with_its_own_state(fleet):
    ilos = [fleet.add(generation=g, firmware='lenient')
            for g in (9, 10, 9, 10)]
    prefix, first = ilos[0].address.rsplit('.', 1)
    assert [i.address for i in ilos] == [
        '%s.%d' % (prefix, n) for n in range(int(first), int(first) + 4)]
    assert {i.port for i in ilos} == {443}

    def deploy(ilo: EmulatedIlo) -> str:
        client = ilo_client(ilo)
        client.set_iscsi_info('iqn.2010-10.org.example:%s' % ilo.address,
                              1, '192.0.2.1')
        client.update_persistent_boot(['ISCSI'])
        return client.model

    with concurrent.futures.ThreadPoolExecutor(len(ilos)) as pool:
        models = list(pool.map(deploy, ilos))
    assert models == ['ProLiant DL380 Gen%d' % i.generation for i in ilos]
    for ilo in ilos:
        iqns = {t.iqn for t in ilo.state().iscsi.values()}
        assert iqns == {'iqn.2010-10.org.example:%s' % ilo.address}
        assert ilo.state().persistent_boot == 'UefiTarget'
    assert len({id(i.log) for i in ilos}) == 4


def test_certificate_names_the_address_and_verifies(fleet):
    ilo = fleet.add(generation=10)
    context = ssl.create_default_context(cafile=str(fleet.ca_file))
    with socket.create_connection((ilo.address, 443), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=ilo.address) as tls:
            names = tls.getpeercert()['subjectAltName']
    assert names == (('IP Address', ilo.address),)


def test_stop_refuses_and_start_serves_again(fleet):
    ilo = fleet.add(generation=9)
    ilo.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((ilo.address, 443), timeout=5)
    ilo.start()
    assert ilo_client(ilo).get_host_power_status() == 'OFF'


def test_only_loopback_addresses(fleet):
    for address in ('10.0.0.1', '::1', 'localhost', '0.0.0.0'):
        with pytest.raises(IloEmuError, match='loopback'):
            fleet.add(address=address)
    with pytest.raises(IloEmuError, match='taken'):
        fleet.add(address=fleet.add().address)


def test_fleet_as_context_manager(tmp_path):
    with IloFleet(tmp_path) as fleet:
        ilo = fleet.add(generation=10, address='127.0.0.77')
        assert fleet['127.0.0.77'] is ilo and len(fleet) == 1
        with socket.create_connection((ilo.address, 443), timeout=5):
            pass
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.77', 443), timeout=5)


class RecordingBackend(Backend):
    """What a qemu backend would be: hooks that get the state to boot."""

    def __init__(self, spec: ServerSpec) -> None:
        super().__init__(spec)
        self.started = []

    def on_power_on(self, state):
        attempts = [a for a in state.iscsi_current.attempts.values()
                    if a.enabled]
        self.started.append((state.boot_mode(), state.boot.uefi_target,
                             [(a.target_name, a.chap_secret.reveal())
                              for a in attempts]))

    def on_reset(self, state):
        self.on_power_on(state)

    def on_power_off(self, state):
        self.started.append('off')


def test_a_backend_sees_what_the_iLO_holds_when_it_starts(fleet):
    spec = ServerSpec('127.0.0.20', generation=10, firmware='lenient')
    ilo = fleet.add(spec, backend=RecordingBackend(spec))
    client = ilo_client(ilo)
    client.set_iscsi_info('iqn.2010-10.org.example:vol', 1, '192.0.2.1',
                          auth_method='CHAP', username='u',
                          password='Chap-Secret-13',
                          macs=[spec.nics[0].mac])
    client.update_persistent_boot(['ISCSI'])
    client.set_host_power('ON')
    assert ilo.backend.started == [
        ('uefi', 'NIC.LOM.1.1.iSCSI',
         [('iqn.2010-10.org.example:vol', 'Chap-Secret-13')])]


def test_backend_errors_become_protocol_errors(fleet):
    class Broken(FakeBackend):
        def on_power_on(self, state):
            raise RuntimeError('qemu did not start')

    spec = ServerSpec('127.0.0.21', generation=9)
    ilo = fleet.add(spec, backend=Broken(spec))
    with pytest.raises(exception.IloError, match='InternalError'):
        ilo_client(ilo).set_host_power('ON')
    assert ilo.log.records[-1].status == 500


def test_fake_backend_records_its_hooks(fleet):
    ilo = fleet.add(generation=9)
    client = ilo_client(ilo)
    client.set_host_power('ON')
    client.reset_server()
    client.set_host_power('OFF')
    assert [kind for kind, _ in ilo.backend.hook_calls] == [
        'power-on', 'reset', 'power-off']


def test_address_in_use_is_a_clear_error(fleet):
    ilo = fleet.add(generation=9)
    twin = IloFleet(fleet.directory / 'twin')
    try:
        with pytest.raises(IloEmuError, match='cannot listen on %s:443'
                           % ilo.address):
            twin.add(address=ilo.address).start()
    finally:
        twin.close()
