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

"""The CHAP secret and the iLO password never show in what we print."""
from __future__ import annotations

import io
import logging

import requests

from iloemu.cli import main
from iloemu.testing import ilo_client

SECRET = 'Chap-Secret-13'


def _deploy_with_chap(ilo):
    client = ilo_client(ilo)
    with ilo.operation('set_iscsi_info'):
        client.set_iscsi_info('iqn.2010-10.org.example:vol', 1, '192.0.2.1',
                              auth_method='CHAP', username='chap-user',
                              password=SECRET)
    return client


def test_chap_secret_is_stored_but_never_shown(ilo, caplog):
    with caplog.at_level(logging.DEBUG, logger='iloemu'):
        _deploy_with_chap(ilo)
        ilo.backend.power('On')
    state = ilo.state()
    assert all(t.chap_secret.reveal() == SECRET
               for t in state.iscsi.values())
    shown = [repr(state), str(state), repr(ilo.backend.snapshot()),
             repr(ilo.log.records), ilo.log.summary(), caplog.text,
             repr(ilo), repr(ilo.backend.hook_calls)]
    assert caplog.text  # the emulator did log the requests
    assert not [text for text in shown if SECRET in text]
    assert '******' in repr(state)


def test_iscsi_resources_never_return_the_secret(ilo):
    _deploy_with_chap(ilo)
    base = ('/rest/v1/systems/1/bios/iScsi' if ilo.generation == 9
            else '/redfish/v1/systems/1/bios/iscsi/')
    for path in (base, base.rstrip('/') + '/Settings'):
        answer = requests.get('https://%s%s' % (ilo.address, path),
                              auth=('Administrator', 'password'),
                              verify=str(ilo.ca_file))
        assert answer.status_code == 200
        assert SECRET not in answer.text
        key = 'iSCSIBootSources' if ilo.generation == 9 else 'iSCSISources'
        assert {s['iSCSIChapSecret'] for s in answer.json()[key]} == {None}


def test_passwords_are_masked(fleet, monkeypatch):
    ilo = fleet.add(generation=9, password='ilo-password-1')
    assert 'ilo-password-1' not in repr(ilo) + repr(ilo.spec)
    out = io.StringIO()
    monkeypatch.setenv('ILOEMU_PASSWORD', 'env-password-2')
    assert main(['--no-wait', '--first-address', '127.0.0.40',
                 '--directory', str(fleet.directory / 'cli')], out) == 0
    assert 'env-password-2' not in out.getvalue()
    assert 'password=******' in out.getvalue()


def test_proliantutils_and_sushy_themselves_log_the_secret(ilo, caplog):
    """Not the emulator: the client libraries, at DEBUG. A tripwire.

    proliantutils' RIS client logs request bodies; sushy's connector too.
    Whoever turns those loggers to DEBUG logs the CHAP secret.
    """
    with caplog.at_level(logging.DEBUG):
        _deploy_with_chap(ilo)
    leaking = {r.name for r in caplog.records if SECRET in r.getMessage()}
    assert leaking == ({'proliantutils.rest.v1'} if ilo.generation == 9
                       else {'sushy.connector'})


def test_refused_chap_secrets_are_not_echoed(ilo, caplog):
    """A secret of the wrong type or form: 400, the value never shown."""
    ris = ilo.generation == 9
    path = ('/rest/v1/systems/1/bios/iScsi/Settings' if ris
            else '/redfish/v1/systems/1/bios/iscsi/settings')
    for secret in (987654321098765, ['Chap-Secret-13'], 'Chap-Secret-13'):
        attempt = {'iSCSINicSource': 'NicBoot1',
                   'iSCSIAuthenticationMethod': 'Chap',
                   'iSCSIChapSecret': secret,
                   'iSCSITargetTcpPort': 'not-a-number'}
        body = {('iSCSIBootSources' if ris else 'iSCSISources'): [attempt]}
        with caplog.at_level(logging.DEBUG, logger='iloemu'):
            answer = requests.patch(
                'https://%s%s' % (ilo.address, path), json=body,
                auth=('Administrator', 'password'), verify=str(ilo.ca_file))
        assert answer.status_code == 400
        for shown in (answer.text, caplog.text, repr(ilo.log.records)):
            assert 'Chap-Secret-13' not in shown
            assert '987654321098765' not in shown
