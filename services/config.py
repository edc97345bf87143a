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

"""The services' configuration files, as text.

Only the settings that differ from the defaults, and those that matter
here: loopback addresses, SQLite, no authentication, RabbitMQ, privsep
instead of sudo and rootwrap, the sparse-file volume driver with Cinder's
tgt helper, and the ``ilo`` hardware type with Cinder storage.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict

from harness import config as harness_config
from services import layout as layout_mod
from services.layout import Layout

#: Cinder's API pipeline without Keystone (the wheel ships no paste file).
PASTE = """\
[composite:osapi_volume]
use = call:cinder.api:root_app_factory
/: versions
/v3: volume_v3

[pipeline:versions]
pipeline = faultwrap versionsapp

[pipeline:volume_v3]
pipeline = request_id faultwrap noauth v3app

[filter:request_id]
paste.filter_factory = oslo_middleware.request_id:RequestId.factory

[filter:faultwrap]
paste.filter_factory = cinder.api.middleware.fault:FaultWrapper.factory

[filter:noauth]
paste.filter_factory = cinder.api.middleware.auth:NoAuthMiddleware.factory

[app:versionsapp]
paste.app_factory = cinder.api.versions:Versions.factory

[app:v3app]
paste.app_factory = cinder.api.v3.router:APIRouter.factory
"""

BACKEND = 'sparse'


def cinder_files(layout: Layout) -> Dict[str, Path]:
    """Cinder's files and folders."""
    root = layout.folder('cinder')
    return {'conf': root / 'cinder.conf', 'paste': root / 'api-paste.ini',
            'database': root / 'cinder.sqlite', 'state': root / 'state',
            'targets': root / 'targets', 'volumes': root / 'volumes',
            'tgt_conf': root / 'tgt-targets.conf', 'bin': root / 'bin'}


def cinder_conf(layout: Layout) -> str:
    """``cinder.conf``: api, scheduler and volume.

    >>> text = cinder_conf(Layout(Path('/s')))
    >>> 'auth_strategy = noauth' in text, 'target_helper = tgtadm' in text
    (True, True)
    >>> 'debug = False' in text
    True
    """
    files = cinder_files(layout)
    privsep = '%s --config-file %s' % (
        layout.cinder_venv / 'bin' / 'privsep-helper', files['conf'])
    return '\n'.join([
        '[DEFAULT]',
        # Not True: at DEBUG Cinder's tgt helper logs the target file it
        # writes, the tenant's CHAP secret in it.
        'debug = False',
        'host = services',
        'my_ip = %s' % layout.address,
        'state_path = %s' % files['state'],
        'auth_strategy = noauth',
        'api_paste_config = %s' % files['paste'],
        'osapi_volume_listen = %s' % layout.address,
        'osapi_volume_listen_port = %d' % layout_mod.CINDER_PORT,
        'osapi_volume_workers = 1',
        'transport_url = %s' % layout.transport_url(),
        'enabled_backends = %s' % BACKEND,
        # The test group keeps its volumes until the services stop
        # (deleting them cost two commands a scenario); Cinder's
        # default quota is 10 volumes a project.
        'quota_volumes = 200',
        # Periodic tasks at once, not after a random delay of up to
        # 60 s: cinder-volume's first report of its pool to the
        # scheduler is one; until the scheduler has it, it refuses
        # every volume ("No valid backend was found").
        'periodic_fuzzy_delay = 0',
        '',
        '[database]',
        # cinder-api and cinder-volume write the same file: wait for
        # the other's lock up to a minute (pysqlite's default: 5 s).
        'connection = sqlite:///%s?timeout=60' % files['database'],
        '',
        '[oslo_concurrency]',
        'lock_path = %s' % (files['state'] / 'locks'),
        '',
        '[cinder_sys_admin]',
        'helper_command = %s' % privsep,
        '',
        '[%s]' % BACKEND,
        'volume_driver = services.sparsedriver.SparseFileDriver',
        'volume_backend_name = %s' % BACKEND,
        'sparse_file_dir = %s' % files['volumes'],
        'target_helper = tgtadm',
        'target_protocol = iscsi',
        'target_ip_address = %s' % layout.address,
        'target_port = %d' % layout_mod.ISCSI_PORT,
        'volumes_dir = %s' % files['targets'],
        '',
    ])


def tgt_admin_wrapper(layout: Layout) -> str:
    """A ``tgt-admin`` first in cinder-volume's PATH: Debian's, reading
    our targets file instead of ``/etc/tgt/targets.conf`` (nothing of
    the system's configuration is touched)."""
    return '#!/bin/sh\nexec /usr/sbin/tgt-admin -c %s "$@"\n' % (
        cinder_files(layout)['tgt_conf'])


def tgt_targets_conf(layout: Layout) -> str:
    """What ``tgt-admin`` reads: the targets Cinder's helper writes."""
    return 'include %s/*\n' % cinder_files(layout)['targets']


def ironic_files(layout: Layout) -> harness_config.Layout:
    """ironic's folders (the harness's layout, in our folder)."""
    return harness_config.Layout(layout.root / 'ironic')


def conductor_host_conf(host: str) -> str:
    """A second ``--config-file`` of ironic-conductor: another
    ``[DEFAULT]host``, so that a restarted conductor is another one and
    takes the nodes of the first over.

    >>> conductor_host_conf('other')
    '[DEFAULT]\\nhost = other\\n'
    """
    return '[DEFAULT]\nhost = %s\n' % host


def ironic_conf(layout: Layout) -> str:
    """``ironic.conf`` of ironic-api and ironic-conductor: the harness's
    settings, then the services' (later sections win in oslo.config).

    >>> text = ironic_conf(Layout(Path('/s')))
    >>> 'transport_url = rabbit://' in text
    True
    """
    files = ironic_files(layout)
    base = harness_config.config_text(
        files, layout.ca_file, 'http://%s:8080' % layout.address,
        debug=True, power_wait=1)
    return base + '\n'.join([
        '',
        '[DEFAULT]',
        'host = services-conductor',
        'auth_strategy = noauth',
        'transport_url = %s' % layout.transport_url(),
        'my_ip = %s' % layout.address,
        'enabled_deploy_interfaces = iscsi',
        # The API sends a node's requests to the conductor its hash ring
        # names, and rebuilds the ring from the database only this often
        # (default 180 s): after another conductor took the nodes over
        # (tests/services/test_outages.py), the API would send to the
        # stopped one's topic until then.
        'hash_ring_reset_interval = 5',
        '',
        '[database]',
        'connection = sqlite:///%s?timeout=60' % files.database,
        '',
        '[api]',
        'host_ip = %s' % layout.address,
        'port = %d' % layout_mod.IRONIC_PORT,
        'api_workers = 1',
        '',
        '[conductor]',
        'automated_clean = false',
        # How often a conductor looks for active nodes that its hash
        # ring gives it and another conductor deployed, to take them
        # over (default 180 s): the takeover test waits for it.
        'sync_local_state_interval = 5',
        '',
        '[oslo_messaging_rabbit]',
        # While RabbitMQ is down, ironic-api retries publishing a request
        # until it is back (ironic 9.1.6's RPC client sets no retry
        # limit). Non-durable queues are gone with RabbitMQ's restart
        # until the conductor reconnects and declares them again: a
        # request published before would be dropped, and answered by
        # a timeout after rpc_response_timeout. Durable ones keep it for
        # the conductor, whichever reconnects first.
        'amqp_durable_queues = true',
        '',
        '[cinder]',
        'url = %s' % layout.urls()['cinder'],
        'auth_type = admin_token',
        'token = admin:admin',
        '',
    ])
