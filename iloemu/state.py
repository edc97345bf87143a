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

"""The state a backend owns, and the read-only view tests look at.

Settings come in pairs as on a real iLO: what the firmware runs with
(``*_current``) and what was written and waits for the next reset or
power-on (``*_pending``). CHAP secrets are :class:`~iloemu.secret.Secret`
objects, so no repr of the state shows them.

>>> from iloemu.config import ServerSpec
>>> state = initial_state(ServerSpec('127.0.0.2', boot_mode='legacy'))
>>> state.bios_pending.attributes['BootMode'], state.power
('LegacyBios', 'Off')
>>> a = state.iscsi_pending.attempts['NicBoot1']
>>> a.chap_secret = Secret('abcdefghijkl')
>>> 'abcdefghijkl' in repr(state)
False
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from iloemu import bios
from iloemu.config import ServerSpec
from iloemu.secret import Secret


@dataclasses.dataclass(frozen=True)
class Nic:
    """A NIC port as the firmware sees it (position decides the names)."""

    mac: str
    port: int
    boot_capable: bool = True

    @property
    def nic_boot(self) -> Optional[str]:
        """The BIOS association ('NicBoot1') or None if it cannot boot."""
        return 'NicBoot%d' % self.port if self.boot_capable else None

    @property
    def structured_name(self) -> str:
        """'NIC.LOM.1.<port>'."""
        return 'NIC.LOM.1.%d' % self.port

    @property
    def device_path(self) -> str:
        """The UEFI device path of the port's PCI function."""
        return 'PciRoot(0x0)/Pci(0x1C,0x0)/Pci(0x0,0x%X)' % (self.port - 1)

    @property
    def mac_token(self) -> str:
        """The MAC as UEFI device paths write it ('9CB654020001')."""
        return self.mac.replace(':', '').upper()


@dataclasses.dataclass
class IscsiAttempt:
    """One iSCSI boot attempt; the firmware holds one per bootable NIC."""

    nic_source: str
    enabled: bool = False
    instance: int = 0
    attempt_name: str = ''
    target_name: str = ''
    lun: str = '0'
    target_ip: str = '0.0.0.0'
    target_port: int = 3260
    target_info_via_dhcp: bool = True
    auth_method: str = 'None'
    chap_user: Optional[str] = None
    chap_secret: Optional[Secret] = None
    ip_address_type: str = 'IPv4'
    #: The initiator's own address: by DHCP (the firmware's default) or
    #: these static values.
    initiator_info_via_dhcp: bool = True
    initiator_ip: str = '0.0.0.0'
    initiator_netmask: str = '0.0.0.0'
    initiator_gateway: str = '0.0.0.0'
    #: The firmware's defaults (real iLO 5 payloads in proliantutils'
    #: test data).
    connect_timeout_ms: int = 20000
    connect_retry: int = 3


@dataclasses.dataclass
class IscsiConfig:
    """The iSCSI software initiator settings."""

    initiator_name: str
    attempts: Dict[str, IscsiAttempt]


@dataclasses.dataclass
class BiosConfig:
    """BIOS attributes and the persistent boot order."""

    attributes: Dict[str, str]
    boot_order: List[str]


@dataclasses.dataclass
class BootOverride:
    """The boot source override of the system resource (immediate)."""

    enabled: str = 'Disabled'
    target: str = 'None'
    uefi_target: str = 'None'


@dataclasses.dataclass
class VirtualMedia:
    """One virtual media drive ('FLOPPY' or 'CDROM')."""

    device: str
    image: Optional[str] = None
    boot_on_next_reset: bool = False

    @property
    def inserted(self) -> bool:
        """Whether an image is connected."""
        return self.image is not None


@dataclasses.dataclass(frozen=True)
class BootRecord:
    """One start of the server: how, in which mode, from what."""

    kind: str
    boot_mode: str
    device: str
    initiator_name: str
    #: Strict model with a SAN: 'booted' or why the iSCSI login failed.
    outcome: Optional[str] = None


@dataclasses.dataclass
class ServerState:
    """Everything one emulated server holds."""

    power: str
    bios_current: BiosConfig
    bios_pending: BiosConfig
    iscsi_current: IscsiConfig
    iscsi_pending: IscsiConfig
    boot: BootOverride
    nics: Tuple[Nic, ...]
    media: Dict[str, VirtualMedia]
    boots: List[BootRecord] = dataclasses.field(default_factory=list)
    #: Oem/Hp(e)/PostState: PowerOff, InPost, InPostDiscoveryComplete,
    #: FinishedPost.
    post_state: str = 'PowerOff'
    #: When the running POST started (time.monotonic), None if none runs.
    post_started: Optional[float] = None
    #: What the running POST will discover (NIC source -> attempt); None
    #: once discovery completed (or no POST runs).
    post_discovering: Optional[Dict[str, IscsiAttempt]] = None
    #: The iSCSI attempts whose boot options the last POST discovery
    #: found (strict model): what the firmware lists until the next one.
    iscsi_discovered: Dict[str, IscsiAttempt] = dataclasses.field(
        default_factory=dict)

    def boot_mode(self, pending: bool = False) -> str:
        """'uefi' or 'legacy', as applied now or as pending."""
        attrs = (self.bios_pending if pending else self.bios_current)
        return bios.boot_mode_name(attrs.attributes['BootMode'])

    def nic_by_source(self, nic_source: str) -> Optional[Nic]:
        """The NIC whose BIOS association is ``nic_source``."""
        for nic in self.nics:
            if nic.nic_boot == nic_source:
                return nic
        return None


def initial_state(spec: ServerSpec) -> ServerState:
    """The state of a server that was just set up from ``spec``."""
    nics = tuple(Nic(n.mac, port, n.boot_capable)
                 for port, n in enumerate(spec.nics, start=1))
    attrs = bios.default_attributes(spec.boot_mode)
    order = ['HD.Emb.1.1']
    for nic in nics:
        if nic.boot_capable:
            order += [nic.structured_name + '.IPv4',
                      nic.structured_name + '.IPv6']
    order.append('CD.Virtual.2.1')
    iscsi = IscsiConfig(spec.initiator_name or '', {
        nic.nic_boot: IscsiAttempt(nic.nic_boot)
        for nic in nics if nic.nic_boot})
    return ServerState(
        post_state='FinishedPost' if spec.power == 'On' else 'PowerOff',
        power=spec.power,
        bios_current=BiosConfig(dict(attrs), list(order)),
        bios_pending=BiosConfig(dict(attrs), list(order)),
        iscsi_current=iscsi,
        iscsi_pending=copy.deepcopy(iscsi),
        boot=BootOverride(),
        nics=nics,
        media={d: VirtualMedia(d) for d in ('FLOPPY', 'CDROM')})


@dataclasses.dataclass(frozen=True)
class IscsiTargetView:
    """What one NIC's iSCSI attempt holds (the secret stays masked)."""

    mac: str
    nic_source: str
    enabled: bool
    iqn: str
    lun: str
    ip_address: str
    port: int
    auth_method: str
    chap_user: Optional[str]
    chap_secret: Optional[Secret]
    attempt_instance: int
    ip_address_type: str = 'IPv4'


@dataclasses.dataclass(frozen=True)
class StateView:
    """A snapshot for tests: read it, compare it, print it safely."""

    power: str
    boot_mode: str
    pending_boot_mode: str
    boot_override: str
    boot_target: str
    uefi_target: str
    boot_order: Tuple[str, ...]
    pending_boot_order: Tuple[str, ...]
    initiator_name: str
    pending_initiator_name: str
    iscsi: Mapping[str, IscsiTargetView]
    iscsi_current: Mapping[str, IscsiTargetView]
    media: Mapping[str, Optional[str]]
    boots: Tuple[BootRecord, ...]
    machine: Optional[str] = None
    post_state: str = 'PowerOff'
    firmware: str = 'lenient'
    #: The iSCSI boot options the firmware lists now (structured names).
    iscsi_options: Tuple[str, ...] = ()

    @property
    def one_time_boot(self) -> Optional[str]:
        """The override target if it is set for the next boot only."""
        return self.boot_target if self.boot_override == 'Once' else None

    @property
    def persistent_boot(self) -> Optional[str]:
        """The override target if it is set for every boot."""
        return (self.boot_target if self.boot_override == 'Continuous'
                else None)


def _targets(state: ServerState, config: IscsiConfig,
             address_type: Callable[[IscsiAttempt], str]
             ) -> Dict[str, IscsiTargetView]:
    views = {}
    for nic in state.nics:
        attempt = config.attempts.get(nic.nic_boot or '')
        if attempt is None:
            continue
        views[nic.mac] = IscsiTargetView(
            nic.mac, attempt.nic_source, attempt.enabled,
            attempt.target_name, attempt.lun, attempt.target_ip,
            attempt.target_port, attempt.auth_method, attempt.chap_user,
            attempt.chap_secret, attempt.instance, address_type(attempt))
    return views


def view(state: ServerState, machine: Optional[str] = None,
         firmware: str = 'lenient', iscsi_options: Tuple[str, ...] = (),
         address_type: Optional[Callable[[IscsiAttempt], str]] = None
         ) -> StateView:
    """The test-facing snapshot of ``state``.

    ``machine`` is the backend's word on the machine behind the iLO (the
    qemu backend: "booted from iSCSI target ..."); None for the fake one.
    ``address_type`` gives an attempt's address type as the firmware
    model reads it (default: the stored one).
    """
    kind = address_type or (lambda attempt: attempt.ip_address_type)
    return StateView(
        power=state.power,
        boot_mode=state.boot_mode(),
        pending_boot_mode=state.boot_mode(pending=True),
        boot_override=state.boot.enabled,
        boot_target=state.boot.target,
        uefi_target=state.boot.uefi_target,
        boot_order=tuple(state.bios_current.boot_order),
        pending_boot_order=tuple(state.bios_pending.boot_order),
        initiator_name=state.iscsi_current.initiator_name,
        pending_initiator_name=state.iscsi_pending.initiator_name,
        iscsi=_targets(state, state.iscsi_pending, kind),
        iscsi_current=_targets(state, state.iscsi_current, kind),
        media={d: m.image for d, m in state.media.items()},
        boots=tuple(state.boots),
        machine=machine,
        post_state=state.post_state,
        firmware=firmware,
        iscsi_options=tuple(iscsi_options))
