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

"""One scenario's node through ironic: enrolled, introduced, its steps.

Both the demo's scenarios (:mod:`demo.main`) and the real boot
(:mod:`demo.boot`) run their nodes with these; each step runs through
ironic's task manager (:mod:`harness.conductor`) and is checked
(:mod:`demo.steps`).
"""
from __future__ import annotations

import time
from typing import Any, Optional

from harness import conductor, nodes, steps
from harness.lab import Lab
from harness.nodes import VolumeSpec
from harness.requests import by_method

from demo import report
from demo.steps import (Printer, RECORD_KEYS, Run, STEPS, Scenario,
                        checks_for)


def enroll(lab: Lab, scenario: Scenario, ilo: Any = None,
           volume: Optional[VolumeSpec] = None,
           connector: Optional[str] = None,
           name: Optional[str] = None) -> Run:
    """The node ``name`` (default: 'demo-gen9', ...) of ``scenario`` on
    ``ilo`` (default: a new emulated iLO), with a port on its first NIC,
    the ``iqn`` connector ``connector`` (default: named after the node)
    and ``volume`` as its boot volume (default: a new CHAP volume at the
    scenario's portal)."""
    name = name or 'demo-%s' % scenario.name.lower()
    if ilo is None:
        ilo = lab.ilo(scenario.generation)
    if volume is None:
        volume = nodes.iscsi_volume(scenario.portal,
                                    iqn=nodes.VOLUME_PREFIX + name)
    node = lab.enroll(ilo, scenario.boot_interface,
                      connector=connector or nodes.CONNECTOR_PREFIX + name,
                      volume=volume, name=name)
    return Run(scenario, ilo, node.uuid, node.spec, volume)


def introduce(run: Run, out: Printer) -> None:
    """Say what the node and its volume are."""
    ilo = run.ilo
    out('%s: %s %s at https://%s (password withheld), node %s (%s)' % (
        run.scenario.name, ilo.spec.ilo_name, ilo.spec.product_name,
        ilo.address, run.spec.name, run.spec.boot_interface))
    out('  port %s, volume connector %s' % (
        run.spec.macs[0], run.spec.initiator_iqn))
    chap = 'no CHAP'
    if run.volume.chap_secret is not None:
        chap = 'CHAP user %s (secret withheld)' % run.volume.chap_username
    out('  boot volume %s LUN %d at %s, %s' % (
        run.volume.iqn, run.volume.lun, run.volume.portal, chap))
    view = ilo.state()
    out('  before: power %s, %s mode, boot device %s, initiator %s' % (
        view.power, view.boot_mode.upper(), report.boot_device(view),
        view.initiator_name))


def run_step(step: str, run: Run, context: Any, out: Printer) -> None:
    """Run one step on one node, print what the iLO holds, check it."""
    number = STEPS.index(step) + 1
    out('')
    out('== %s, step %d/%d: %s ==' % (run.scenario.name, number, len(STEPS),
                                      step))
    result, error = None, None
    start = time.monotonic()
    with run.ilo.operation(step):
        try:
            with conductor.task(context, run.node_uuid, step) as task:
                result = steps.call(step)(task)
        except Exception as exc:  # shown, and counted as a failure
            error = exc
    took = time.monotonic() - start
    records = [r for r in run.ilo.log.records if r.operation == step]
    run.requests[step] = records
    out('  cost         %s, %.2f s' % (by_method(records), took))
    view = run.ilo.state()
    for line in report.state_lines(view):
        out('  ' + line)
    info = dict(conductor.reload(context, run.node_uuid).driver_internal_info)
    out('  ironic       ' + report.record_line(info, RECORD_KEYS))
    if error is not None:
        checks = [report.Check('%s succeeds' % step, False, '%s: %s' % (
            type(error).__name__, error))]
    else:
        checks = checks_for(step, run, view, info, result)
    for check in checks:
        out('  ' + check.line())
    run.failed += sum(1 for c in checks if not c.ok)
