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

"""The demo's scenarios, what each step must do, and the verdict.

No ironic here (the expected names are the contract the series keeps:
the ``driver_internal_info`` keys and the ``iscsiboot`` boot device), so
the checks are tested without starting a conductor.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Sequence

from harness.logcheck import leaking_loggers, secret_free
from harness.steps import NAMES as STEPS

from demo import report

#: Issue 13 item 9: upstream 10.x's flag, the series' own MAC list.
RECORD_KEYS = ('ilo_uefi_iscsi_boot', 'ilo_iscsi_boot_macs')
ISCSIBOOT = 'iscsiboot'


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One emulated server and how its node boots."""

    generation: int
    boot_interface: str
    portal: str
    address: str
    port: int
    label: str = ''

    @property
    def name(self) -> str:
        """'Gen9' or 'Gen10', or the label if it has one."""
        return self.label or 'Gen%d' % self.generation


SCENARIOS = (
    Scenario(9, 'ilo-virtual-media', '192.0.2.10:3260', '192.0.2.10', 3260),
    # IPv4: firmware boot refuses IPv6 portals (issue 13 item 5).
    Scenario(10, 'ilo-pxe', '192.0.2.10:3261', '192.0.2.10', 3261),
)


class Printer:
    """Prints lines, never one that holds a secret."""

    def __init__(self) -> None:
        self.secrets: List[str] = []
        self.withheld = 0

    def __call__(self, line: str = '') -> None:
        if not secret_free(line, self.secrets):
            self.withheld += 1
            line = '(a line that held a secret was withheld)'
        print(line, flush=True)


@dataclasses.dataclass
class Run:
    """One scenario's node, its iLO and what its steps cost."""

    scenario: Scenario
    ilo: Any  # iloemu.EmulatedIlo
    node_uuid: str
    spec: Any  # harness.nodes.NodeSpec
    volume: Any  # harness.nodes.VolumeSpec
    requests: Dict[str, List[Any]] = dataclasses.field(default_factory=dict)
    failed: int = 0


# -- the checks of each step ---------------------------------------------
def _check_target(run: Run, view: Any, info: Dict[str, Any]
                  ) -> List[report.Check]:
    mac = run.spec.macs[0]
    target = view.iscsi.get(mac)
    others = [t for m, t in view.iscsi.items() if m != mac and t.enabled]
    chap = run.volume.chap_secret is not None
    want = (True, run.volume.iqn, str(run.volume.lun),
            run.scenario.address, run.scenario.port,
            'Chap' if chap else 'None')
    got = target and (target.enabled, target.iqn, target.lun,
                      target.ip_address, target.port, target.auth_method)
    if chap:
        want += (run.volume.chap_username,)
        got = got and got + (target.chap_user,)
        secret_ok = bool(target and target.chap_secret and
                         target.chap_secret.reveal() ==
                         run.volume.chap_secret)
    else:
        secret_ok = bool(target) and not target.chap_secret
    return [
        report.Check('iLO holds the volume as the target of the node\'s NIC '
                     '%s' % mac, got == want, 'holds %s' % (got,)),
        report.Check('and the CHAP secret of the volume' if chap else
                     'and no CHAP secret', secret_ok),
        report.Check('no other NIC has a target', not others,
                     ', '.join(t.mac for t in others)),
        report.Check('the firmware will present the connector\'s IQN',
                     view.pending_initiator_name == run.spec.initiator_iqn,
                     view.pending_initiator_name),
        report.Check('persistent boot from the UEFI iSCSI boot option',
                     view.boot_override == 'Continuous'
                     and view.uefi_target.endswith('.iSCSI'),
                     report.boot_device(view)),
        report.Check('ironic records the target',
                     info.get(RECORD_KEYS[0]) is True
                     and info.get(RECORD_KEYS[1]) == [mac],
                     report.record_line(info, RECORD_KEYS)),
    ]


def checks_for(step: str, run: Run, view: Any, info: Dict[str, Any],
               result: Any) -> List[report.Check]:
    """What ``step`` must have done."""
    if step == 'validate':
        return [report.Check('the node validates', True)]
    if step == 'prepare_instance':
        return _check_target(run, view, info)
    if step == 'power on':
        boot = view.boots[-1] if view.boots else None
        return [
            report.Check('the server is on', view.power == 'On', view.power),
            report.Check('it booted in UEFI mode from the iSCSI boot option',
                         bool(boot) and boot.boot_mode == 'uefi'
                         and boot.device.endswith('.iSCSI'), str(boot)),
            report.Check('presenting the connector\'s IQN',
                         bool(boot) and boot.initiator_name ==
                         run.spec.initiator_iqn),
        ]
    if step == 'get_boot_device':
        want = {'boot_device': ISCSIBOOT, 'persistent': True}
        return [report.Check('ironic reports the iSCSI boot device',
                             result == want, str(result))]
    enabled = [t.mac for t in view.iscsi.values() if t.enabled]
    return [
        report.Check('the server is off', view.power == 'Off', view.power),
        report.Check('no NIC has an iSCSI target', not enabled,
                     ', '.join(enabled)),
        report.Check('ironic records no target',
                     not any(k in info for k in RECORD_KEYS),
                     report.record_line(info, RECORD_KEYS)),
    ]


def summary(runs: Sequence[Run], leaks: Sequence[Any], records: int,
            out: Printer, boot: Any = None) -> int:
    """Print the request table and the verdict; the exit status.

    ``boot`` is the :class:`demo.boot.BootResult` of ``--boot``: its
    verdict line follows the log check, its failures count (a marker not
    seen is one), its node stays out of the table.
    """
    out('')
    out('Requests per step (emulated iLO request log):')
    out(report.count_table(STEPS, {
        '%s %s' % (r.scenario.name, r.scenario.boot_interface): r.requests
        for r in runs}))
    out('(prepare_instance includes the first contact: proliantutils builds '
        'its client,')
    out(' 1 request on Gen9, 3 on Gen10; power on and clean_up_instance '
        'wait [ilo]power_wait.)')
    out('')
    if leaks:
        out('FAIL  log check: %d of %d records hold a secret, from: %s' % (
            len(leaks), records, ', '.join(leaking_loggers(leaks))))
    else:
        out('ok    log check: no secret in any of %d log records (DEBUG)'
            % records)
    failed = sum(r.failed for r in runs) + bool(leaks) + out.withheld
    if boot is not None:
        out(boot.line())
        failed += boot.failed()
    out('demo: %s' % ('every step did what it should' if not failed
                      else '%d check(s) failed' % failed))
    return 1 if failed else 0
