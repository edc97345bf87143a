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

"""A Cinder volume driver: volumes as sparse files, exported by tgt.

No kernel module is needed (this machine has neither device-mapper nor
LVM nor LIO): a volume is a sparse file in ``sparse_file_dir``, and
Cinder's own target helper (``target_helper = tgtadm``) exports it, so
the target IQN, the CHAP user and secret and the connection info are
Cinder's, as with the LVM driver. Loaded by ``cinder-volume`` from its
own virtualenv (``volume_driver = services.sparsedriver.SparseFileDriver``);
it imports nothing of this project.
"""
import os

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import importutils

from cinder.common import constants
from cinder import exception
from cinder.volume import driver

LOG = logging.getLogger(__name__)

OPTS = [cfg.StrOpt('sparse_file_dir',
                   help='Folder of the volumes (one sparse file each).')]

GIB = 1024 ** 3

#: A volume type's extra spec: ``False`` exports its volumes without
#: CHAP. Cinder's iSCSI target helpers always make CHAP credentials
#: (``use_chap_auth`` is read by some vendor drivers only); the scope
#: keeps the scheduler's capabilities filter from matching on it.
CHAP_SPEC = 'sparse:chap'


class SparseFileDriver(driver.VolumeDriver):
    """Volumes as sparse files; the target helper exports them."""

    VERSION = '1.0.0'
    CI_WIKI_NAME = 'none'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(OPTS)
        helper = self.configuration.safe_get('target_helper')
        self.target_driver = importutils.import_object(
            self.target_mapping[helper], configuration=self.configuration,
            executor=self._execute)
        self.protocol = self.target_driver.protocol

    def _folder(self):
        return self.configuration.sparse_file_dir

    def local_path(self, volume):
        return os.path.join(self._folder(), volume.name)

    def do_setup(self, context):
        os.makedirs(self._folder(), exist_ok=True)

    def check_for_setup_error(self):
        if not os.access(self._folder(), os.W_OK):
            raise exception.VolumeBackendAPIException(
                data='%s is not writable' % self._folder())

    def create_volume(self, volume):
        with open(self.local_path(volume), 'xb') as image:
            image.truncate(volume.size * GIB)
        LOG.info('Sparse volume %(name)s: %(size)d GiB',
                 {'name': volume.name, 'size': volume.size})

    def delete_volume(self, volume):
        try:
            os.unlink(self.local_path(volume))
        except FileNotFoundError:
            pass

    def extend_volume(self, volume, new_size):
        os.truncate(self.local_path(volume), new_size * GIB)

    # -- cinder manage: a file of the folder brought under Cinder ---------
    def _existing(self, volume, existing_ref):
        """The file ``existing_ref`` names: ``source-name``, a plain file
        name in the volumes folder that is no volume's yet."""
        name = existing_ref.get('source-name') or ''
        template = self.configuration.safe_get('volume_name_template') or \
            'volume-%s'
        path = os.path.join(self._folder(), name)
        reason = None
        if not name or os.sep in name or name.startswith('.'):
            reason = 'source-name must be a file name in %s' % self._folder()
        elif name.startswith(template.split('%')[0]):
            reason = '%s is the file of a Cinder volume' % name
        elif not os.path.isfile(path):
            reason = 'no file %s in %s' % (name, self._folder())
        if reason:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref, reason=reason)
        return path

    def manage_existing_get_size(self, volume, existing_ref):
        """The file's size in GiB, rounded up."""
        size = os.path.getsize(self._existing(volume, existing_ref))
        return max(1, -(-size // GIB))

    def manage_existing(self, volume, existing_ref):
        """The file becomes the volume's: renamed to its name and grown
        (sparse) to the whole GiB Cinder counts."""
        path = self._existing(volume, existing_ref)
        size = self.manage_existing_get_size(volume, existing_ref)
        os.rename(path, self.local_path(volume))
        os.truncate(self.local_path(volume), size * GIB)
        LOG.info('Managed %(file)s as sparse volume %(name)s: %(size)d GiB',
                 {'file': existing_ref['source-name'], 'name': volume.name,
                  'size': size})

    def unmanage(self, volume):
        """Cinder forgets the volume; its file stays in the folder."""

    def ensure_export(self, context, volume):
        return self.target_driver.ensure_export(
            context, volume, self.local_path(volume))

    @staticmethod
    def _chap(volume):
        specs = volume.volume_type.extra_specs if volume.volume_type else {}
        return str(specs.get(CHAP_SPEC, 'True')).lower() != 'false'

    def _export_without_chap(self, context, volume):
        """The helper's create_export with no CHAP account: the
        ``provider_location`` of a target anyone may log in to."""
        helper = self.target_driver
        name = '%s%s' % (self.configuration.target_prefix, volume.name)
        tid, lun = helper._get_target_and_lun(context, volume)
        tid = helper.create_iscsi_target(
            name, tid, lun, self.local_path(volume), None,
            **helper._get_portals_config())
        return helper._iscsi_location(
            self.configuration.target_ip_address, tid, name, lun,
            self.configuration.target_secondary_ip_addresses)

    def create_export(self, context, volume, connector):
        if not self._chap(volume):
            return {'provider_location': self._export_without_chap(
                context, volume), 'provider_auth': None}
        export = self.target_driver.create_export(
            context, volume, self.local_path(volume))
        return {'provider_location': export['location'],
                'provider_auth': export['auth']}

    def remove_export(self, context, volume):
        self.target_driver.remove_export(context, volume)

    def initialize_connection(self, volume, connector, **kwargs):
        return self.target_driver.initialize_connection(volume, connector)

    def validate_connector(self, connector):
        return self.target_driver.validate_connector(connector)

    def terminate_connection(self, volume, connector, **kwargs):
        self.target_driver.terminate_connection(volume, connector, **kwargs)

    def _update_volume_stats(self):
        disk = os.statvfs(self._folder())
        total = disk.f_blocks * disk.f_frsize // GIB
        free = disk.f_bavail * disk.f_frsize // GIB
        name = self.configuration.safe_get('volume_backend_name') or 'sparse'
        self._stats = {
            'volume_backend_name': name, 'vendor_name': 'Open Source',
            'driver_version': self.VERSION,
            'storage_protocol': constants.ISCSI,
            'pools': [{'pool_name': name,
                       'total_capacity_gb': total,
                       'free_capacity_gb': free,
                       'reserved_percentage': 0,
                       'thin_provisioning_support': True,
                       'max_over_subscription_ratio': 20.0,
                       'QoS_support': False, 'multiattach': False}]}

    def get_pool(self, volume):
        return self.configuration.safe_get('volume_backend_name') or 'sparse'
