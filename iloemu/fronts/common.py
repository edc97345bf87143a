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

"""Shapes RIS (iLO 4) and Redfish (iLO 5) have in common.

The iSCSI settings differ only in a few property names between the two
("dialects"); BIOS mappings, boot sources and error bodies share a form.

>>> entry = {'iSCSIBootAttemptName': 'NicBoot1', 'iSCSINicSource': 'NicBoot1',
...          'iSCSIBootLUN': '1', 'iSCSIBootEnable': 'Enabled',
...          'iSCSIChapSecret': 'abcdefghijkl'}
>>> attempt_from_wire(entry, RIS_ISCSI)['chap_secret']
Secret('******')
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from iloemu.bootsources import BootSource
from iloemu.errors import (IloEmuError, PropertyUnknown,
                           PropertyValueNotInList)
from iloemu.fronts.base import expect
from iloemu.secret import Secret
from iloemu.state import IscsiAttempt, IscsiConfig, ServerState


@dataclasses.dataclass(frozen=True)
class IscsiDialect:
    """The property names that differ between RIS and Redfish."""

    list_key: str
    name_key: str
    instance_key: str
    lun_key: str
    enable_key: str


RIS_ISCSI = IscsiDialect('iSCSIBootSources', 'iSCSIBootAttemptName',
                         'iSCSIBootAttemptInstance', 'iSCSIBootLUN',
                         'iSCSIBootEnable')
REDFISH_ISCSI = IscsiDialect('iSCSISources', 'iSCSIAttemptName',
                             'iSCSIAttemptInstance', 'iSCSILUN',
                             'iSCSIConnection')

_NONE = type(None)
#: Wire name -> (neutral name, the JSON types it takes).
_SHARED = {
    'iSCSINicSource': ('nic_source', (str,)),
    'iSCSITargetName': ('target_name', (str,)),
    'iSCSITargetIpAddress': ('target_ip', (str,)),
    'iSCSITargetTcpPort': ('target_port', (int,)),
    'iSCSITargetInfoViaDHCP': ('target_info_via_dhcp', (bool,)),
    'iSCSIAuthenticationMethod': ('auth_method', (str,)),
    'iSCSIChapUsername': ('chap_user', (str, _NONE)),
    'iSCSIIpAddressType': ('ip_address_type', (str,)),
    'iSCSIInitiatorInfoViaDHCP': ('initiator_info_via_dhcp', (bool,)),
    'iSCSIInitiatorIpAddress': ('initiator_ip', (str,)),
    'iSCSIInitiatorNetmask': ('initiator_netmask', (str,)),
    'iSCSIInitiatorGateway': ('initiator_gateway', (str,)),
    'iSCSIConnectTimeoutMS': ('connect_timeout_ms', (int,)),
    'iSCSIConnectRetry': ('connect_retry', (int,)),
}
#: Accepted in a PATCH but not modelled (the firmware's defaults stay).
_IGNORED = ('iSCSIChapType', 'iSCSIReverseChapSecret',
            'iSCSIReverseChapUsername', 'StructuredBootString',
            'UEFIDevicePath')


#: Boot override properties -> the backend's keyword arguments.
BOOT_KEYS = {'BootSourceOverrideEnabled': 'enabled',
             'BootSourceOverrideTarget': 'target',
             'UefiTargetBootSourceOverride': 'uefi_target'}


def attempt_from_wire(entry: Mapping[str, Any],
                      dialect: IscsiDialect) -> Dict[str, Any]:
    """One PATCHed attempt in the backend's neutral field names."""
    expect(entry, dialect.list_key, dict)
    fields: Dict[str, Any] = {}
    for key, value in entry.items():
        if key in _SHARED:
            name, kinds = _SHARED[key]
            fields[name] = expect(value, key, *kinds)
        elif key == 'iSCSIChapSecret':
            expect(value, key, str, _NONE)
            fields['chap_secret'] = None if value is None else Secret(value)
        elif key == dialect.name_key:
            fields['attempt_name'] = expect(value, key, str)
        elif key == dialect.instance_key:
            fields['instance'] = expect(value, key, int)
        elif key == dialect.lun_key:
            fields['lun'] = expect(value, key, int, str)
        elif key == dialect.enable_key:
            if expect(value, key, str) not in ('Enabled', 'Disabled'):
                raise PropertyValueNotInList(name=key, value=value)
            fields['enabled'] = value == 'Enabled'
        elif key not in _IGNORED:
            raise PropertyUnknown(name=key)
    return fields


def iscsi_patch_from_wire(body: Mapping[str, Any], dialect: IscsiDialect
                          ) -> Tuple[Optional[str], List[Dict[str, Any]]]:
    """(initiator name or None, attempts) from an iSCSI settings PATCH."""
    initiator, attempts = None, []
    for key, value in body.items():
        if key == 'iSCSIInitiatorName':
            initiator = expect(value, key, str)
        elif key == dialect.list_key:
            attempts = [attempt_from_wire(e, dialect)
                        for e in expect(value, key, list)]
        elif not key.startswith('@'):
            raise PropertyUnknown(name=key)
    return initiator, attempts


def _attempt_to_wire(attempt: IscsiAttempt, dialect: IscsiDialect,
                     source: Optional[BootSource]) -> Dict[str, Any]:
    return {
        dialect.name_key: attempt.attempt_name,
        dialect.instance_key: attempt.instance,
        dialect.lun_key: attempt.lun,
        dialect.enable_key: 'Enabled' if attempt.enabled else 'Disabled',
        'iSCSINicSource': attempt.nic_source,
        'iSCSITargetName': attempt.target_name,
        'iSCSITargetIpAddress': attempt.target_ip,
        'iSCSITargetTcpPort': attempt.target_port,
        'iSCSITargetInfoViaDHCP': attempt.target_info_via_dhcp,
        'iSCSIAuthenticationMethod': attempt.auth_method,
        'iSCSIChapUsername': attempt.chap_user,
        'iSCSIChapSecret': None,  # write-only, as on iLO
        'iSCSIChapType': 'OneWay',
        'iSCSIConnectRetry': attempt.connect_retry,
        'iSCSIConnectTimeoutMS': attempt.connect_timeout_ms,
        'iSCSIInitiatorInfoViaDHCP': attempt.initiator_info_via_dhcp,
        'iSCSIInitiatorIpAddress': attempt.initiator_ip,
        'iSCSIInitiatorNetmask': attempt.initiator_netmask,
        'iSCSIInitiatorGateway': attempt.initiator_gateway,
        'iSCSIIpAddressType': attempt.ip_address_type,
        'StructuredBootString': source.structured if source else None,
        'UEFIDevicePath': source.device_path if source else None,
    }


def iscsi_to_wire(config: IscsiConfig, state: ServerState,
                  sources: Sequence[BootSource],
                  dialect: IscsiDialect) -> Dict[str, Any]:
    """The body of an iSCSI resource (current or pending) minus links."""
    by_name = {s.structured: s for s in sources}
    entries = []
    for nic in state.nics:
        attempt = config.attempts.get(nic.nic_boot or '')
        if attempt is not None:
            entries.append(_attempt_to_wire(
                attempt, dialect, by_name.get(nic.structured_name + '.iSCSI')))
    return {'iSCSIInitiatorName': config.initiator_name,
            'iSCSINicSources': [n.nic_boot for n in state.nics
                                if n.nic_boot],
            dialect.list_key: entries}


def boot_override_from_wire(boot: Any) -> Dict[str, Optional[str]]:
    """The backend's keyword arguments from a ``Boot`` object (strings)."""
    expect(boot, 'Boot', dict)
    unknown = sorted(set(boot) - set(BOOT_KEYS))
    if unknown:
        raise PropertyUnknown(name=unknown[0])
    return {BOOT_KEYS[key]: expect(value, key, str)
            for key, value in boot.items()}


def push_action(push: Any) -> str:
    """The backend's power action for a PowerButton ``PushType``."""
    action = {'Press': 'PushPowerButton', 'PressAndHold': 'PressAndHold'
              }.get(expect(push, 'PushType', str))
    if action is None:
        raise PropertyValueNotInList(name='PushType', value=push)
    return action


def oem_flag(body: Mapping[str, Any], vendor: str, name: str
             ) -> Optional[bool]:
    """``body["Oem"][vendor][name]``, a boolean, or None if not there."""
    oem = expect(body.get('Oem', {}), 'Oem', dict)
    flags = expect(oem.get(vendor, {}), vendor, dict)
    return expect(flags.get(name), name, bool, _NONE)


def pci_mappings(state: ServerState) -> List[Dict[str, Any]]:
    """BiosPciSettingsMappings: the storage controller and the NIC ports."""
    ports = []
    for nic in state.nics:
        associations: List[Any] = [
            {'PreBootNetwork': 'EmbNicPort%d' % nic.port}]
        if nic.nic_boot:
            associations.append(nic.nic_boot)
        ports.append({'Associations': associations,
                      'CorrelatableID': nic.device_path,
                      'Subinstance': nic.port})
    return [
        {'Associations': ['EmbSas1Enable', 'EmbSas1Boot'],
         'CorrelatableID': 'PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)',
         'Instance': 1, 'Subinstances': []},
        {'Associations': ['EmbNicEnable', 'EmbNicLinkSpeed'],
         'CorrelatableID': 'PciRoot(0x0)/Pci(0x1C,0x0)',
         'Instance': 2, 'Subinstances': ports},
    ]


def sources_to_wire(sources: Sequence[BootSource]) -> List[Dict[str, str]]:
    """BootSources entries of the BIOS boot resource."""
    return [{'BootOptionNumber': '%04X' % (number + 1),
             'BootString': s.boot_string,
             'CorrelatableID': s.correlatable_id,
             'StructuredBootString': s.structured,
             'UEFIDevicePath': s.device_path}
            for number, s in enumerate(sources)]


def extended_info(message_id: str, args: Sequence[str] = (),
                  message: Optional[str] = None) -> Dict[str, Any]:
    """The ``{"error": {...}}`` body iLO answers with, errors or not.

    >>> extended_info('Base.1.4.Success')['error']['@Message.ExtendedInfo']
    [{'MessageId': 'Base.1.4.Success'}]
    """
    info: Dict[str, Any] = {'MessageId': message_id}
    if args:
        info['MessageArgs'] = list(args)
    if message:
        info['Message'] = message
    return {'error': {
        'code': 'iLO.0.10.ExtendedInfo',
        'message': 'See @Message.ExtendedInfo for more information.',
        '@Message.ExtendedInfo': [info]}}


def error_body(error: IloEmuError) -> Dict[str, Any]:
    """The Redfish error body of an emulator error."""
    return extended_info(error.message_id, error.message_args, str(error))
