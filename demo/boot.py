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

"""``python -m demo --in-process --boot``: the walk-through ends with a boot.

After the usual steps, a third emulated iLO (Gen10 unless
``--boot-generation 9``) gets a qemu VM behind it
(:class:`realboot.backend.QemuBackend`), and its node's boot volume
is real: a UEFI LUN built at run time, served by a tgtd of its own on
127.0.0.1 that lets in only the node's connector IQN, with CHAP unless
``--no-boot-chap`` (:func:`realboot.served.serve_uefi_lun`). The node
runs the same five steps through ironic; after ironic's power on the VM
must print :data:`MARKER` on its serial console, booted by what the
driver handed to iLO and nothing else. The console's meaningful tail and
the boot time are printed; the CHAP secret never is.

Whatever happens (a failed step, a timeout, Ctrl-C), ``clean_up_instance``
runs if ``prepare_instance`` was reached, and the VM and tgtd stop; the
fleet stops with the demo's.

The option handling is pure and tested (tests/unit/demo/test_boot.py);
the console excerpt is :mod:`demo.console`'s.
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
import time
from typing import Any, Callable, Dict, List, Optional

from harness import nodes
from harness.lab import Lab
from harness.nodes import CHAP_USER, VolumeSpec
from realboot import packages
from realboot.backend import QemuBackend
from realboot.errors import RealBootError
from realboot.served import ChapAccount, serve_uefi_lun
from realboot.tgtbuild import TgtBuild, build_directory

from demo import report
from demo.console import MARKER, console_excerpt, reason
from demo.run import enroll, introduce, run_step
from demo.steps import STEPS, Printer, Scenario

#: Seconds the VM may take from power-on to the marker.
DEFAULT_TIMEOUT = 150.0
#: The boot interface of each generation, as in the demo's scenarios.
INTERFACES = {9: 'ilo-virtual-media', 10: 'ilo-pxe'}


class BootUnavailable(Exception):
    """The real boot cannot run here (packages, qemu); exit status 2."""


@dataclasses.dataclass(frozen=True)
class BootOptions:
    """How the demo's real boot runs."""

    generation: int = 10
    boot_interface: str = INTERFACES[10]
    chap: bool = True
    timeout: float = DEFAULT_TIMEOUT

    @property
    def label(self) -> str:
        """The heading of its steps: 'Gen10 real boot'.

        >>> BootOptions(9, INTERFACES[9]).label
        'Gen9 real boot'
        """
        return 'Gen%d real boot' % self.generation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--boot`` options of ``python -m demo --in-process``."""
    group = parser.add_argument_group(
        'real boot', 'end with a qemu VM booting from a real iSCSI LUN '
        '(needs the Debian packages of ./wb deps)')
    group.add_argument('--boot', action='store_true',
                       help='after the steps, boot a VM through ironic '
                       'from a tgt LUN and show its console')
    group.add_argument('--boot-generation', type=int, choices=(9, 10),
                       help='the emulated server of the real boot '
                       '(default 10)')
    group.add_argument('--boot-interface', choices=sorted(set(
        INTERFACES.values())), help='its node\'s boot interface (default: '
        'ilo-pxe on Gen10, ilo-virtual-media on Gen9)')
    group.add_argument('--boot-chap', action=argparse.BooleanOptionalAction,
                       default=None, help='CHAP on the target and the '
                       'volume (default: on)')
    group.add_argument('--boot-timeout', type=float, metavar='SECONDS',
                       help='seconds from power-on to the marker (default '
                       '%.0f)' % DEFAULT_TIMEOUT)


def options_from(args: argparse.Namespace,
                 error: Callable[[str], Any]) -> Optional[BootOptions]:
    """The real boot's options, or None without ``--boot``.

    ``error`` is the parser's: a ``--boot-*`` option without ``--boot``
    or a timeout that is not positive is a usage error.
    """
    given = [name for name in ('generation', 'interface', 'chap', 'timeout')
             if getattr(args, 'boot_' + name) is not None]
    if not args.boot:
        if given:
            error('--boot-%s needs --boot' % given[0])
        return None
    generation = args.boot_generation or 10
    timeout = (DEFAULT_TIMEOUT if args.boot_timeout is None
               else args.boot_timeout)
    if not timeout > 0:
        error('--boot-timeout must be more than 0 seconds')
    return BootOptions(generation,
                       args.boot_interface or INTERFACES[generation],
                       args.boot_chap is not False, timeout)


def names(generation: int) -> Dict[str, str]:
    """The node's name, its connector IQN and its volume's IQN.

    >>> names(9)['connector']
    'iqn.2017-11.org.example.bm:demo-boot-gen9'
    """
    node = 'demo-boot-gen%d' % generation
    return {'node': node,
            'connector': 'iqn.2017-11.org.example.bm:' + node,
            'volume': 'iqn.2010-10.org.openstack:volume-' + node}


@dataclasses.dataclass
class BootResult:
    """What became of the real boot."""

    options: BootOptions
    run: Any = None  # demo.steps.Run of the boot node, once enrolled
    seconds: Optional[float] = None  # power-on to marker
    error: str = ''

    @property
    def marker_seen(self) -> bool:
        """Whether the VM printed the marker."""
        return self.seconds is not None

    def failed(self) -> int:
        """Failed checks: the steps' and the marker's.

        >>> result = BootResult(BootOptions())
        >>> result.failed(), BootResult(BootOptions(), seconds=14.2).failed()
        (1, 0)
        """
        steps = self.run.failed if self.run is not None else 0
        return steps + (0 if self.marker_seen else 1)

    def line(self) -> str:
        """The verdict line of the summary.

        >>> BootResult(BootOptions(), seconds=14.25).line()
        'ok    real boot: the VM printed the marker 14.2 s after power-on'
        >>> BootResult(BootOptions(), error='timeout').line()
        'FAIL  real boot: the VM printed the marker: timeout'
        """
        what = 'real boot: the VM printed the marker'
        if self.marker_seen:
            what += ' %.1f s after power-on' % self.seconds
        return report.Check(what, self.marker_seen,
                            self.error or 'not seen').line()


# -- running (ironic, tgtd, qemu) -----------------------------------------
def check_host() -> None:
    """Nothing if the real boot can run here.

    :raises BootUnavailable: a Debian package is missing (one line naming
        it, saying to run ./wb deps), or qemu cannot start a TCG machine.
    """
    problem = packages.boot_problem()
    if problem:
        raise BootUnavailable(problem)


def run_boot(lab: Lab, work: Path, options: BootOptions,
             out: Printer) -> BootResult:
    """The real boot, start to tear down; see the module's doc.

    ``out`` is the demo's :class:`demo.steps.Printer`, ``lab`` the one
    whose secrets it withholds (they grow by the boot's iLO password and
    CHAP secret). A real-boot error (the LUN, tgtd, the VM) and a failed
    step are results, not exceptions; :class:`BootUnavailable`,
    KeyboardInterrupt and an error of ironic's while enrolling propagate,
    after the tear down.
    """
    result = BootResult(options)
    out('')
    out('== real boot: Gen%d, %s, UEFI, %s ==' % (
        options.generation, options.boot_interface,
        'CHAP' if options.chap else 'no CHAP'))
    started = time.monotonic()
    check_host()
    out('  Debian packages: all present; qemu starts a TCG machine')
    chap_secret = nodes.chap_secret()
    lab.secrets.append(chap_secret)
    chap = ChapAccount(CHAP_USER, chap_secret) if options.chap else None
    name = names(options.generation)
    directory = work / 'realboot'
    try:
        tgtd = TgtBuild(build_directory(), progress=lambda _: None).ensure()
        out('  tgtd: %s (tgt/patches: standard CHAP algorithm numbers, '
            'SHA-256, which the firmware offers)' % tgtd)
        built = time.monotonic()
        with serve_uefi_lun(directory / 'target', name['volume'],
                            name['connector'], MARKER, 1, chap,
                            tgtd=tgtd) as volume:
            out('  target: tgtd on %s, %s LUN %d (a GRUB that prints "%s"; '
                'image built and tgtd up in %.1f s), only initiator %s%s' % (
                    volume.portal, volume.iqn, volume.lun, MARKER,
                    time.monotonic() - built, volume.initiator,
                    ', CHAP user %s (secret withheld)' % CHAP_USER
                    if chap else ''))
            ilo = lab.ilo(options.generation, backend=QemuBackend.factory(
                directory / 'machines'))
            try:
                _steps(result, lab, ilo, volume, options, out, name,
                       chap_secret)
            finally:
                ilo.backend.close()
        out('  stopped: the VM, tgtd (the emulated iLO stops with the '
            'demo\'s)')
    except RealBootError as exc:
        result.error = str(exc)
        out('  FAIL  %s' % exc)
    out('  real boot part: %.1f s in all' % (time.monotonic() - started))
    return result


def _steps(result: BootResult, lab: Lab, ilo: Any, volume: Any,
           options: BootOptions, out: Printer, name: Dict[str, str],
           chap_secret: str) -> None:
    chap = volume.chap is not None
    target = VolumeSpec(volume.iqn, volume.lun, volume.portal,
                        CHAP_USER if chap else None,
                        chap_secret if chap else None)
    scenario = Scenario(options.generation, options.boot_interface,
                        volume.portal, volume.address, volume.port,
                        label=options.label)
    run = result.run = enroll(lab, scenario, ilo, target, volume.initiator,
                              name['node'])
    out('')
    introduce(run, out)
    steps_done: List[str] = []
    try:
        for step in STEPS[:-1]:
            run_step(step, run, lab.context, out)
            steps_done.append(step)
            if step == 'power on':
                _wait(result, ilo, options, out, chap_secret)
                if not result.marker_seen:
                    break
                _check_session(run, volume, out)
            elif run.failed:
                break
    finally:
        if 'validate' in steps_done:  # prepare_instance may have begun
            run_step(STEPS[-1], run, lab.context, out)


def _check_session(run: Any, volume: Any, out: Any) -> None:
    """tgt saw the login of the connector IQN (and of nothing else)."""
    try:
        sessions = volume.daemon.sessions()
    except RealBootError as exc:
        sessions, detail = [], str(exc)
    else:
        detail = ', '.join('%s from %s' % s for s in sessions) or 'none'
    check = report.Check('tgt: the one session is the connector\'s login',
                         sessions == [(volume.iqn, volume.initiator)],
                         detail)
    out('  ' + check.line())
    run.failed += not check.ok


def _wait(result: BootResult, ilo: Any, options: BootOptions, out: Any,
          chap_secret: str) -> None:
    """Wait for the marker; print the console and the boot time."""
    backend = ilo.backend
    out('')
    out('== %s: the VM boots (qemu TCG, OVMF\'s own iSCSI initiator, '
        'configured from what iLO holds) ==' % options.label)
    try:
        result.seconds = backend.wait_for_console(MARKER, options.timeout)
    except RealBootError as exc:
        result.error = reason(str(exc))
    run = backend.last_run
    console = run.console() if run is not None else ''
    out('  console (serial, from the firmware loading its iSCSI disk on):')
    for line in console_excerpt(console, MARKER, [chap_secret]):
        out('  | ' + line)
    out('  iLO          %s' % ilo.state().machine)
    if result.marker_seen:
        out('  ok    the marker "%s" %.1f s after power-on' % (
            MARKER, result.seconds))
    else:
        out('  FAIL  no marker: %s' % result.error)
