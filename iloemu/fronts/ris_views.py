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

"""JSON bodies of the RIS resources (iLO 4, ``/rest/v1``), from a state.

Shapes follow what proliantutils' RIS client reads: ``Type`` strings,
``links``/``href`` references, ``Oem/Hp`` extensions.
"""
from __future__ import annotations

from typing import Any, Dict, Sequence

from iloemu import bootsources
from iloemu.bootsources import BootSource
from iloemu.config import ServerSpec
from iloemu.fronts import common
from iloemu.state import ServerState, VirtualMedia

SYSTEM = '/rest/v1/Systems/1'
BIOS = '/rest/v1/systems/1/bios'
MANAGER = '/rest/v1/Managers/1'
VMEDIA = MANAGER + '/VirtualMedia'
#: Virtual media member id -> (device, media types).
VMEDIA_MEMBERS = {'1': ('FLOPPY', ['Floppy', 'USBStick']),
                  '2': ('CDROM', ['CD', 'DVD'])}


def _href(path: str) -> Dict[str, str]:
    return {'href': path}


def system(spec: ServerSpec, state: ServerState,
           uefi: Sequence[BootSource]) -> Dict[str, Any]:
    """ComputerSystem: power, boot override, links to BIOS and more."""
    on = state.power == 'On'
    return {
        'Type': 'ComputerSystem.1.0.1',
        'Name': 'Computer System',
        'Id': '1',
        'Manufacturer': 'HP',
        'Model': spec.product_name,
        'SerialNumber': spec.serial_number,
        'SKU': '719064-B21',
        'Power': state.power,
        'PowerState': state.power,
        'HostCorrelation': {'HostMACAddress': [n.mac for n in state.nics]},
        'AvailableActions': [{'Action': 'Reset', 'Capabilities': [{
            'PropertyName': 'ResetType',
            'AllowableValues': ['On', 'ForceOff', 'ForceRestart', 'Nmi',
                                'PushPowerButton']}]}],
        'Boot': {
            'BootSourceOverrideEnabled': state.boot.enabled,
            'BootSourceOverrideTarget': state.boot.target,
            'BootSourceOverrideSupported': list(
                bootsources.OVERRIDE_TARGETS[9]),
            'UefiTargetBootSourceOverride': state.boot.uefi_target,
            'UefiTargetBootSourceOverrideSupported': [
                s.structured for s in uefi],
        },
        'Oem': {'Hp': {
            'Type': 'HpComputerSystemExt.0.10.1',
            'Bios': {'Current': {'VersionString': 'P89 v2.40 (02/17/2017)'},
                     'UefiClass': 2},
            'PostState': state.post_state,
            'links': {'BIOS': _href(BIOS),
                      'SecureBoot': _href(SYSTEM + '/SecureBoot'),
                      'NetworkAdapters': _href(SYSTEM + '/NetworkAdapters')},
        }},
        'Status': {'Health': 'OK', 'State': 'Enabled' if on else 'Disabled'},
        'links': {'self': _href(SYSTEM), 'ManagedBy': [_href(MANAGER)]},
    }


def bios(attributes: Dict[str, str], pending: bool) -> Dict[str, Any]:
    """BIOS settings: attributes at the top level, as on iLO 4."""
    path = BIOS + '/Settings' if pending else BIOS
    body: Dict[str, Any] = {
        'Type': 'HpBios.1.2.0',
        'Name': 'BIOS %s Settings' % ('Pending' if pending else 'Current'),
        'AttributeRegistry': 'HpBiosAttributeRegistryP89.1.1.00',
        'links': {'self': _href(path)},
    }
    body.update(attributes)
    if not pending:
        body['links'].update({
            'Settings': _href(BIOS + '/Settings'),
            'Boot': _href(BIOS + '/Boot'),
            'Mappings': _href(BIOS + '/Mappings'),
            'iScsi': _href(BIOS + '/iScsi'),
            'BaseConfigs': _href(BIOS + '/BaseConfigs')})
    return body


def boot(order: Sequence[str], sources: Sequence[BootSource],
         pending: bool) -> Dict[str, Any]:
    """Server boot settings: boot sources and persistent boot order."""
    path = BIOS + '/Boot' + ('/Settings' if pending else '')
    links = {'self': _href(path)}
    if not pending:
        links['Settings'] = _href(BIOS + '/Boot/Settings')
    return {
        'Type': 'HpServerBootSettings.1.2.0',
        'Name': 'Boot Order %s Settings' % ('Pending' if pending
                                            else 'Current'),
        'BootSources': common.sources_to_wire(sources),
        'PersistentBootConfigOrder': bootsources.ordered(order, sources),
        'DefaultBootOrder': ['Floppy', 'Cd', 'Usb', 'EmbeddedStorage',
                             'PcieSlotStorage', 'EmbeddedFlexLOM',
                             'PcieSlotNic', 'UefiShell'],
        'links': links,
    }


def mappings(state: ServerState) -> Dict[str, Any]:
    """BIOS-to-device mappings (NicBoot associations per NIC port)."""
    return {'Type': 'HpBiosMapping.1.2.0',
            'Name': 'Bios Setting Mapping to Devices',
            'BiosPciSettingsMappings': common.pci_mappings(state),
            'links': {'self': _href(BIOS + '/Mappings')}}


def iscsi(state: ServerState, sources: Sequence[BootSource],
          pending: bool) -> Dict[str, Any]:
    """iSCSI software initiator settings, current or pending."""
    config = state.iscsi_pending if pending else state.iscsi_current
    path = BIOS + '/iScsi' + ('/Settings' if pending else '')
    body = common.iscsi_to_wire(config, state, sources, common.RIS_ISCSI)
    body.update({
        'Type': 'HpiSCSISoftwareInitiator.1.0.0',
        'Name': 'iSCSI Software Initiator %s Settings' % (
            'Pending' if pending else 'Current'),
        'links': {'self': _href(path)}})
    if not pending:
        body['links'].update({'Settings': _href(BIOS + '/iScsi/Settings'),
                              'Mappings': _href(BIOS + '/Mappings')})
    return body


def network_adapter(state: ServerState) -> Dict[str, Any]:
    """The embedded adapter and its ports (MAC and UEFI device path)."""
    return {
        'Type': 'BaseNetworkAdapter.1.1.0',
        'Name': 'HP Ethernet 1Gb 4-port 331i Adapter',
        'StructuredName': 'NIC.LOM.1.1',
        'UEFIDevicePath': 'PciRoot(0x0)/Pci(0x1C,0x0)',
        'PhysicalPorts': [{
            'MacAddress': nic.mac.upper(),
            'UEFIDevicePath': nic.device_path,
            'Oem': {'Hp': {'StructuredName': nic.structured_name}},
            'Status': {'Health': 'OK', 'State': 'Enabled'}}
            for nic in state.nics],
        'Status': {'Health': 'OK', 'State': 'Enabled'},
        'links': {'self': _href(SYSTEM + '/NetworkAdapters/1')},
    }


def collection(path: str, members: Sequence[str],
               items: Sequence[Dict[str, Any]] = ()) -> Dict[str, Any]:
    """A RIS collection: member links, and inline ``Items`` if given."""
    body: Dict[str, Any] = {
        'Type': 'Collection.1.0.0', 'Name': path.rsplit('/', 1)[1],
        'Total': len(members),
        'links': {'self': _href(path),
                  'Member': [_href(m) for m in members]}}
    if items:
        body['Items'] = list(items)
    return body


def manager(spec: ServerSpec) -> Dict[str, Any]:
    """The iLO itself: firmware version, link to virtual media."""
    version = 'iLO 4 v2.55'
    return {
        'Type': 'Manager.1.0.0', 'Name': 'Manager', 'Id': '1',
        'ManagerType': 'BMC', 'Model': spec.ilo_name,
        'Firmware': {'Current': {'VersionString': version}},
        'Oem': {'Hp': {'Type': 'HpiLO.1.0.0', 'Firmware': {
            'Current': {'VersionString': version}}}},
        'links': {'self': _href(MANAGER),
                  'VirtualMedia': _href(VMEDIA)},
    }


def virtual_media(member: str, media: VirtualMedia) -> Dict[str, Any]:
    """One virtual media drive."""
    return {
        'Type': 'VirtualMedia.1.0.0', 'Name': 'VirtualMedia', 'Id': member,
        'MediaTypes': VMEDIA_MEMBERS[member][1],
        'Image': media.image, 'Inserted': media.inserted,
        'ConnectedVia': 'URI' if media.inserted else 'NotConnected',
        'WriteProtected': True,
        'Oem': {'Hp': {'BootOnNextServerReset': media.boot_on_next_reset}},
        'links': {'self': _href('%s/%s' % (VMEDIA, member))},
    }


def secure_boot() -> Dict[str, Any]:
    """Secure boot: present, not enabled."""
    return {'Type': 'HpSecureBoot.1.0.0', 'Name': 'SecureBoot',
            'SecureBootEnable': False, 'SecureBootCurrentState': False,
            'links': {'self': _href(SYSTEM + '/SecureBoot')}}
