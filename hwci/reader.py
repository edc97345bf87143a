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

"""What a server's iLO holds, read over HTTPS as any client reads it.

proliantutils' getters where they exist (:meth:`Reader.client`); for what
they do not give (the iSCSI attempts, pending and current, the boot
override, the MAC to ``NicBoot`` mapping) plain HTTPS GETs of the
resources iLO serves, with basic authentication and the server's CA
file. One implementation per generation: :class:`RisReader` (iLO 4,
Gen9, ``/rest/v1``) and :class:`RedfishReader` (iLO 5, Gen10,
``/redfish/v1``); they differ in paths, link forms and a few property
names. The only writes here are the restore's
(:meth:`Reader.patch_iscsi`, :meth:`Reader.patch_boot`).

The CHAP secret is write-only on iLO (GET answers null): nothing here
can read one, and the attempts exclude the field. So do they exclude the
option fields the firmware fills in at POST (``StructuredBootString``,
``UEFIDevicePath``), which no client writes: :meth:`Reader.options`
gives them.

>>> RisReader.ISCSI_KEYS.enable, RedfishReader.ISCSI_KEYS.enable
('iSCSIBootEnable', 'iSCSIConnection')
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, List, Optional, Tuple

import requests

from hwci.targets import Server

#: Fields of an attempt that no client writes or can read.
UNREAD = ('iSCSIChapSecret', 'StructuredBootString', 'UEFIDevicePath')
#: The boot override's properties a client writes.
BOOT_KEYS = ('BootSourceOverrideEnabled', 'BootSourceOverrideTarget',
             'UefiTargetBootSourceOverride')
_NIC_BOOT = re.compile(r'^NicBoot\d+$')


class ReadError(Exception):
    """A resource could not be read or written (path and status)."""


@dataclasses.dataclass(frozen=True)
class IscsiKeys:
    """The property names of an iSCSI attempt that differ by protocol."""

    sources: str
    enable: str
    lun: str
    option: str  # what the boot override names an option by


class Reader:
    """HTTPS reads of one server's iLO (see the module's text)."""

    SYSTEM = ''
    ISCSI = ''
    ISCSI_SETTINGS = ''
    MAPPINGS = ''
    NICS = ''
    ISCSI_KEYS = IscsiKeys('', '', '', '')

    def __init__(self, server: Server, timeout: float = 60) -> None:
        self.server = server
        self.timeout = timeout
        self._session = requests.Session()
        # No proxy and no CA bundle from the environment
        # (REQUESTS_CA_BUNDLE would replace the server's CA file).
        self._session.trust_env = False
        self._session.auth = (server.username, server.password.value)
        self._session.verify = server.ca_file or False
        self._session.headers['Content-Type'] = 'application/json'

    def client(self) -> Any:
        """proliantutils' client of the server (cached per address by
        proliantutils, shared with ironic's)."""
        from proliantutils.ilo import client
        return client.IloClient(*self.server.client_args(),
                                cacert=self.server.ca_file)

    # -- HTTPS ---------------------------------------------------------------
    def _url(self, path: str) -> str:
        return 'https://%s%s' % (self.server.address, path)

    def get(self, path: str) -> Dict[str, Any]:
        """The JSON body of ``path``.

        :raises ReadError: naming the path and the status.
        """
        try:
            answer = self._session.get(self._url(path), timeout=self.timeout)
        except requests.RequestException as exc:
            raise ReadError('%s %s: %s' % (self.server.name, path,
                                           type(exc).__name__)) from None
        if answer.status_code != 200:
            raise ReadError('%s GET %s: HTTP %d' % (
                self.server.name, path, answer.status_code))
        return answer.json()

    def _patch(self, path: str, body: Dict[str, Any]) -> None:
        try:
            answer = self._session.patch(self._url(path), json=body,
                                         timeout=self.timeout)
        except requests.RequestException as exc:
            raise ReadError('%s PATCH %s: %s' % (self.server.name, path,
                                                 type(exc).__name__)) from None
        if answer.status_code not in (200, 202, 204):
            raise ReadError('%s PATCH %s: HTTP %d' % (
                self.server.name, path, answer.status_code))

    def members(self, path: str) -> List[str]:
        """The member paths of a collection."""
        raise NotImplementedError

    # -- what iLO holds ------------------------------------------------------
    def boot(self) -> Dict[str, Any]:
        """The boot override: :data:`BOOT_KEYS` of ``Systems/1``."""
        boot = self.get(self.SYSTEM).get('Boot', {})
        return {key: boot.get(key) for key in BOOT_KEYS}

    def _iscsi(self, pending: bool) -> Dict[str, Any]:
        return self.get(self.ISCSI_SETTINGS if pending else self.ISCSI)

    def iscsi(self, pending: bool) -> Tuple[str, Dict[str, Dict[str, Any]]]:
        """(initiator name, attempts by NIC source), pending or current;
        each attempt without the :data:`UNREAD` fields."""
        body = self._iscsi(pending)
        attempts = {entry['iSCSINicSource']: {
            key: value for key, value in entry.items() if key not in UNREAD}
            for entry in body.get(self.ISCSI_KEYS.sources, [])}
        return body.get('iSCSIInitiatorName', ''), attempts

    def options(self) -> Dict[str, Optional[str]]:
        """NIC source -> the name the boot override takes for its iSCSI
        boot option (current settings; None while none is listed)."""
        body = self._iscsi(False)
        return {entry['iSCSINicSource']: entry.get(self.ISCSI_KEYS.option)
                for entry in body.get(self.ISCSI_KEYS.sources, [])}

    def ports(self, body: Dict[str, Any]) -> List[Tuple[str, str]]:
        """(MAC, UEFI device path) of the NIC ports of a member of
        :attr:`NICS`."""
        raise NotImplementedError

    def nic_ports(self) -> Dict[str, str]:
        """MAC (lower case) -> the NIC port's UEFI device path."""
        return {mac.lower(): path for member in self.members(self.NICS)
                for mac, path in self.ports(self.get(member))}

    def nic_source(self, mac: str) -> str:
        """The ``NicBoot<N>`` BIOS name of the NIC with ``mac``.

        :raises ReadError: if the MAC or its mapping is not found.
        """
        path = self.nic_ports().get(mac.lower())
        if path is None:
            raise ReadError('%s: no NIC port has MAC %s' % (
                self.server.name, mac))
        for device in self.get(self.MAPPINGS).get(
                'BiosPciSettingsMappings', []):
            for port in device.get('Subinstances', []):
                names = [name for name in port.get('Associations', [])
                         if isinstance(name, str) and _NIC_BOOT.match(name)]
                if port.get('CorrelatableID') == path and names:
                    return names[0]
        raise ReadError('%s: the NIC of %s has no NicBoot mapping' % (
            self.server.name, mac))

    # -- the restore's writes ------------------------------------------------
    def patch_iscsi(self, initiator: Optional[str],
                    attempts: List[Dict[str, Any]]) -> None:
        """Write pending iSCSI settings (at most 4 attempts a PATCH, as
        iLO takes them)."""
        if initiator is not None:
            self._patch(self.ISCSI_SETTINGS,
                        {'iSCSIInitiatorName': initiator})
        for start in range(0, len(attempts), 4):
            self._patch(self.ISCSI_SETTINGS, {
                self.ISCSI_KEYS.sources: attempts[start:start + 4]})

    def patch_boot(self, boot: Dict[str, Any]) -> None:
        """Write boot override properties."""
        self._patch(self.SYSTEM, {'Boot': boot})


class RisReader(Reader):
    """iLO 4 (Gen9): RIS, ``links``/``href``."""

    SYSTEM = '/rest/v1/Systems/1'
    ISCSI = SYSTEM + '/bios/iScsi'
    ISCSI_SETTINGS = ISCSI + '/Settings'
    MAPPINGS = SYSTEM + '/bios/Mappings'
    NICS = SYSTEM + '/NetworkAdapters'
    ISCSI_KEYS = IscsiKeys('iSCSIBootSources', 'iSCSIBootEnable',
                           'iSCSIBootLUN', 'StructuredBootString')

    def members(self, path: str) -> List[str]:
        return [m['href'] for m in
                self.get(path).get('links', {}).get('Member', [])]

    def ports(self, body: Dict[str, Any]) -> List[Tuple[str, str]]:
        return [(port['MacAddress'], port.get('UEFIDevicePath'))
                for port in body.get('PhysicalPorts', [])]


class RedfishReader(Reader):
    """iLO 5 (Gen10): Redfish, ``@odata.id``."""

    SYSTEM = '/redfish/v1/Systems/1/'
    ISCSI = SYSTEM + 'bios/iscsi/'
    ISCSI_SETTINGS = ISCSI + 'settings/'
    MAPPINGS = SYSTEM + 'bios/mappings/'
    NICS = SYSTEM + 'EthernetInterfaces/'
    ISCSI_KEYS = IscsiKeys('iSCSISources', 'iSCSIConnection', 'iSCSILUN',
                           'UEFIDevicePath')

    def members(self, path: str) -> List[str]:
        return [m['@odata.id'] for m in self.get(path).get('Members', [])]

    def ports(self, body: Dict[str, Any]) -> List[Tuple[str, str]]:
        return [(body['MACAddress'], body.get('UefiDevicePath'))]


def close_clients() -> None:
    """Log proliantutils' cached Redfish clients out and empty its client
    cache: an iLO holds a limited number of sessions, and a session left
    open lasts 30 minutes."""
    from proliantutils.ilo import client
    for instance in list(client.IloClient._instances.values()):
        sushy = getattr(getattr(instance, 'redfish', None), '_sushy', None)
        if getattr(sushy, '_auth', None) is not None:
            try:
                sushy._auth.close()
            except Exception:  # unreachable: the session times out
                sushy._auth.reset_session_attrs()
    client.IloClient._instances.clear()


def reader_for(server: Server, timeout: float = 60) -> Reader:
    """The reader of the server's generation."""
    cls = RisReader if server.generation == 9 else RedfishReader
    return cls(server, timeout)
