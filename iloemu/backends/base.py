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

"""The backend interface: state operations the fronts call, hooks to fill.

The base class implements the firmware's bookkeeping (pending settings,
boot overrides, power state) once; a backend supplies what happens to the
machine when it starts, resets or stops, through the three abstract hooks.
Each hook receives a deep copy of the state the server starts (or stops)
with, pending settings already applied, so a qemu backend can boot a VM
from exactly what iLO holds.
"""
from __future__ import annotations

import abc
import copy
import ipaddress
import re
import threading
from typing import Any, List, Mapping, Optional, Sequence

from iloemu import bios, bootsources, firmware, post
from iloemu.config import ServerSpec
from iloemu.errors import (ActionNotSupported, InvalidOperationForSystemState,
                           PropertyMissing, PropertyUnknown,
                           PropertyValueFormatError, PropertyValueNotInList,
                           UnsupportedInLegacyBootMode)
from iloemu.san import San, boot_outcome
from iloemu.secret import Secret
from iloemu.state import (BootRecord, ServerState, StateView, initial_state,
                          view)

POWER_ACTIONS = ('On', 'ForceOff', 'GracefulShutdown', 'ForceRestart',
                 'GracefulRestart', 'PushPowerButton', 'PressAndHold', 'Nmi')
AUTH_METHODS = ('None', 'Chap', 'MutualChap')
ATTEMPT_FIELDS = ('nic_source', 'attempt_name', 'instance', 'enabled',
                  'target_name', 'lun', 'target_ip', 'target_port',
                  'target_info_via_dhcp', 'auth_method', 'chap_user',
                  'chap_secret', 'ip_address_type',
                  'initiator_info_via_dhcp', 'initiator_ip',
                  'initiator_netmask', 'initiator_gateway',
                  'connect_timeout_ms', 'connect_retry')
_CHAP_TEXT = re.compile(r'^[\x20-\x7e]{12,16}$')
_CHAP_HEX = re.compile(r'^0[xX]([0-9a-fA-F]{24,32})$')


def chap_secret_ok(secret: str) -> bool:
    """The lenient model's rule: 12-16 printable, or 0x + 24-32 hex digits.

    (The strict model applies EDK2's: iloemu.firmware.chap_secret_ok.)

    >>> chap_secret_ok('a' * 11), chap_secret_ok('a' * 12)
    (False, True)
    >>> chap_secret_ok('0x' + 'ab' * 12), chap_secret_ok('0x' + 'a' * 23)
    (True, False)
    """
    return bool(_CHAP_TEXT.match(secret) or _CHAP_HEX.match(secret))


class Backend(abc.ABC):
    """One emulated server: its state and what its hardware does."""

    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        self._lock = threading.RLock()
        self._state = initial_state(spec)
        #: Targets for the strict model's iSCSI login check (a fleet
        #: shares one); None: logins are not modelled.
        self.san: Optional[San] = None

    # -- the hooks a backend implements ------------------------------------
    @abc.abstractmethod
    def on_power_on(self, state: ServerState) -> None:
        """The server was off and starts with ``state``."""

    @abc.abstractmethod
    def on_reset(self, state: ServerState) -> None:
        """The running server restarts with ``state``."""

    @abc.abstractmethod
    def on_power_off(self, state: ServerState) -> None:
        """The server stops."""

    # -- reads ---------------------------------------------------------------
    def snapshot(self) -> ServerState:
        """A deep copy of the state, safe to read while requests go on."""
        with self._lock:
            post.advance(self._state, self.spec)
            return copy.deepcopy(self._state)

    def view(self) -> StateView:
        """The test-facing view of the state."""
        machine = self.machine_status()
        with self._lock:
            post.advance(self._state, self.spec)
            options = tuple(s.structured for s in self.sources()
                            if s.kind == 'iscsi')
            return view(self._state, machine, self.spec.firmware, options)

    def machine_status(self) -> Optional[str]:
        """What the machine behind the iLO is doing; None if not modelled."""
        return None

    def close(self) -> None:
        """Release what the backend runs (a VM); the fleet calls it."""

    def sources(self, state: Optional[ServerState] = None
                ) -> List[bootsources.BootSource]:
        """The boot options the firmware reports now."""
        state = state or self._state
        return bootsources.boot_sources(
            state, self.spec.generation,
            firmware.listed(state, self.spec.strict))

    def uefi_targets(self, state: Optional[ServerState] = None
                     ) -> List[bootsources.BootSource]:
        """The options a UEFI target boot override may name."""
        state = state or self._state
        return bootsources.uefi_targets(
            state, self.spec.generation,
            firmware.listed(state, self.spec.strict))

    # -- power ---------------------------------------------------------------
    def power(self, action: str) -> None:
        """Run a power action ('On', 'ForceOff', 'ForceRestart', ...).

        As on iLO, an action that does not fit the power state (power on
        a running server, restart or stop a stopped one) is refused.
        """
        if action not in POWER_ACTIONS:
            raise PropertyValueNotInList(name='ResetType', value=action)
        with self._lock:
            running = self._state.power == 'On'
        if action == 'PushPowerButton':
            action = 'ForceOff' if running else 'On'
        if running == (action == 'On'):
            raise InvalidOperationForSystemState(
                action=action, power='On' if running else 'Off')
        if action == 'Nmi':
            return
        if action in ('ForceRestart', 'GracefulRestart'):
            self.on_reset(self._start('reset'))
        elif action == 'On':
            self.on_power_on(self._start('power-on'))
        else:
            with self._lock:
                self._state.power = 'Off'
                post.stop(self._state)
                state = copy.deepcopy(self._state)
            self.on_power_off(state)

    def _start(self, kind: str) -> ServerState:
        with self._lock:
            st = self._state
            st.bios_current = copy.deepcopy(st.bios_pending)
            st.iscsi_current = copy.deepcopy(st.iscsi_pending)
            st.power = 'On'
            post.start(st, self.spec)
            started = copy.deepcopy(st)
            device = self._next_device(st)
            outcome = (boot_outcome(self.san, st, device)
                       if self.spec.strict else None)
            st.boots.append(BootRecord(kind, st.boot_mode(), device,
                                       st.iscsi_current.initiator_name,
                                       outcome))
            if st.boot.enabled == 'Once':
                st.boot.enabled, st.boot.target = 'Disabled', 'None'
            for media in st.media.values():
                media.boot_on_next_reset = False
            return started

    def _next_device(self, st: ServerState) -> str:
        """What the firmware boots: the override, else the boot order.

        A UEFI target override whose option no longer exists (its iSCSI
        attempt was disabled; strict: as applied by this POST) falls back
        to the boot order.
        """
        offered = firmware.booting(st, self.spec.strict)
        gen, boot = self.spec.generation, st.boot
        if boot.enabled != 'Disabled' and boot.target != 'None':
            if boot.target != 'UefiTarget':
                return boot.target
            if bootsources.find(bootsources.uefi_targets(st, gen, offered),
                                boot.uefi_target):
                return boot.uefi_target
        order = bootsources.ordered(st.bios_current.boot_order,
                                    bootsources.boot_sources(st, gen, offered))
        return order[0] if order else 'None'

    # -- settings ------------------------------------------------------------
    def patch_bios(self, attributes: Mapping[str, Any]) -> None:
        """Write BIOS attributes to the pending settings."""
        values = bios.normalize_attributes(attributes)
        with self._lock:
            self._state.bios_pending.attributes.update(values)

    def patch_boot_order(self, order: Sequence[str]) -> None:
        """Write the pending persistent boot order."""
        with self._lock:
            post.advance(self._state, self.spec)
            known = [s.structured for s in self.sources()]
            for name in order:
                if name not in known:
                    raise PropertyValueNotInList(
                        name='PersistentBootConfigOrder', value=name)
            self._state.bios_pending.boot_order = list(order)

    def set_boot_override(self, enabled: Optional[str] = None,
                          target: Optional[str] = None,
                          uefi_target: Optional[str] = None) -> None:
        """Set the boot source override; it applies at once."""
        gen = self.spec.generation
        with self._lock:
            boot = self._state.boot
            if enabled is not None:
                if enabled not in bootsources.OVERRIDE_ENABLED:
                    raise PropertyValueNotInList(
                        name='BootSourceOverrideEnabled', value=enabled)
            if target is not None:
                if (target not in bootsources.OVERRIDE_TARGETS[gen]
                        or (target == 'UefiTarget'
                            and self._state.boot_mode() != 'uefi')):
                    raise PropertyValueNotInList(
                        name='BootSourceOverrideTarget', value=target)
            if uefi_target is not None and uefi_target != 'None':
                post.advance(self._state, self.spec)
                found = bootsources.find(self.uefi_targets(), uefi_target)
                if found is None:
                    raise PropertyValueNotInList(
                        name='UefiTargetBootSourceOverride',
                        value=uefi_target)
                uefi_target = found.structured
            boot.enabled = enabled if enabled is not None else boot.enabled
            boot.target = target if target is not None else boot.target
            if uefi_target is not None:
                boot.uefi_target = uefi_target

    def patch_iscsi(self, initiator_name: Optional[str] = None,
                    attempts: Sequence[Mapping[str, Any]] = ()) -> None:
        """Write the pending iSCSI settings; attempts merge per NIC."""
        with self._lock:
            if self._state.boot_mode() != 'uefi':
                raise UnsupportedInLegacyBootMode(name='iSCSI')
            if self.spec.strict:
                firmware.check_patch(attempts)
            checked = [self._check_attempt(entry) for entry in attempts]
            pending = copy.deepcopy(self._state.iscsi_pending)
            if initiator_name is not None:
                pending.initiator_name = initiator_name
            for source, fields in checked:
                attempt = pending.attempts[source]
                for name, value in fields.items():
                    setattr(attempt, name, value)
                if not self.spec.strict and 'target_ip' in fields:
                    attempt.ip_address_type = firmware.inferred_type(
                        attempt.target_ip)
            if self.spec.strict:
                firmware.check_enabled(pending)
            self._state.iscsi_pending = pending

    def _check_attempt(self, entry: Mapping[str, Any]):
        for name in entry:
            if name not in ATTEMPT_FIELDS:
                raise PropertyUnknown(name=name)
        source = entry.get('nic_source') or entry.get('attempt_name')
        if not source:
            raise PropertyMissing(name='iSCSINicSource')
        if self._state.nic_by_source(str(source)) is None:
            raise PropertyValueNotInList(name='iSCSINicSource', value=source)
        fields = dict(entry)
        fields['nic_source'] = str(source)
        if 'target_ip' in fields:
            try:
                ipaddress.ip_address(str(fields['target_ip']))
            except ValueError:
                raise PropertyValueFormatError(name='iSCSITargetIpAddress',
                                               value=fields['target_ip'])
        if 'target_port' in fields:
            port = fields['target_port']
            if not isinstance(port, int) or not 0 < port < 65536:
                raise PropertyValueFormatError(name='iSCSITargetTcpPort',
                                               value=port)
        if 'lun' in fields:
            if not str(fields['lun']).isdigit():
                raise PropertyValueFormatError(name='iSCSILUN',
                                               value=fields['lun'])
            fields['lun'] = str(fields['lun'])
        if fields.get('auth_method', 'None') not in AUTH_METHODS:
            raise PropertyValueNotInList(name='iSCSIAuthenticationMethod',
                                         value=fields['auth_method'])
        if self.spec.strict:
            firmware.check_fields(fields)
            return fields['nic_source'], fields
        fields.pop('ip_address_type', None)  # lenient: inferred
        secret = fields.get('chap_secret')
        if secret is not None and not isinstance(secret, Secret):
            raise PropertyValueFormatError(name='iSCSIChapSecret',
                                           value='(not a string)')
        if (secret is not None and self.spec.check_chap_secret
                and not chap_secret_ok(secret.reveal())):
            raise PropertyValueFormatError(name='iSCSIChapSecret',
                                           value='(secret withheld)')
        return fields['nic_source'], fields

    def _media(self, device: str):
        media = self._state.media.get(device)
        if media is None:
            raise ActionNotSupported(action='virtual media ' + device)
        return media

    def insert_media(self, device: str, image: str) -> None:
        """Connect an image URL to a virtual media drive."""
        with self._lock:
            self._media(device).image = image

    def eject_media(self, device: str) -> None:
        """Disconnect the image of a virtual media drive."""
        with self._lock:
            media = self._media(device)
            media.image, media.boot_on_next_reset = None, False

    def set_media_boot(self, device: str, boot_on_next_reset: bool) -> None:
        """Boot (or not) from the drive at the next reset."""
        with self._lock:
            self._media(device).boot_on_next_reset = boot_on_next_reset

    def force_boot_mode(self, mode: str) -> None:
        """Make ``mode`` ('uefi'/'legacy') current and pending at once."""
        with self._lock:
            for config in (self._state.bios_current, self._state.bios_pending):
                config.attributes.update(bios.default_attributes(mode))
