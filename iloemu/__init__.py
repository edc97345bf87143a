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

"""iloemu: emulated HPE iLO 4 (Gen9) and iLO 5 (Gen10) for tests.

An emulated iLO speaks what proliantutils' ``IloClient`` uses for UEFI
iSCSI boot: RIBCL for model detection, RIS under ``/rest/v1`` (Gen9) or
Redfish with HPE OEM parts under ``/redfish/v1`` (Gen10), over HTTPS with
a certificate made at start, on its own loopback address, port 443.

Layout: a protocol front per protocol (``fronts/``) over a backend that
owns the server's state (``backends/``: ``fake``; a caller may plug in
another, as realboot's qemu backend); ``faults`` injects failures from a
declarative plan; ``reqlog`` counts requests per operation.

    from iloemu import IloFleet, FaultPlan
    from iloemu.testing import ilo_client

    with IloFleet() as fleet:
        ilo = fleet.add(generation=10)
        client = ilo_client(ilo)
        with ilo.operation('set_iscsi_info'):
            client.set_iscsi_info('iqn.2010-10.org.example:vol', 1,
                                  '192.0.2.10')
        ilo.state().iscsi          # per NIC MAC: IQN, LUN, portal, CHAP
        ilo.log.count('set_iscsi_info')
"""
from iloemu.config import NicSpec, ServerSpec
from iloemu.emulator import EmulatedIlo
from iloemu.errors import IloEmuError
from iloemu.faults import DelayRule, DropRule, FaultPlan, HttpErrorRule
from iloemu.manager import IloFleet
from iloemu.san import San
from iloemu.secret import Secret
from iloemu.state import StateView

__all__ = ['DelayRule', 'DropRule', 'EmulatedIlo', 'FaultPlan',
           'HttpErrorRule', 'IloEmuError', 'IloFleet', 'NicSpec', 'San',
           'Secret', 'ServerSpec', 'StateView']
