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

"""The steps of a scenario, each an ``openstack`` or ``cinder`` command.

:class:`Operator` (on :class:`services.client.Operator`, which types the
commands) writes, for each command, its time and the iLO requests it
cost to ``build/services/logs/commands.txt``, and checks what a deploy
and an undeploy must leave; :func:`assert_nothing_left` checks the iLO
after an undeploy, :func:`logs_holding_secret` the services' logs.
"""
from __future__ import annotations

from typing import List, Optional

from services import client
from services.client import (  # noqa: F401  (the tests' names for them)
    CONNECTOR, Tenant, WAIT, enabled_attempts, tgt_targets, uuid_from)


class Operator(client.Operator):
    """The commands of one scenario against one emulated iLO, checked."""

    def __init__(self, cli, services, ilo, scenario: str) -> None:
        super().__init__(cli, services, ilo, scenario, record=self._write)

    def _write(self, cost: client.Cost) -> None:
        with open(self.services.logs / 'commands.txt', 'a') as out:
            out.write('%s | %s | %.1f s | %d iLO requests\n' % (
                self.scenario, ' '.join(cost.command.split()[:2]),
                cost.seconds, cost.requests))

    def deploy(self, node_uuid: str, verb: str = 'deploy') -> Tenant:
        """``node deploy`` (or ``rebuild``): active, no last_error, the
        attempt enabled on the port's NIC, the target exported."""
        self.baremetal('node', verb, node_uuid, '--wait', WAIT, parse=False)
        node = self.node(node_uuid)
        assert (node['provision_state'], node['last_error']) == (
            'active', None)
        tenant = self.tenant(node_uuid)
        enabled = enabled_attempts(self.ilo)
        assert sorted(enabled) == [self.ilo.spec.nics[0].mac]
        attempt = enabled[self.ilo.spec.nics[0].mac]
        assert attempt.iqn == tenant.iqn
        assert attempt.iqn in tgt_targets(self.services)
        assert (attempt.auth_method, attempt.chap_user) == (
            'Chap' if tenant.chap_user else 'None', tenant.chap_user)
        assert attempt.chap_secret == tenant.chap_secret
        assert self.ilo.state().power == 'On'
        return tenant

    def undeploy(self, node_uuid: str, volume_id: str,
                 tenant: Optional[Tenant] = None) -> None:
        """``node undeploy``: available, volume available, nothing of
        ``tenant`` on the iLO or in tgt; without ``tenant`` (a failed
        deploy's undeploy), nothing enabled on the iLO."""
        self.baremetal('node', 'undeploy', node_uuid, '--wait', WAIT,
                       parse=False)
        node = self.node(node_uuid)
        assert (node['provision_state'], node['last_error']) == (
            'available', None)
        assert self.cli.wait_volume(volume_id, 'available')['status'] == \
            'available'
        assert tenant is None or \
            tenant.iqn not in tgt_targets(self.services)
        assert_nothing_left(self.ilo, tenant)
        assert logs_holding_secret(self.services, tenant) == []


def logs_holding_secret(services, tenant: Optional[Tenant]) -> List[str]:
    """The services' logs (ironic, Cinder, RabbitMQ, the CLI's records)
    that hold ``tenant``'s CHAP secret: their names, never the secret."""
    secret = tenant.chap_secret.reveal() if tenant and tenant.chap_secret \
        else None
    return [path.name for path in sorted(services.logs.iterdir())
            if secret and path.is_file() and
            secret in path.read_text(errors='replace')]


def assert_nothing_left(ilo, tenant: Optional[Tenant]) -> None:
    """No enabled attempt, no IQN, CHAP user or secret of ``tenant`` in
    the pending iSCSI settings, no boot override to an iSCSI target."""
    assert client.leftovers(ilo.state(), tenant) == []
