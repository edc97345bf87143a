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

"""The lines the demo prints: what an iLO holds, what a step cost.

Pure functions over the emulator's :class:`~iloemu.StateView` and request
records; no ironic here. A CHAP secret is never shown, only whether one
is set.
"""
from __future__ import annotations

import dataclasses
from typing import Any, List, Mapping, Optional, Sequence

from harness.requests import by_method


def _mode(name: str) -> str:
    return {'uefi': 'UEFI', 'legacy': 'legacy BIOS'}.get(name, name)


def boot_device(view: Any) -> str:
    """The boot override as one phrase.

    >>> from types import SimpleNamespace as V
    >>> boot_device(V(boot_override='Continuous', boot_target='UefiTarget',
    ...               uefi_target='NIC.LOM.1.1.iSCSI'))
    'persistent: UefiTarget NIC.LOM.1.1.iSCSI'
    >>> boot_device(V(boot_override='Disabled', boot_target='None',
    ...               uefi_target='None'))
    'none set (boot order)'
    """
    if view.boot_override == 'Disabled':
        return 'none set (boot order)'
    kind = 'persistent' if view.boot_override == 'Continuous' else 'once'
    target = view.boot_target
    if target == 'UefiTarget':
        target = 'UefiTarget %s' % view.uefi_target
    return '%s: %s' % (kind, target)


def iscsi_line(target: Any) -> str:
    """One NIC's iSCSI attempt; the CHAP secret only as set or not.

    >>> from types import SimpleNamespace as T
    >>> iscsi_line(T(mac='m1', enabled=True, iqn='iqn.x:v', lun='1',
    ...              ip_address='2001:db8::10', port=3261,
    ...              auth_method='Chap', chap_user='u', chap_secret='s'))
    'm1 enabled  iqn.x:v LUN 1 at [2001:db8::10]:3261, CHAP user u, secret set'
    >>> iscsi_line(T(mac='m', enabled=False, iqn='', lun='0',
    ...              ip_address='0.0.0.0', port=3260, auth_method='None',
    ...              chap_user=None, chap_secret=None))
    'm disabled'
    """
    if not target.enabled and not target.iqn:
        return '%s disabled' % target.mac
    address = target.ip_address
    if ':' in address:
        address = '[%s]' % address
    auth = 'no CHAP'
    if target.auth_method == 'Chap':
        auth = 'CHAP user %s, secret %s' % (
            target.chap_user, 'set' if target.chap_secret else 'not set')
    return '%s %s %s LUN %s at %s:%d, %s' % (
        target.mac, 'enabled ' if target.enabled else 'disabled',
        target.iqn, target.lun, address, target.port, auth)


def state_lines(view: Any) -> List[str]:
    """What an iLO holds: power, boot mode, boot device, initiator, iSCSI.

    ``view.iscsi`` holds the pending settings, those the server applies
    at its next start.
    """
    mode = _mode(view.boot_mode)
    if view.pending_boot_mode != view.boot_mode:
        mode += ' (pending: %s)' % _mode(view.pending_boot_mode)
    initiator = view.initiator_name
    if view.pending_initiator_name != view.initiator_name:
        initiator += ' (pending: %s)' % view.pending_initiator_name
    lines = ['power        %s' % view.power,
             'boot mode    %s' % mode,
             'boot device  %s' % boot_device(view),
             'initiator    %s' % initiator]
    lines += ['iSCSI        %s' % iscsi_line(t) for t in view.iscsi.values()]
    if view.boots:
        last = view.boots[-1]
        lines.append('last boot    %s in %s mode from %s as %s' % (
            last.kind, _mode(last.boot_mode), last.device,
            last.initiator_name))
    return lines


def record_line(info: Mapping[str, Any], keys: Sequence[str]) -> str:
    """The driver_internal_info keys of the feature, as ironic holds them.

    >>> record_line({'a': 1, 'b': [2]}, ['a', 'b', 'c'])
    'a=1, b=[2]'
    >>> record_line({}, ['a'])
    '(no iSCSI boot target recorded)'
    """
    parts = ['%s=%s' % (k, info[k]) for k in keys if k in info]
    return ', '.join(parts) or '(no iSCSI boot target recorded)'


@dataclasses.dataclass
class Check:
    """One expectation of a step, met or not."""

    what: str
    ok: bool
    detail: Optional[str] = None

    def line(self) -> str:
        """'ok   what' or 'FAIL what: detail'.

        >>> Check('target set', True).line()
        'ok    target set'
        >>> Check('target set', False, 'none').line()
        'FAIL  target set: none'
        """
        text = '%-5s %s' % ('ok' if self.ok else 'FAIL', self.what)
        if not self.ok and self.detail:
            text += ': %s' % self.detail
        return text


def count_table(steps: Sequence[str],
                columns: Mapping[str, Mapping[str, Sequence[Any]]]) -> str:
    """Requests per step (rows) and iLO (columns), by method.

    >>> from types import SimpleNamespace as Record
    >>> print(count_table(['set', 'clear'], {
    ...     'Gen9': {'set': [Record(method='GET')]}, 'Gen10': {}}))
    step   Gen9               Gen10
    set    1 request (GET 1)  -
    clear  -                  -
    """
    header = ['step'] + list(columns)
    rows = [[step] + [by_method(columns[name][step])
                      if step in columns[name] else '-'
                      for name in columns] for step in steps]
    widths = [max(len(row[i]) for row in [header] + rows)
              for i in range(len(header))]
    return '\n'.join('  '.join(cell.ljust(width) for cell, width
                               in zip(row, widths)).rstrip()
                     for row in [header] + rows)
