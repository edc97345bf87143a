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

"""The UEFI firmware's own iSCSI boot, configured from what iLO holds.

iLO configures a ProLiant's UEFI iSCSI initiator; here the firmware is
OVMF, whose ``IScsiDxe`` reads its attempts from the variable store.
:func:`iscsi_config` turns the iSCSI settings of an emulated iLO into
those attempts (one per enabled attempt, bound to its NIC's MAC), with
loopback targets written as the guest reaches them (:mod:`realboot.
network`). :func:`verdict` reads the console: a release OVMF prints the
device path it loads a boot option from, and nothing when a login
fails: it moves on to PXE. Why it failed is tgtd's to say
(:func:`tgtd_reason`).

>>> booted, words = verdict(
...     'BdsDxe: loading Boot0001 "UEFI iSCSI" from PciRoot(0x0)/Pci(0x2,'
...     '0x0)/MAC(525400000001,0x1)/IPv4(...)/iSCSI(iqn.x:v,0x1,'
...     '0x0001000000000000,None,None,None,TCP)\\r\\n')
>>> booted, words[:34], words[34:]
(True, 'the firmware loaded Boot0001 from ', \
'iSCSI(iqn.x:v,0x1,0x0001000000000000)')
>>> verdict('>>Start PXE over IPv4.')
(False, "the firmware's iSCSI login failed (it went on to PXE)")
>>> verdict('BdsDxe: starting Boot0001') is None
True
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from iloemu.state import IscsiAttempt, ServerState
from realboot import network, ovmfvars
from realboot.target import TargetSpec

_LOADED = re.compile(r'BdsDxe: loading (Boot[0-9A-F]{4}) .*? from \S*?'
                     r'/(iSCSI\([^,]*,[^,]*,[^,]*)')
_PXE = '>>Start PXE over IPv4'
#: tgtd's line for a refused CHAP response.
_WRONG_SECRET = re.compile(r'CHAP initiator auth.*failed \(wrong secret')


def enabled_attempts(state: ServerState) -> List[Tuple[str, IscsiAttempt]]:
    """(MAC, attempt) of every enabled attempt, in NIC order."""
    found = []
    for nic in sorted(state.nics, key=lambda n: n.port):
        attempt = state.iscsi_current.attempts.get(nic.nic_boot or '')
        if attempt is not None and attempt.enabled:
            found.append((nic.mac, attempt))
    return found


def endpoints(state: ServerState) -> List[Tuple[str, int]]:
    """The loopback (address, port) of the enabled attempts' targets."""
    found = []
    for _, attempt in enabled_attempts(state):
        endpoint = (attempt.target_ip, attempt.target_port)
        if _loopback(attempt.target_ip) and endpoint not in found:
            found.append(endpoint)
    return found


def _loopback(address: str) -> bool:
    try:
        network.check_loopback(address)
    except Exception:  # NotLoopback: not reachable from the guest
        return False
    return True


def _attempt(mac: str, attempt: IscsiAttempt,
             forwards: Sequence[network.Forward]) -> ovmfvars.Attempt:
    address = attempt.target_ip
    if _loopback(address):
        address = network.guest_address(forwards, address)
    static = None
    if not attempt.initiator_info_via_dhcp:
        static = ovmfvars.StaticAddress(attempt.initiator_ip,
                                        attempt.initiator_netmask,
                                        attempt.initiator_gateway)
    chap = None
    if attempt.auth_method == 'Chap':
        secret = attempt.chap_secret
        chap = ovmfvars.Chap(attempt.chap_user or '',
                             secret.reveal() if secret is not None else '')
    return ovmfvars.Attempt(
        mac=mac, target_iqn=attempt.target_name, target_ip=address,
        target_port=attempt.target_port, lun=int(attempt.lun),
        static=static, connect_timeout_ms=attempt.connect_timeout_ms,
        connect_retries=attempt.connect_retry, chap=chap)


def iscsi_config(state: ServerState, forwards: Sequence[network.Forward]
                 ) -> ovmfvars.IscsiConfig:
    """The variable store's iSCSI settings for what ``state`` holds.

    :raises realboot.ovmfvars.VarStoreError: a value the store cannot
        hold (the message names no secret).
    """
    attempts = tuple(_attempt(mac, attempt, forwards)
                     for mac, attempt in enabled_attempts(state))
    return ovmfvars.IscsiConfig(state.iscsi_current.initiator_name,
                                attempts)


def verdict(console: str) -> Optional[Tuple[bool, str]]:
    """(booted?, words) from the firmware's console, or None (not yet)."""
    loaded = _LOADED.search(console)
    if loaded:
        return True, 'the firmware loaded %s from %s)' % loaded.groups()
    if _PXE in console:
        return False, "the firmware's iSCSI login failed (it went on to PXE)"
    return None


def tgtd_reason(log: str, targets: Sequence[TargetSpec], target_iqn: str,
                lun: int, initiator: str) -> str:
    """Why a login failed, from tgtd's side.

    ``log`` is what tgtd wrote during the start; ``targets`` what it
    serves. tgtd logs a refused CHAP response ("wrong secret"); it logs
    nothing when it answers an unknown target or an initiator it does not
    let in ("not found" to the initiator, for both), and the firmware
    logs out quietly when the LUN is absent: those reasons come from the
    targets tgtd holds.

    >>> from pathlib import Path
    >>> spec = TargetSpec(1, 'iqn.x:v', Path('/v.img'), 1, ('iqn.x:h',))
    >>> tgtd_reason('', [spec], 'iqn.x:w', 1, 'iqn.x:h')
    'tgtd: no such target iqn.x:w'
    >>> tgtd_reason('', [spec], 'iqn.x:v', 1, 'iqn.x:s')
    'tgtd: target iqn.x:v does not let initiator iqn.x:s in'
    >>> tgtd_reason('', [spec], 'iqn.x:v', 10, 'iqn.x:h')
    'tgtd: target iqn.x:v has no LUN 10'
    >>> tgtd_reason('tgtd: CHAP initiator auth.: authentication of iqn.x:h '
    ...             'failed (wrong secret!?)', [spec], 'iqn.x:v', 1, 'iqn.x:h')
    'tgtd: CHAP authentication of iqn.x:h failed: wrong secret'
    """
    if _WRONG_SECRET.search(log):
        return 'tgtd: CHAP authentication of %s failed: wrong secret' % (
            initiator)
    served = {spec.iqn: spec for spec in targets}
    spec = served.get(target_iqn)
    if spec is None:
        return 'tgtd: no such target %s' % target_iqn
    if spec.initiators and initiator not in spec.initiators:
        return 'tgtd: target %s does not let initiator %s in' % (
            target_iqn, initiator)
    if lun != spec.lun:
        return 'tgtd: target %s has no LUN %d' % (target_iqn, lun)
    return 'tgtd: no login reached it'
