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

"""``./wb demo --in-process``: the walk-through through the task manager.

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
import shutil
import sys
import tempfile
import traceback
from typing import List, Optional, Sequence, Tuple

from iloemu import IloFleet, addresses
from iloemu.testing import forget_clients

from harness import conductor
from harness.config import Layout
from harness.lab import Lab
from harness.logcheck import RecordCollector, find_leaks
from harness.web import WebServer

from demo import boot as demo_boot
from demo.run import enroll, introduce, run_step
from demo.steps import Printer, Run, SCENARIOS, STEPS, summary


def parse_args(argv: Optional[Sequence[str]] = None
               ) -> Tuple[argparse.Namespace,
                          Optional[demo_boot.BootOptions]]:
    """The options, and those of the real boot (None without --boot)."""
    parser = argparse.ArgumentParser(prog='python -m demo --in-process',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--keep', type=Path, metavar='DIR',
                        help='work in DIR and keep it (config, database; '
                        'DIR is made 0700, the database 0600: it holds '
                        'the iLO passwords and CHAP secrets)')
    demo_boot.add_arguments(parser)
    args = parser.parse_args(argv)
    return args, demo_boot.options_from(args, parser.error)


def work_dir(keep: Optional[Path]) -> Path:
    """The demo's folder, the owner's only (0700): ``keep``, made if need
    be, or a new temporary one."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix='iloemu-demo-'))
    keep.mkdir(mode=0o700, parents=True, exist_ok=True)
    keep.chmod(0o700)
    return keep


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the demo; 0 if every step did what it should.

    2 if it could not start (or the real boot cannot run here), 130 on
    Ctrl-C (after stopping everything it started).
    """
    args, boot_options = parse_args(argv)
    if os.geteuid() != 0:
        print('demo: the emulated iLOs listen on port 443 of 127.0.0.0/8: '
              'run as root', file=sys.stderr)
        return 2
    out = Printer()
    work = work_dir(args.keep)
    layout = Layout(work / 'ironic')
    fleet = IloFleet(work / 'pki', first_address=addresses.first('demo'))
    web = WebServer(layout)
    runs: List[Run] = []
    boot: Optional[demo_boot.BootResult] = None
    try:
        conductor.configure(layout, fleet.ca_file, web.url, debug=True)
        lab = Lab(fleet, conductor.admin_context())
        out.secrets = lab.secrets
        out('ironic %s with the series, as its conductor runs it' %
            _ironic_version())
        out('  config %s, database %s%s' % (
            layout.config_file, layout.database,
            '' if args.keep else ' (removed afterwards)'))
        with RecordCollector() as logs, fleet:
            try:
                for scenario in SCENARIOS:
                    runs.append(enroll(lab, scenario))
                out('')
                for run in runs:
                    introduce(run, out)
                for run in runs:
                    for step in STEPS:
                        run_step(step, run, lab.context, out)
                if boot_options is not None:
                    boot = demo_boot.run_boot(lab, work, boot_options, out)
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
