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

"""The operator's side of the services: ``openstack`` and ``cinder``.

:class:`Cli` types the commands in the client virtualenv against the
local endpoints (no Keystone); :class:`Operator` types the commands of
one node's life on one emulated iLO (enroll, boot volume, deploy,
undeploy) and counts, for each, its seconds and the iLO requests it
cost. :func:`tgt_targets`, :func:`enabled_attempts` and
:func:`leftovers` read what tgt and the iLO hold. Shared by the main
job (``demo``) and the services tests; secrets are masked in every
command line and error (:func:`mask`), and CHAP secrets are kept as
:class:`iloemu.secret.Secret`.
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
import re
import resource
import shutil
import subprocess
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence

from iloemu.secret import Secret
from services import config
from services.layout import Layout

#: The connector IQN of a node named ``%s``.
CONNECTOR = 'iqn.2017-01.org.openstack.ironic:services-%s'
#: The undeploy and deploy waits of the CLI (seconds).
WAIT = '300'
#: The volume type whose volumes the sparse driver exports without CHAP
#: (``services/sparsedriver.py``, extra spec ``sparse:chap``).
NO_CHAP_TYPE = 'no-chap'
#: Cinder's host of the sparse backend (host@backend#pool), for
#: ``cinder manage``.
BACKEND_HOST = 'services@%s#%s' % (config.BACKEND, config.BACKEND)

#: ``volume target show`` of the 9.1.6 API includes Cinder's CHAP
#: secret in its properties, and the iLO password is a command line
#: value of ``node create``: never print either.
#: An empty API version leaves that API's command group out of
#: ``openstack``'s start-up: these commands are ``baremetal`` only.
#: Loading the ~1000 commands of compute, network, image, share, ...
#: took a third of each command's start-up CPU (1.4 s, 1.1 s without).
QUIET_APIS = {'OS_%s_API_VERSION' % api: '' for api in (
    'ACCELERATOR', 'COMPUTE', 'IDENTITY', 'IMAGE', 'NETWORK', 'OBJECT',
    'VOLUME', 'SHARE')}
_SECRET = re.compile(
    r'(["\']?(?:auth_password|ilo_password)["\']?\s*[:=]\s*["\']?)'
    r'([^"\',}\s]+)')


def mask(text: str) -> str:
    """``text`` with every ``auth_password`` and ``ilo_password`` value
    replaced.

    >>> mask('{"auth_password": "Abc123", "auth_username": "u"}')
    '{"auth_password": "***", "auth_username": "u"}'
    >>> mask('--driver-info ilo_password=iLO-pw-1 --name n')
    '--driver-info ilo_password=*** --name n'
    """
    return _SECRET.sub(r'\1***', text)


def uuid_from(output: str) -> str:
    """The ``id`` row of a ``cinder`` table (:func:`table`).

    >>> uuid_from('| id | 5f0c |\\n| name | v |')
    '5f0c'
    """
    try:
        return table(output)['id']
    except KeyError:
        raise AssertionError('no id in: %s' % output) from None


def table(output: str) -> dict:
    """A ``cinder show`` table as a dict.

    >>> table('+--+\\n| Property | Value |\\n| status | available |')
    {'status': 'available'}
    """
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split('|')]
        if len(cells) == 4 and cells[1] and cells[1] != 'Property':
            rows[cells[1]] = cells[2]
    return rows


def list_ids(output: str) -> List[str]:
    """The IDs (the first column) of a ``cinder list`` table.

    >>> list_ids('+-+\\n| ID | Name |\\n+-+\\n| a1 | v |\\n+-+')
    ['a1']
    """
    rows = [line.split('|') for line in output.splitlines()[3:-1]]
    return [row[1].strip() for row in rows if len(row) > 2]


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Cli:
    """``openstack baremetal ...`` and ``cinder ...`` as typed; each
    command's seconds and CPU seconds go to ``logs/cli.txt``."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.bin = layout.client_venv / 'bin'
        self.commands: List[str] = []

    def _env(self) -> Dict[str, str]:
        return {**os.environ, 'PYTHONWARNINGS': 'ignore', **QUIET_APIS}

    def _run(self, argv: List[str], parse: bool, label: str) -> Any:
        shown = ' '.join(argv)
        self.commands.append(mask(shown))
        start = time.monotonic()
        cpu = _children_cpu()
        done = subprocess.run([str(self.bin / argv[0]), *argv[1:]],
                              capture_output=True, text=True,
                              env=self._env())
        with open(self.layout.logs / 'cli.txt', 'a') as log:
            log.write('%s %s | %.2f s | %.2f CPU s\n' % (
                argv[0], label, time.monotonic() - start,
                _children_cpu() - cpu))
        if done.returncode != 0:
            raise AssertionError('%s: exit %d: %s' % (
                mask(shown), done.returncode, mask(done.stderr.strip())))
        return json.loads(done.stdout) if parse and done.stdout.strip() \
            else done.stdout

    def _openstack(self, args: Sequence[str], parse: bool) -> List[str]:
        return ['openstack', '--os-auth-type', 'none', '--os-endpoint',
                self.layout.urls()['ironic'], 'baremetal', *args,
                *(['-f', 'json'] if parse else [])]

    def baremetal(self, *args: str, parse: bool = True) -> Any:
        """``openstack baremetal ARGS`` (``-f json`` when parsed)."""
        return self._run(self._openstack(args, parse), parse,
                         ' '.join(args[:2]))

    def start_baremetal(self, *args: str) -> subprocess.Popen:
        """``openstack baremetal ARGS`` started and left running (its
        output, stderr with it, as text on ``stdout``): a command to
        watch while it waits."""
        argv = self._openstack(args, False)
        self.commands.append(mask(' '.join(argv)))
        return subprocess.Popen(
            [str(self.bin / argv[0]), *argv[1:]], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env=self._env())

    def cinder(self, *args: str) -> str:
        """``cinder ARGS`` against the local Cinder, no Keystone."""
        return self._run(
            ['cinder', '--os-auth-type', 'noauth', '--os-user-id', 'admin',
             '--os-project-id', 'admin', '--os-endpoint',
             self.layout.urls()['cinder'], *args], False, args[0])

    def volume_ids(self, *args: str) -> List[str]:
        """The volumes of ``cinder list ARGS``."""
        return list_ids(self.cinder('list', *args))

    def volume(self, volume_id: str) -> dict:
        """``cinder show`` as a dict of its table."""
        return table(self.cinder('show', volume_id))

    def wait_volume(self, volume_id: str, status: str,
                    timeout: float = 60) -> dict:
        """The volume once its status is ``status``."""
        deadline = time.monotonic() + timeout
        while True:
            volume = self.volume(volume_id)
            if volume.get('status') == status or time.monotonic() > deadline:
                return volume
            time.sleep(1)


def remove_nodes(cli: Cli, uuids: List[str]) -> None:
    """``node maintenance set`` and ``node delete``, whatever their
    state (a volume a deleted node held stays attached in Cinder)."""
    if uuids:
        cli.baremetal('node', 'maintenance', 'set', *uuids, parse=False)
        cli.baremetal('node', 'delete', *uuids, parse=False)


def remove_volumes(cli: Cli, ids: List[str]) -> None:
    """``cinder delete`` (Cinder's default quota is 10 volumes), also
    of volumes still attached to nodes deleted in maintenance (their
    state reset first: Cinder's word only)."""
    if ids:
        cli.cinder('reset-state', '--state', 'available',
                   '--attach-status', 'detached', *ids)
        cli.cinder('delete', *ids)


def tgt_targets(layout: Layout) -> str:
    """What the services' tgtd exports (``tgtadm --op show``)."""
    return subprocess.run(
        ['tgtadm', '-C', '0', '--lld', 'iscsi', '--op', 'show', '--mode',
         'target'], capture_output=True, text=True, check=True,
        env={**os.environ, 'TGT_IPC_SOCKET': str(layout.tgt_socket)}
    ).stdout


def target_names(shown: str) -> List[str]:
    """The target IQNs of a ``tgtadm --op show`` listing.

    >>> target_names('Target 1: iqn.2010-10.org.openstack:volume-x\\n'
    ...              '    System information:\\n')
    ['iqn.2010-10.org.openstack:volume-x']
    """
    return re.findall(r'^Target \d+: (\S+)', shown, re.M)


@dataclasses.dataclass
class Tenant:
    """What one attach exported (read while the node is active)."""

    iqn: str
    chap_user: Optional[str]
    chap_secret: Optional[Secret]


@dataclasses.dataclass(frozen=True)
class Cost:
    """What one command cost: its words (masked), seconds, iLO requests."""

    command: str
    seconds: float
    requests: int


class Operator:
    """The commands of one node's life against one emulated iLO.

    ``record`` is called with the :class:`Cost` of every ``openstack
    baremetal`` command typed through :meth:`baremetal`.
    """

    def __init__(self, cli: Cli, services: Layout, ilo: Any, scenario: str,
                 record: Optional[Callable[[Cost], None]] = None) -> None:
        self.cli = cli
        self.services = services
        self.ilo = ilo
        self.scenario = scenario
        self.nodes: List[str] = []
        self.volumes: List[str] = []
        #: The port of each node (``enroll`` makes one).
        self.ports: Dict[str, str] = {}
        self.costs: List[Cost] = []
        self._record = record

    def baremetal(self, *args: str, parse: bool = True) -> Any:
        """``openstack baremetal ARGS``, timed and counted."""
        start, requests = time.monotonic(), len(self.ilo.log.records)
        try:
            return self.cli.baremetal(*args, parse=parse)
        finally:
            cost = Cost(mask(' '.join(args)), time.monotonic() - start,
                        len(self.ilo.log.records) - requests)
            self.costs.append(cost)
            if self._record is not None:
                self._record(cost)

    def fails(self, *args: str) -> str:
        """The error text of ``openstack baremetal ARGS``, which must
        fail."""
        try:
            self.baremetal(*args, parse=False)
        except AssertionError as error:
            return str(error)
        raise AssertionError('succeeded: %s' % ' '.join(args))

    def volume(self, name: str, volume_type: Optional[str] = None) -> str:
        """A new 1 GiB Cinder volume, once available (``--poll``: the
        client waits, no ``cinder show`` loop)."""
        args = ['create', '--poll', '--name', name]
        if volume_type:
            args += ['--volume-type', volume_type]
        volume = table(self.cli.cinder(*args, '1'))
        self.volumes.append(volume['id'])
        if volume.get('status') != 'available':
            raise AssertionError('volume %s is %s' % (
                volume['id'], volume.get('status')))
        return volume['id']

    def manage(self, name: str, image: Path) -> str:
        """A bootable volume holding ``image``: the file copied into the
        sparse driver's folder, then ``cinder manage`` brings it under
        Cinder (no Glance here); once available."""
        source = 'manage-%s' % name
        shutil.copyfile(image, config.cinder_files(self.services)['volumes']
                        / source)
        volume_id = uuid_from(self.cli.cinder(
            'manage', '--name', name, '--bootable', BACKEND_HOST, source))
        self.volumes.append(volume_id)
        status = self.cli.wait_volume(volume_id, 'available')['status']
        if status != 'available':
            raise AssertionError('cinder manage: volume %s is %s'
                                 % (volume_id, status))
        return volume_id

    def enroll(self, password: str, boot_interface: str, name: str,
               pxe_enabled: bool = True) -> str:
        """A node with a port and an ``iqn`` connector, available."""
        ilo = self.ilo
        node = self.baremetal(
            'node', 'create', '--driver', 'ilo', '--name', name,
            '--boot-interface', boot_interface, '--deploy-interface',
            'iscsi', '--storage-interface', 'cinder',
            '--driver-info', 'ilo_address=%s' % ilo.spec.address,
            '--driver-info', 'ilo_username=%s' % ilo.spec.username,
            '--driver-info', 'ilo_password=%s' % password,
            # Demanded by the boot interfaces' validate even when the node
            # boots from a volume; a Glance UUID is not looked up there.
            '--driver-info', 'ilo_deploy_iso=%s' % uuid.uuid4(),
            '--driver-info', 'deploy_kernel=%s' % uuid.uuid4(),
            '--driver-info', 'deploy_ramdisk=%s' % uuid.uuid4(),
            '--property', 'capabilities=boot_mode:uefi,iscsi_boot:true')
        node_uuid = node['uuid']
        self.nodes.append(node_uuid)
        self.ports[node_uuid] = self.baremetal(
            'port', 'create', ilo.spec.nics[0].mac, '--node', node_uuid,
            '--pxe-enabled', str(pxe_enabled).lower())['uuid']
        self.baremetal('volume', 'connector', 'create', '--node', node_uuid,
                       '--type', 'iqn', '--connector-id', CONNECTOR % name)
        self.baremetal('node', 'manage', node_uuid, '--wait', '60',
                       parse=False)
        self.baremetal('node', 'provide', node_uuid, '--wait', '60',
                       parse=False)
        return node_uuid

    def boot_volume(self, node_uuid: str, volume_id: str,
                    *properties: str) -> str:
        """The node's boot volume target; ``properties`` as
        ``key=value`` written by hand."""
        extra = []
        for prop in properties:
            extra += ['--property', prop]
        return self.baremetal(
            'volume', 'target', 'create', '--node', node_uuid, '--type',
            'iscsi', '--boot-index', '0', '--volume-id', volume_id,
            *extra)['uuid']

    def node(self, node_uuid: str) -> dict:
        return self.cli.baremetal('node', 'show', node_uuid)

    def tenant(self, node_uuid: str) -> Tenant:
        """What Cinder's attach wrote into the boot volume target."""
        targets = self.cli.baremetal('volume', 'target', 'list', '--node',
                                     node_uuid, '--fields', 'uuid',
                                     'properties')
        if len(targets) != 1:
            raise AssertionError('%d volume targets' % len(targets))
        props = targets[0]['properties']
        secret = props.get('auth_password')
        return Tenant(props['target_iqn'], props.get('auth_username'),
                      Secret(secret) if secret else None)


def enabled_attempts(ilo: Any) -> dict:
    """The iSCSI attempts the iLO will try at the next POST."""
    return {mac: t for mac, t in ilo.state().iscsi.items() if t.enabled}


def leftovers(view: Any, tenant: Optional[Tenant]) -> List[str]:
    """What an iLO (its state view) still holds after an undeploy: an
    enabled attempt, the IQN, CHAP user or secret of ``tenant`` in the
    pending iSCSI settings, a boot override to an iSCSI target. Empty
    when nothing is left; never names a secret.

    >>> from types import SimpleNamespace as V
    >>> clean = V(iscsi={}, boot_target='None', uefi_target='None',
    ...           boot_override='Disabled')
    >>> leftovers(clean, None)
    []
    >>> left = V(iscsi={'m': V(enabled=True, iqn='iqn.x:v', chap_user='u',
    ...                        chap_secret=Secret('s' * 16))},
    ...          boot_target='UefiTarget', uefi_target='NIC.LOM.1.1.iSCSI',
    ...          boot_override='Continuous')
    >>> leftovers(left, Tenant('iqn.x:v', 'u', Secret('s' * 16)))
    ... # doctest: +NORMALIZE_WHITESPACE
    ['m: attempt enabled', "m: the tenant's IQN iqn.x:v",
     "m: the tenant's CHAP user", "m: the tenant's CHAP secret",
     'boot override Continuous to NIC.LOM.1.1.iSCSI']
    """
    found = []
    for mac, attempt in view.iscsi.items():
        if attempt.enabled:
            found.append('%s: attempt enabled' % mac)
        if tenant is None:
            continue
        if attempt.iqn == tenant.iqn:
            found.append("%s: the tenant's IQN %s" % (mac, tenant.iqn))
        if tenant.chap_user is not None and \
                attempt.chap_user == tenant.chap_user:
            found.append("%s: the tenant's CHAP user" % mac)
        if tenant.chap_secret is not None and \
                attempt.chap_secret == tenant.chap_secret:
            found.append("%s: the tenant's CHAP secret" % mac)
    if view.boot_target == 'UefiTarget' and \
            'iscsi' in view.uefi_target.lower() and \
            view.boot_override != 'Disabled':
        found.append('boot override %s to %s' % (view.boot_override,
                                                 view.uefi_target))
    return found
