"""``./wb demo``: UEFI iSCSI boot from a Cinder volume through iLO, for real.

Starts an emulated iLO 4 (Gen9) and iLO 5 (Gen10), enrolls a node on
each in a fresh SQLite database, attaches an iSCSI boot volume (with its
``iqn`` connector and a port on the server's first NIC), then runs what
a deploy and a tear down run: the boot interface's ``prepare_instance``,
power on, ``get_boot_device``, ``clean_up_instance``. After each step it
prints what each iLO holds and what the step cost in requests, and checks
it. Exit status 1 if a check failed, 2 if the demo could not start.

The CHAP secrets and iLO passwords are never printed: every line is
checked before it goes out, and so is every log record (the masking of
the series is on trial too).

With ``--boot`` (:mod:`demo.boot`) it ends with a real boot: a qemu VM
behind a third emulated iLO boots, through ironic, from a UEFI LUN that
a tgtd on 127.0.0.1 serves, and its console lines are shown; exit status
0 only if the VM printed the marker.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
import secrets as random_secrets
import shutil
import sys
import tempfile
import time
import traceback
from typing import Any, Callable, List, Optional, Sequence, Tuple

from iloemu import IloFleet
from iloemu.testing import forget_clients
from ironic.common import states
from ironic.conductor import utils as manager_utils

from demo import boot as demo_boot
from demo import conductor
from demo import report
from demo.logcheck import RecordCollector, find_leaks
from demo.steps import (Printer, RECORD_KEYS, Run, SCENARIOS, STEPS,
                        Scenario, checks_for, summary)


def _step_call(step: str) -> Callable[[Any], Any]:
    if step == 'validate':
        return lambda task: task.driver.boot.validate(task)
    if step == 'prepare_instance':
        return lambda task: task.driver.boot.prepare_instance(task)
    if step == 'power on':
        return lambda task: manager_utils.node_power_action(task,
                                                            states.POWER_ON)
    if step == 'get_boot_device':
        return lambda task: task.driver.management.get_boot_device(task)
    return lambda task: task.driver.boot.clean_up_instance(task)


# -- running ------------------------------------------------------------------
def enroll(fleet: IloFleet, context: Any, scenario: Scenario,
           out: Printer) -> Run:
    """An emulated iLO, a node on it, its boot volume."""
    password = 'pw-' + random_secrets.token_hex(8)
    chap_secret = random_secrets.token_hex(7)  # 14 characters
    out.secrets += [password, chap_secret]
    ilo = fleet.add(generation=scenario.generation, password=password)
    mac = ilo.spec.nics[0].mac
    spec = conductor.NodeSpec(
        'demo-%s' % scenario.name.lower(), ilo.address,
        ilo.spec.username, password, [mac],
        'iqn.2017-11.org.example.bm:demo-%s' % scenario.name.lower(),
        scenario.boot_interface, 'uefi')
    volume = conductor.VolumeSpec(
        'iqn.2010-10.org.openstack:volume-demo-%s' % scenario.name.lower(),
        1, scenario.portal, 'ironic-chap', chap_secret)
    node = conductor.enroll(context, spec)
    conductor.attach_boot_volume(context, node.uuid, volume)
    return Run(scenario, ilo, node.uuid, spec, volume)


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
                result = _step_call(step)(task)
        except Exception as exc:  # shown, and counted as a failure
            error = exc
    took = time.monotonic() - start
    records = [r for r in run.ilo.log.records if r.operation == step]
    run.requests[step] = records
    out('  cost         %s, %.2f s' % (report.by_method(records), took))
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


def parse_args(argv: Optional[Sequence[str]] = None
               ) -> Tuple[argparse.Namespace,
                          Optional[demo_boot.BootOptions]]:
    """The options, and those of the real boot (None without --boot)."""
    parser = argparse.ArgumentParser(prog='python -m demo',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--keep', type=Path, metavar='DIR',
                        help='work in DIR and keep it (config, database)')
    demo_boot.add_arguments(parser)
    args = parser.parse_args(argv)
    return args, demo_boot.options_from(args, parser.error)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the demo; 0 if every step did what it should.

    2 if it could not start (or the real boot cannot run here), 130 on
    Ctrl-C (after stopping everything it started).
    """
    args, boot_options = parse_args(argv)
    if os.geteuid() != 0:
        print('demo: the emulated iLOs listen on port 443 of 127.0.0.N: '
              'run as root', file=sys.stderr)
        return 2
    out = Printer()
    work = args.keep or Path(tempfile.mkdtemp(prefix='iloemu-demo-'))
    layout = conductor.Layout(work / 'ironic')
    fleet = IloFleet(work / 'pki')
    web = conductor.WebServer(layout)
    runs: List[Run] = []
    boot: Optional[demo_boot.BootResult] = None
    try:
        conductor.configure(layout, fleet.ca_file, web.url, debug=True)
        context = conductor.admin_context()
        out('ironic %s with the series, as its conductor runs it' %
            _ironic_version())
        out('  config %s, database %s%s' % (
            layout.config_file, layout.database,
            '' if args.keep else ' (removed afterwards)'))
        with RecordCollector() as logs, fleet:
            try:
                for scenario in SCENARIOS:
                    runs.append(enroll(fleet, context, scenario, out))
                out('')
                for run in runs:
                    introduce(run, out)
                for run in runs:
                    for step in STEPS:
                        run_step(step, run, context, out)
                if boot_options is not None:
                    boot = demo_boot.run_boot(fleet, context, work,
                                              boot_options, out)
            finally:
                forget_clients()
        leaks = find_leaks(logs.records, out.secrets)
    except demo_boot.BootUnavailable as exc:
        print('demo: --boot: %s' % exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('demo: interrupted; what it started is stopped',
              file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        return 2
    finally:
        web.stop()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return summary(runs, leaks, len(logs.records), out, boot)


def _ironic_version() -> str:
    from ironic import version
    return version.version_info.release_string()
