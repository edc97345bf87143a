"""ironic as its conductor runs it, in this process, for the demo and tests.

* :func:`configure` writes an ``ironic.conf`` (the ``ilo`` hardware type,
  both iLO boot interfaces, cinder storage, ``[ilo]ca_file`` = the
  emulator's CA, temporary TFTP and HTTP roots, no DHCP server) and loads
  it as ``ironic-conductor`` does, then creates a SQLite file database
  through ironic's own DB layer (what ``ironic-dbsync create_schema``
  does).
* :func:`enroll` creates a node, its ports and its ``iqn`` volume
  connector as the conductor's ``create_node`` and the API do.
* :func:`attach_boot_volume` creates the boot volume target with the
  properties the cinder storage interface copies from Cinder's connection
  data, then records it in ``driver_internal_info`` as the deploy
  interface does (``populate_storage_driver_internal_info``).

Nothing here talks to an iLO; the boot and management interfaces do, when
a caller runs them inside :func:`task` (``task_manager.acquire``).

For the conductor's concurrency model, import ``ironic.cmd`` first (it is
what the conductor's entry point does: eventlet monkey patching).
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import logging
from pathlib import Path
import subprocess
import sys
import threading
from typing import Any, Dict, Iterator, Optional, Sequence

from ironic.common import config as ironic_config
from ironic.common import context as ironic_context
from ironic.common import driver_factory
from ironic.conductor import task_manager
from ironic.conf import CONF
from ironic.drivers.modules import deploy_utils
from ironic import objects
from oslo_log import log as oslo_log
from oslo_utils import uuidutils

HOST = 'iloemu-conductor'
# ironic-dbsync, run by the interpreter of this process.
_DBSYNC = ('import sys; from ironic.cmd.dbsync import main; '
           'sys.argv[0] = "ironic-dbsync"; sys.exit(main())')


class ConductorSetupError(Exception):
    """ironic could not be set up (config or database)."""


@dataclasses.dataclass(frozen=True)
class Layout:
    """The folders and files of one in-process conductor."""

    root: Path

    @property
    def config_file(self) -> Path:
        """The ``ironic.conf`` written by :func:`write_config`."""
        return self.root / 'ironic.conf'

    @property
    def database(self) -> Path:
        """The SQLite database file."""
        return self.root / 'ironic.sqlite'

    @property
    def tftp_root(self) -> Path:
        """``[pxe]tftp_root``: iPXE configs of the BIOS fallback."""
        return self.root / 'tftpboot'

    @property
    def http_root(self) -> Path:
        """``[deploy]http_root``: boot script and virtual media images."""
        return self.root / 'httpboot'

    @property
    def state_path(self) -> Path:
        """``state_path``: the master image caches live under it."""
        return self.root / 'state'


def config_text(layout: Layout, ca_file: Path, http_url: str,
                debug: bool = True, power_wait: int = 1) -> str:
    """The ``ironic.conf`` of an ``ilo`` conductor using ``layout``.

    ``power_wait`` is ``[ilo]power_wait``, the seconds between the checks
    of a power change (2 by default; an emulated server changes at once).

    >>> text = config_text(Layout(Path('/x')), Path('/x/ca.pem'),
    ...                    'http://127.0.0.1:8080')
    >>> '[ilo]\\nca_file = /x/ca.pem' in text
    True
    >>> 'connection = sqlite:////x/ironic.sqlite' in text
    True
    """
    return '\n'.join([
        '[DEFAULT]',
        'host = %s' % HOST,
        'debug = %s' % debug,
        'state_path = %s' % layout.state_path,
        'tempdir = %s' % layout.root,
        'enabled_drivers =',
        'enabled_hardware_types = ilo',
        'enabled_boot_interfaces = ilo-pxe,ilo-virtual-media',
        'default_boot_interface = ilo-virtual-media',
        'enabled_management_interfaces = ilo',
        'enabled_power_interfaces = ilo',
        'enabled_deploy_interfaces = iscsi,direct',
        'enabled_storage_interfaces = cinder,noop',
        'enabled_network_interfaces = noop',
        'enabled_console_interfaces = no-console',
        'enabled_inspect_interfaces = no-inspect',
        'enabled_raid_interfaces = no-raid',
        'enabled_vendor_interfaces = no-vendor',
        '',
        '[database]',
        'connection = sqlite:///%s' % layout.database,
        '',
        '[dhcp]',
        'dhcp_provider = none',
        '',
        '[deploy]',
        'http_root = %s' % layout.http_root,
        'http_url = %s' % http_url,
        '',
        '[pxe]',
        'ipxe_enabled = True',
        'pxe_config_template = $pybasedir/drivers/modules/'
        'ipxe_config.template',
        'uefi_pxe_config_template = $pybasedir/drivers/modules/'
        'ipxe_config.template',
        'pxe_bootfile_name = undionly.kpxe',
        'uefi_pxe_bootfile_name = ipxe.efi',
        'tftp_root = %s' % layout.tftp_root,
        'tftp_master_path = %s' % (layout.tftp_root / 'master_images'),
        'images_path = %s' % (layout.state_path / 'images'),
        'instance_master_path = %s' % (layout.state_path / 'master_images'),
        '',
        '[ilo]',
        'ca_file = %s' % ca_file,
        'client_port = 443',
        'client_timeout = 60',
        'power_wait = %d' % power_wait,
        'use_web_server_for_images = True',
        '',
    ])


def configure(layout: Layout, ca_file: Path, http_url: str,
              debug: bool = True, power_wait: int = 1) -> None:
    """Write the config, create the database, load the config.

    The schema is made as an operator makes it, by ``ironic-dbsync
    create_schema`` in a process of its own (``upgrade`` fails on SQLite:
    a migration alters a constraint). In this process that would also
    install alembic's logging configuration, which disables every logger
    that exists already. Once per process: oslo.config and ironic's DB
    engine are global.

    :raises ConductorSetupError: if the schema cannot be created.
    """
    for folder in (layout.root, layout.tftp_root, layout.http_root,
                   layout.state_path):
        folder.mkdir(parents=True, exist_ok=True)
    layout.config_file.write_text(
        config_text(layout, ca_file, http_url, debug, power_wait))
    if layout.database.exists():
        layout.database.unlink()
    dbsync = subprocess.run(
        [sys.executable, '-c', _DBSYNC, '--config-file',
         str(layout.config_file), 'create_schema'],
        capture_output=True, text=True)
    if dbsync.returncode != 0:
        raise ConductorSetupError('ironic-dbsync create_schema failed: %s'
                                  % dbsync.stderr[-2000:])
    # What ironic.common.service.prepare_service does, without setting up
    # log handlers: where log records go is the caller's choice. A module
    # level logging call on the way installs logging.basicConfig's stderr
    # handler on the root logger (oslo.log's setup would replace it); it
    # is taken away again.
    root = logging.getLogger()
    handlers = list(root.handlers)
    oslo_log.register_options(CONF)
    ironic_config.parse_args(['ironic-conductor', '--config-file',
                              str(layout.config_file)])
    objects.register_all()
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)


def admin_context() -> Any:
    """The context the conductor acts with."""
    return ironic_context.get_admin_context()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class WebServer:
    """``[deploy]http_url``: serves ``http_root`` on 127.0.0.1.

    ironic checks the deploy images of a node with HTTP HEAD requests
    (``validate``), so they are served as a conductor's web server would.
    """

    DEPLOY_IMAGES = ('deploy.kernel', 'deploy.ramdisk', 'deploy.iso')

    def __init__(self, layout: Layout) -> None:
        self.write_deploy_images(layout.http_root)
        handler = functools.partial(_QuietHandler,
                                    directory=str(layout.http_root))
        self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      handler)
        self._httpd.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={'poll_interval': 0.1},
                                        name='ironic-http-root', daemon=True)
        self._thread.start()

    @classmethod
    def write_deploy_images(cls, http_root: Path) -> None:
        """Stand-ins of the deploy images in ``http_root`` (made if need
        be), for ironic's HEAD requests."""
        http_root.mkdir(parents=True, exist_ok=True)
        for name in cls.DEPLOY_IMAGES:
            (http_root / name).write_bytes(b'not a real image\n')

    def stop(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@dataclasses.dataclass(frozen=True)
class NodeSpec:
    """A bare metal node to enroll: its iLO, NICs and how it boots."""

    name: str
    ilo_address: str
    ilo_username: str
    ilo_password: str
    macs: Sequence[str]
    initiator_iqn: Optional[str]
    boot_interface: str = 'ilo-virtual-media'
    boot_mode: str = 'uefi'
    http_url: str = ''  # where its deploy images are; [deploy]http_url


def enroll(context: Any, spec: NodeSpec) -> Any:
    """Create the node, a port per MAC and its ``iqn`` connector."""
    http_url = spec.http_url or CONF.deploy.http_url
    node = objects.Node(
        context, uuid=uuidutils.generate_uuid(), name=spec.name,
        driver='ilo', boot_interface=spec.boot_interface,
        deploy_interface='iscsi', storage_interface='cinder',
        driver_info={'ilo_address': spec.ilo_address,
                     'ilo_username': spec.ilo_username,
                     'ilo_password': spec.ilo_password,
                     'deploy_kernel': http_url + '/deploy.kernel',
                     'deploy_ramdisk': http_url + '/deploy.ramdisk',
                     'ilo_deploy_iso': http_url + '/deploy.iso'},
        properties={'capabilities': 'boot_mode:%s,iscsi_boot:true'
                    % spec.boot_mode},
        instance_info={}, driver_internal_info={},
        provision_state='deploying', target_provision_state='active')
    # What ConductorManager.create_node does.
    driver_factory.check_and_update_node_interfaces(node)
    node.create()
    for mac in spec.macs:
        objects.Port(context, uuid=uuidutils.generate_uuid(),
                     node_id=node.id, address=mac, pxe_enabled=True).create()
    if spec.initiator_iqn:
        objects.VolumeConnector(
            context, uuid=uuidutils.generate_uuid(), node_id=node.id,
            type='iqn', connector_id=spec.initiator_iqn).create()
    return node


@dataclasses.dataclass(frozen=True)
class VolumeSpec:
    """An iSCSI volume as Cinder exports it to the node."""

    iqn: str
    lun: int
    portal: str
    chap_username: Optional[str] = None
    chap_secret: Optional[str] = None
    volume_id: str = dataclasses.field(
        default_factory=uuidutils.generate_uuid)

    def connection_data(self) -> Dict[str, Any]:
        """Cinder's ``initialize_connection`` data for it (the properties
        the cinder storage interface stores in the volume target).

        >>> volume = VolumeSpec('iqn.x:v', 1, '192.0.2.10:3260')
        >>> sorted(volume.connection_data())  # doctest: +NORMALIZE_WHITESPACE
        ['access_mode', 'encrypted', 'ironic_volume_uuid', 'qos_specs',
         'target_discovered', 'target_iqn', 'target_lun', 'target_portal',
         'volume_id']
        """
        data: Dict[str, Any] = {
            'target_iqn': self.iqn, 'target_lun': self.lun,
            'target_portal': self.portal, 'target_discovered': False,
            'volume_id': self.volume_id, 'access_mode': 'rw',
            'encrypted': False, 'qos_specs': None,
            'ironic_volume_uuid': self.volume_id}
        if self.chap_secret is not None:
            data.update(auth_method='CHAP',
                        auth_username=self.chap_username,
                        auth_password=self.chap_secret)
        return data


@contextlib.contextmanager
def task(context: Any, node_uuid: str,
         purpose: str = 'iloemu functional step') -> Iterator[Any]:
    """An exclusive lock on the node, as the conductor takes for a step."""
    with task_manager.acquire(context, node_uuid, shared=False,
                              purpose=purpose) as locked:
        yield locked


def attach_boot_volume(context: Any, node_uuid: str,
                       volume: VolumeSpec) -> str:
    """Create the boot volume target (boot index 0); returns its UUID.

    Then record it in ``driver_internal_info['boot_from_volume']`` as the
    deploy interface does once the storage interface attached it.
    """
    node = objects.Node.get_by_uuid(context, node_uuid)
    target = objects.VolumeTarget(
        context, uuid=uuidutils.generate_uuid(), node_id=node.id,
        volume_type='iscsi', boot_index=0, volume_id=volume.volume_id,
        properties=volume.connection_data())
    target.create()
    with task(context, node_uuid, 'attach boot volume') as locked:
        deploy_utils.populate_storage_driver_internal_info(locked)
    return target.uuid


def reload(context: Any, node_uuid: str) -> Any:
    """The node as the database holds it now."""
    return objects.Node.get_by_uuid(context, node_uuid)


def destroy(context: Any, node_uuid: str) -> None:
    """Delete the node with its ports, connectors and targets."""
    try:
        node = objects.Node.get_by_uuid(context, node_uuid)
    except Exception:  # already gone
        return
    if node.reservation:
        objects.Node.release(context, node.reservation, node.id)
    node.destroy()
