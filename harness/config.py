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

"""The folders and the ``ironic.conf`` of one in-process conductor.

No ironic here: the config is text, loaded by :mod:`harness.conductor`.
The root folder is the conductor's only (0700): its database holds iLO
passwords and CHAP secrets, as ironic's database does.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

HOST = 'iloemu-conductor'


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


def config_text(layout: Layout, ca_file: Optional[Path], http_url: str,
                debug: bool = True, power_wait: int = 1,
                ilo: Optional[Mapping[str, Any]] = None) -> str:
    """The ``ironic.conf`` of an ``ilo`` conductor using ``layout``.

    ``power_wait`` is ``[ilo]power_wait``, the seconds between the checks
    of a power change (2 by default; an emulated server changes at once).
    ``ca_file`` None: no ``[ilo]ca_file`` (each node's ``driver_info``
    names its own). ``ilo``: other ``[ilo]`` options, over the defaults
    (real servers need minutes of ``post_cycle_timeout``).

    >>> text = config_text(Layout(Path('/x')), Path('/x/ca.pem'),
    ...                    'http://127.0.0.1:8080')
    >>> '[ilo]\\nca_file = /x/ca.pem' in text
    True
    >>> 'connection = sqlite:////x/ironic.sqlite' in text
    True
    >>> 'post_cycle_timeout = 900' in config_text(
    ...     Layout(Path('/x')), None, 'http://h', ilo={'post_cycle_timeout':
    ...                                                 900})
    True
    """
    options: Dict[str, Any] = {
        # The POST cycle (series v2): an emulated POST takes 0.6 s.
        'post_cycle_timeout': 30, 'post_cycle_poll_interval': 1}
    options.update(ilo or {})
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
        '[conductor]',
        '# Cleaning would boot a deploy ramdisk: not part of this feature.',
        'automated_clean = false',
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
        *(['ca_file = %s' % ca_file] if ca_file else []),
        'client_port = 443',
        'client_timeout = 60',
        'power_wait = %d' % power_wait,
        'use_web_server_for_images = True',
        *['%s = %s' % item for item in sorted(options.items())],
        '',
    ])


def write_config(layout: Layout, ca_file: Optional[Path], http_url: str,
                 debug: bool = True, power_wait: int = 1,
                 ilo: Optional[Mapping[str, Any]] = None) -> None:
    """Make the folders (the root 0700) and write ``ironic.conf``."""
    layout.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    layout.root.chmod(0o700)
    for folder in (layout.tftp_root, layout.http_root, layout.state_path):
        folder.mkdir(parents=True, exist_ok=True)
    layout.config_file.write_text(
        config_text(layout, ca_file, http_url, debug, power_wait, ilo))
