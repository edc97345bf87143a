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

"""JSON bodies of the Redfish resources (iLO 5, ``/redfish/v1``).

Shapes follow what sushy and proliantutils' HPE resource classes read:
``@odata.id`` links, ``@Redfish.Settings`` pointing at the pending
resource, ``Oem/Hpe`` links and actions. Paths end in '/', as iLO 5's do.
"""
from __future__ import annotations

from typing import Any, Dict, Sequence

from iloemu import bootsources
from iloemu.bootsources import BootSource
from iloemu.config import ServerSpec
from iloemu.fronts import common
from iloemu.state import ServerState, VirtualMedia

ROOT = '/redfish/v1/'
SYSTEM = ROOT + 'Systems/1/'
BIOS = ROOT + 'systems/1/bios/'
MANAGER = ROOT + 'Managers/1/'
CHASSIS = ROOT + 'Chassis/1/'
SESSIONS = ROOT + 'SessionService/Sessions/'
VMEDIA = MANAGER + 'VirtualMedia/'
VMEDIA_MEMBERS = {'1': ('FLOPPY', ['Floppy', 'USBStick']),
                  '2': ('CDROM', ['CD', 'DVD'])}
RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'Nmi',
               'PushPowerButton', 'GracefulRestart']


def link(path: str) -> Dict[str, str]:
    """An ``{"@odata.id": path}`` reference."""
    return {'@odata.id': path}


def _settings(path: str) -> Dict[str, Any]:
    return {'@odata.type': '#Settings.v1_0_0.Settings',
            'Messages': [{'MessageId': 'Base.1.0.Success'}],
            'SettingsObject': link(path)}


def root(spec: ServerSpec) -> Dict[str, Any]:
    """The service root, readable without credentials."""
    return {
        '@odata.id': ROOT, '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
        'Id': 'RootService', 'Name': 'HPE RESTful Root Service',
        'RedfishVersion': '1.6.0',
        'UUID': '00000000-0000-4000-8000-%012d' % int(
            spec.address.rsplit('.', 1)[1]),
        'Systems': link(ROOT + 'Systems/'),
        'Managers': link(ROOT + 'Managers/'),
        'Chassis': link(ROOT + 'Chassis/'),
        'SessionService': link(ROOT + 'SessionService/'),
        'Links': {'Sessions': link(SESSIONS)},
        'Oem': {'Hpe': {'Manager': [{'ManagerType': spec.ilo_name,
                                     'ManagerFirmwareVersion': '2.10'}]}},
    }


def collection(path: str, members: Sequence[str]) -> Dict[str, Any]:
    """A Redfish collection of ``members`` (paths)."""
    return {'@odata.id': path, 'Name': path.rstrip('/').rsplit('/', 1)[1],
            'Members': [link(m) for m in members],
            'Members@odata.count': len(members)}


def system(spec: ServerSpec, state: ServerState,
           uefi: Sequence[BootSource]) -> Dict[str, Any]:
    """ComputerSystem with the HPE OEM part proliantutils requires."""
    on = state.power == 'On'
    hpe_actions = SYSTEM + 'Actions/Oem/Hpe/HpeComputerSystemExt.'
    return {
        '@odata.id': SYSTEM,
        '@odata.type': '#ComputerSystem.v1_4_0.ComputerSystem',
        'Id': '1', 'Name': 'Computer System', 'Manufacturer': 'HPE',
        'Model': spec.product_name, 'SerialNumber': spec.serial_number,
        'SKU': '868703-B21', 'SystemType': 'Physical',
        'BiosVersion': 'U30 v2.10 (05/21/2019)',
        'PowerState': state.power,
        'Boot': {
            'BootSourceOverrideEnabled': state.boot.enabled,
            'BootSourceOverrideMode': ('UEFI' if state.boot_mode() == 'uefi'
                                       else 'Legacy'),
            'BootSourceOverrideTarget': state.boot.target,
            'BootSourceOverrideTarget@Redfish.AllowableValues': list(
                bootsources.OVERRIDE_TARGETS[10]),
            'UefiTargetBootSourceOverride': _device_path(
                state.boot.uefi_target, uefi),
            'UefiTargetBootSourceOverride@Redfish.AllowableValues': [
                s.device_path for s in uefi],
        },
        'Actions': {'#ComputerSystem.Reset': {
            'ResetType@Redfish.AllowableValues': RESET_TYPES,
            'target': SYSTEM + 'Actions/ComputerSystem.Reset/'}},
        'Bios': link(BIOS),
        'EthernetInterfaces': link(SYSTEM + 'EthernetInterfaces/'),
        'SecureBoot': link(SYSTEM + 'SecureBoot/'),
        'Links': {'ManagedBy': [link(MANAGER)], 'Chassis': [link(CHASSIS)]},
        'Oem': {'Hpe': {
            '@odata.type': '#HpeComputerSystemExt.v2_5_0.'
                           'HpeComputerSystemExt',
            'Actions': {'#HpeComputerSystemExt.PowerButton': {
                'PushType@Redfish.AllowableValues': ['Press',
                                                     'PressAndHold'],
                'target': hpe_actions + 'PowerButton/'}},
            'Bios': {'Current': {'VersionString': 'U30 v2.10 (05/21/2019)'},
                     'UefiClass': 2},
            'PostState': state.post_state,
        }},
        'Status': {'Health': 'OK', 'State': 'Enabled' if on else 'Disabled'},
    }


def _device_path(structured: str, uefi: Sequence[BootSource]) -> str:
    found = bootsources.find(uefi, structured)
    return found.device_path if found else structured


def bios(attributes: Dict[str, str], pending: bool) -> Dict[str, Any]:
    """BIOS settings, current (links to the rest) or pending."""
    path = BIOS + ('settings/' if pending else '')
    body: Dict[str, Any] = {
        '@odata.id': path, '@odata.type': '#Bios.v1_0_0.Bios',
        'Id': 'settings' if pending else 'bios',
        'Name': 'BIOS %s Settings' % ('Pending' if pending else 'Current'),
        'AttributeRegistry': 'BiosAttributeRegistryU30.v1_2_10',
        'Attributes': dict(attributes)}
    if not pending:
        body['@Redfish.Settings'] = _settings(BIOS + 'settings/')
        body['Oem'] = {'Hpe': {'Links': {
            'Boot': link(BIOS + 'boot/'),
            'Mappings': link(BIOS + 'mappings/'),
            'iScsi': link(BIOS + 'iscsi/'),
            'BaseConfigs': link(BIOS + 'baseconfigs/')}}}
    return body


def boot(order: Sequence[str], sources: Sequence[BootSource],
         pending: bool) -> Dict[str, Any]:
    """Server boot settings: boot sources and persistent boot order."""
    path = BIOS + 'boot/' + ('settings/' if pending else '')
    body = {
        '@odata.id': path,
        '@odata.type': '#HpeServerBootSettings.v2_0_0.HpeServerBootSettings',
        'Id': 'settings' if pending else 'boot',
        'Name': 'Boot Order %s Settings' % ('Pending' if pending
                                            else 'Current'),
        'BootSources': common.sources_to_wire(sources),
        'PersistentBootConfigOrder': bootsources.ordered(order, sources),
        'DefaultBootOrder': ['Cd', 'Usb', 'EmbeddedStorage',
                             'PcieSlotStorage', 'EmbeddedFlexLOM',
                             'PcieSlotNic', 'UefiShell']}
    if not pending:
        body['@Redfish.Settings'] = _settings(BIOS + 'boot/settings/')
    return body


def mappings(state: ServerState) -> Dict[str, Any]:
    """BIOS-to-device mappings (NicBoot associations per NIC port)."""
    return {'@odata.id': BIOS + 'mappings/',
            '@odata.type': '#HpeBiosMapping.v2_0_0.HpeBiosMapping',
            'Id': 'mappings', 'Name': 'BIOS mappings',
            'BiosPciSettingsMappings': common.pci_mappings(state)}


def iscsi(state: ServerState, sources: Sequence[BootSource],
          pending: bool) -> Dict[str, Any]:
    """iSCSI software initiator settings, current or pending."""
    config = state.iscsi_pending if pending else state.iscsi_current
    body = common.iscsi_to_wire(config, state, sources,
                                common.REDFISH_ISCSI)
    body.update({
        '@odata.id': BIOS + 'iscsi/' + ('settings/' if pending else ''),
        '@odata.type': '#HpeiSCSISoftwareInitiator.v2_0_0.'
                       'HpeiSCSISoftwareInitiator',
        'Id': 'settings' if pending else 'iscsi',
        'Name': 'iSCSI Software Initiator %s Settings' % (
            'Pending' if pending else 'Current')})
    if not pending:
        body['@Redfish.Settings'] = _settings(BIOS + 'iscsi/settings/')
    return body


def ethernet_interface(state: ServerState, port: int) -> Dict[str, Any]:
    """One NIC port: MAC and UEFI device path."""
    nic = state.nics[port - 1]
    return {'@odata.id': '%sEthernetInterfaces/%d/' % (SYSTEM, port),
            '@odata.type': '#EthernetInterface.v1_4_1.EthernetInterface',
            'Id': str(port), 'Name': '', 'MACAddress': nic.mac,
            'UefiDevicePath': nic.device_path, 'LinkStatus': 'LinkUp',
            'SpeedMbps': 1000, 'FullDuplex': True,
            'Status': {'Health': 'OK', 'State': 'Enabled'}}


def secure_boot() -> Dict[str, Any]:
    """Secure boot: present, not enabled."""
    path = SYSTEM + 'SecureBoot/'
    return {'@odata.id': path, '@odata.type': '#SecureBoot.v1_0_0.SecureBoot',
            'Id': 'SecureBoot', 'Name': 'UEFI Secure Boot',
            'SecureBootCurrentBoot': 'Disabled', 'SecureBootEnable': False,
            'SecureBootMode': 'UserMode',
            'Actions': {'#SecureBoot.ResetKeys': {
                'ResetKeysType@Redfish.AllowableValues': [
                    'ResetAllKeysToDefault', 'DeleteAllKeys', 'DeletePK'],
                'target': path + 'Actions/SecureBoot.ResetKeys/'}}}


def manager(spec: ServerSpec) -> Dict[str, Any]:
    """The iLO itself."""
    version = 'iLO 5 v2.10'
    return {'@odata.id': MANAGER, '@odata.type': '#Manager.v1_5_1.Manager',
            'Id': '1', 'Name': 'Manager', 'ManagerType': 'BMC',
            'Model': spec.ilo_name, 'FirmwareVersion': version,
            'VirtualMedia': link(VMEDIA),
            'Links': {'ManagerForServers': [link(SYSTEM)]},
            'Oem': {'Hpe': {'Firmware': {'Current': {
                'VersionString': version}}}}}


def chassis() -> Dict[str, Any]:
    """The chassis (present; not used on the iSCSI boot path)."""
    return {'@odata.id': CHASSIS, '@odata.type': '#Chassis.v1_6_0.Chassis',
            'Id': '1', 'Name': 'Computer System Chassis',
            'ChassisType': 'RackMount', 'Links': {
                'ComputerSystems': [link(SYSTEM)]}}


def virtual_media(member: str, media: VirtualMedia) -> Dict[str, Any]:
    """One virtual media drive with standard and HPE actions."""
    path = VMEDIA + member + '/'
    oem = path + 'Actions/Oem/Hpe/HpeiLOVirtualMedia.'
    return {
        '@odata.id': path, '@odata.type': '#VirtualMedia.v1_2_0.VirtualMedia',
        'Id': member, 'Name': 'VirtualMedia',
        'MediaTypes': VMEDIA_MEMBERS[member][1],
        'Image': media.image or '', 'Inserted': media.inserted,
        'WriteProtected': True,
        'ConnectedVia': 'URI' if media.inserted else 'NotConnected',
        'Actions': {
            '#VirtualMedia.EjectMedia': {
                'target': path + 'Actions/VirtualMedia.EjectMedia/'},
            '#VirtualMedia.InsertMedia': {
                'target': path + 'Actions/VirtualMedia.InsertMedia/'}},
        'Oem': {'Hpe': {
            'BootOnNextServerReset': media.boot_on_next_reset,
            'Actions': {
                '#HpeiLOVirtualMedia.EjectVirtualMedia': {
                    'target': oem + 'EjectVirtualMedia/'},
                '#HpeiLOVirtualMedia.InsertVirtualMedia': {
                    'target': oem + 'InsertVirtualMedia/'}}}},
    }
