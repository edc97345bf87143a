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

"""The conductor's config, database and volume data, without loading
ironic's config into this process."""
from __future__ import annotations

import configparser
from pathlib import Path
import stat

from harness import config, database
from harness.config import Layout
from harness.nodes import VolumeSpec
from harness.web import WebServer


def _config(tmp_path: Path) -> configparser.ConfigParser:
    text = config.config_text(Layout(tmp_path),
                              tmp_path / 'ca.pem', 'http://127.0.0.1:9',
                              power_wait=0)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def test_config_is_an_ilo_conductor(tmp_path):
    config = _config(tmp_path)
    default = config['DEFAULT']
    assert default['enabled_hardware_types'] == 'ilo'
    assert default['enabled_boot_interfaces'] == (
        'ilo-pxe,ilo-virtual-media')
    assert default['enabled_storage_interfaces'] == 'cinder,noop'
    assert config['ilo']['ca_file'] == str(tmp_path / 'ca.pem')
    assert config['ilo']['client_port'] == '443'
    assert config['ilo']['power_wait'] == '0'
    assert config['database']['connection'] == (
        'sqlite:///%s' % (tmp_path / 'ironic.sqlite'))
    assert config['pxe']['ipxe_enabled'] == 'True'
    assert config['pxe']['pxe_config_template'].endswith(
        'ipxe_config.template')
    assert config['deploy']['http_url'] == 'http://127.0.0.1:9'
    assert config['dhcp']['dhcp_provider'] == 'none'


def test_connection_data_as_cinder_gives_it():
    plain = VolumeSpec('iqn.x:v', 0, '[2001:db8::1]:3260',
                       volume_id='vol-1').connection_data()
    assert plain['target_portal'] == '[2001:db8::1]:3260'
    assert plain['ironic_volume_uuid'] == plain['volume_id'] == 'vol-1'
    assert 'auth_method' not in plain
    chap = VolumeSpec('iqn.x:v', 1, '192.0.2.1:3260', 'user',
                      'Chap-secret-1').connection_data()
    assert (chap['auth_method'], chap['auth_username'],
            chap['auth_password']) == ('CHAP', 'user', 'Chap-secret-1')


def test_web_server_serves_the_deploy_images(tmp_path):
    import urllib.request
    web = WebServer(Layout(tmp_path))
    try:
        for name in WebServer.DEPLOY_IMAGES:
            request = urllib.request.Request('%s/%s' % (web.url, name),
                                             method='HEAD')
            with urllib.request.urlopen(request, timeout=5) as answer:
                assert answer.status == 200
    finally:
        web.stop()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_holding_secrets_is_the_owners_only(tmp_path):
    layout = Layout(tmp_path / 'ironic')
    config.write_config(layout, tmp_path / 'ca.pem', 'http://127.0.0.1:9')
    assert _mode(layout.root) == 0o700
    database.create_schema(layout)
    assert _mode(layout.database) == 0o600
    assert layout.database.stat().st_size > 0
