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

"""``./wb demo``: two servers deployed from Cinder volumes with the CLI.

The services (RabbitMQ, Cinder, tgtd, ironic's API and conductor) run as
``python -m services up`` starts them, or as ``./wb services up
--detach`` left them (then they are reused and left running). An
emulated Gen9 (iLO 4) and Gen10 (iLO 5) on the services' /24 each have a
qemu VM behind them (:class:`realboot.backend.QemuBackend`), whose
firmware boots, with its own iSCSI initiator, what ironic wrote into the
iLO. Every step is a command a person types:

1. a bootable volume per server: the UEFI LUN image (GRUB printing
   :data:`demo.console.MARKER`) copied into the sparse driver's folder
   and brought under Cinder by ``cinder manage`` (no Glance here;
   :meth:`services.client.Operator.manage`);
2. ``openstack baremetal node create`` (Gen9 on ``ilo-virtual-media``,
   Gen10 on ``ilo-pxe``), ``port create``, ``volume connector create``
   (``iqn``), ``node manage``/``provide``, ``volume target create``;
3. ``node deploy --wait``: the conductor attaches the volume through
   Cinder (its tgt target, its CHAP), writes the iLO and powers on; the
   VM's console is shown to the marker;
4. ``node undeploy --wait``: node available, volume available, the tgt
   target gone, nothing of the tenant on the iLO.

After each command: its seconds and iLO requests, then what ironic,
Cinder, tgt and the iLOs hold (never a secret). Exit 0 only if both VMs
printed the marker and the undeploy left nothing; 2 if it could not run.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
from pathlib import Path
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable, Iterator, List, Optional, Sequence

from iloemu.testing import running_fleet
from realboot import images, packages
from realboot.backend import QemuBackend
from realboot.errors import RealBootError
from services import config, run
from services.client import (Cli, Operator, Tenant, WAIT, leftovers, mask,
                             remove_nodes, remove_volumes, target_names,
                             tgt_targets)
from services.layout import Layout, default_folder

from demo import report
from demo.console import MARKER, console_excerpt, reason
from demo.steps import Printer

#: (generation, boot interface) of the two servers.
SERVERS = ((9, 'ilo-virtual-media'), (10, 'ilo-pxe'))
#: Seconds from power-on to the marker, by default.
DEFAULT_TIMEOUT = 150.0
#: Seconds the services may take to come up.
UP_TIMEOUT = 300.0
#: Options of every command, left out of the lines shown (said once).
_OPTIONS = {'openstack': ('--os-auth-type', '--os-endpoint'),
            'cinder': ('--os-auth-type', '--os-user-id', '--os-project-id',
                       '--os-endpoint')}
#: Words of the commands that only read (no state shown after them).
_READS = frozenset(('show', 'list'))


class DemoError(Exception):
    """The demo cannot run (exit status 2)."""


def typed(argv: Sequence[str]) -> str:
    """A command as shown: without the endpoint options (said once at the
    start) and ``-f json``.

    >>> typed(['openstack', '--os-auth-type', 'none', '--os-endpoint',
    ...        'http://x', 'baremetal', 'node', 'show', 'n', '-f', 'json'])
    'openstack baremetal node show n'
    >>> typed(['cinder', '--os-auth-type', 'noauth', '--os-user-id', 'a',
    ...        '--os-project-id', 'a', '--os-endpoint', 'u', 'list'])
    'cinder list'
    """
    words, skip = [argv[0]], _OPTIONS.get(argv[0], ())
    rest = list(argv[1:])
    if rest[-2:] == ['-f', 'json']:
        rest = rest[:-2]
    while rest:
        word = rest.pop(0)
        if word in skip:
            rest.pop(0)
            continue
        words.append(word)
    return ' '.join(words)


class ShownCli(Cli):
    """:class:`services.client.Cli` that prints each command as typed
    (secrets masked) and, once it returns, its seconds, the iLO requests
    it cost and, unless it only read, what ``state()`` says."""

    def __init__(self, layout: Layout, out: Printer) -> None:
        super().__init__(layout)
        self.out = out
        self.ilos: List[Any] = []
        self.state: Callable[[], List[str]] = list
        self.quiet = False

    def _requests(self) -> int:
        return sum(len(ilo.log.records) for ilo in self.ilos)

    def _run(self, argv: List[str], parse: bool, label: str) -> Any:
        if self.quiet:
            return super()._run(argv, parse, label)
        self.out('$ %s' % mask(typed(argv)))
        start, requests = time.monotonic(), self._requests()
        try:
            return super()._run(argv, parse, label)
        finally:
            self.out('  %.1f s, %d iLO requests' % (
                time.monotonic() - start, self._requests() - requests))
            if not _READS.intersection(argv):
                for line in self.state():
                    self.out('  ' + line)


@dataclasses.dataclass
class Server:
    """One emulated server, its node, volume and what became of them."""

    generation: int
    boot_interface: str
    ilo: Any = None
    operator: Optional[Operator] = None
    name: str = ''
    node: str = ''
    volume: str = ''
    tenant: Optional[Tenant] = None
    marker_seconds: Optional[float] = None
    error: str = ''
    left: List[str] = dataclasses.field(default_factory=list)

    @property
    def label(self) -> str:
        """'Gen9, ilo-virtual-media'."""
        return 'Gen%d, %s' % (self.generation, self.boot_interface)

    def checks(self) -> List[report.Check]:
        """The verdicts of this server.

        >>> s = Server(9, 'ilo-virtual-media', marker_seconds=9.5)
        >>> [c.line() for c in s.checks()]  # doctest: +NORMALIZE_WHITESPACE
        ['ok    Gen9, ilo-virtual-media: the VM printed the marker 9.5 s
          after power-on',
         'ok    Gen9, ilo-virtual-media: the undeploy left nothing behind']
        """
        booted = 'the VM printed the marker'
        if self.marker_seconds is not None:
            booted += ' %.1f s after power-on' % self.marker_seconds
        return [
            report.Check('%s: %s' % (self.label, booted),
                         self.marker_seconds is not None,
                         self.error or 'not seen'),
            report.Check('%s: the undeploy left nothing behind' % self.label,
                         not self.left, '; '.join(self.left))]


# -- what the services and the iLOs hold ----------------------------------
def node_line(node: dict) -> str:
    """ironic's word on a node.

    >>> node_line({'name': 'n', 'provision_state': 'active',
    ...            'target_provision_state': None, 'power_state': 'power on',
    ...            'last_error': None})
    'node n: active, power on, last_error none'
    """
    state = node.get('provision_state')
    if node.get('target_provision_state'):
        state = '%s -> %s' % (state, node['target_provision_state'])
    return 'node %s: %s, %s, last_error %s' % (
        node.get('name'), state, node.get('power_state'),
        node.get('last_error') or 'none')


def ilo_lines(view: Any) -> List[str]:
    """The iLO's word: power, boot override, the enabled iSCSI attempts
    (the CHAP secret only as set), the machine behind it."""
    lines = ['power %s, boot device %s' % (view.power,
                                           report.boot_device(view))]
    enabled = [t for t in view.iscsi.values() if t.enabled]
    lines += ['iSCSI %s' % report.iscsi_line(t) for t in enabled] or [
        'iSCSI no enabled attempt']
    if view.machine:
        lines.append('machine %s' % view.machine)
    return lines


class Holdings:
    """Reads, through the APIs and tgtadm, what each server's node and
    volume are, what tgt exports and what its iLO holds."""

    def __init__(self, layout: Layout, servers: Sequence[Server]) -> None:
        self.layout = layout
        self.servers = servers
        #: The server whose commands run (None: every server's lines).
        self.current: Optional[Server] = None

    def node(self, node_uuid: str) -> dict:
        return run.get_json('%s/v1/nodes/%s' % (
            self.layout.urls()['ironic'], node_uuid),
            {'X-OpenStack-Ironic-API-Version': '1.34'})

    def volume(self, volume_id: str) -> dict:
        return run.get_json('%s/volumes/%s' % (
            self.layout.urls()['cinder'], volume_id),
            {'X-Auth-Token': 'admin:admin'}).get('volume', {})

    def lines(self) -> List[str]:
        found: List[str] = []
        for server in self.servers:
            if server.ilo is None or self.current not in (None, server):
                continue
            where = 'Gen%-2d ' % server.generation
            made = server.operator
            for node_uuid in made.nodes if made else ():
                found.append(where + 'ironic ' + node_line(
                    self.node(node_uuid)))
            for volume_id in made.volumes if made else ():
                volume = self.volume(volume_id)
                found.append(where + 'cinder volume %s: %s' % (
                    volume.get('name'), volume.get('status')))
            found += [where + 'iLO    ' + line
                      for line in ilo_lines(server.ilo.state())]
        try:
            exported = target_names(tgt_targets(self.layout))
        except (OSError, subprocess.CalledProcessError) as error:
            exported = ['(tgtadm: %s)' % error]
        found.append('tgt    targets: %s' % (', '.join(exported) or 'none'))
        return found


# -- the services, the host ------------------------------------------------
@contextlib.contextmanager
def services_running(layout: Layout, out: Printer) -> Iterator[bool]:
    """The services up for the block: those already running (True) or
    started here and stopped at the end, whatever ends it (False)."""
    if run.read_state(layout) is not None:
        out('services: already running (./wb services up --detach): '
            'reused, left running')
        yield True
        return
    out('services: python -m services up (installs, builds tgtd, starts; '
        'stopped at the end)')
    process = run.spawn(subprocess.PIPE)
    last: List[str] = []

    def echo() -> None:
        for line in process.stdout:
            last[:] = [line.rstrip()]
            out('  ' + line.rstrip())

    reader = threading.Thread(target=echo, daemon=True)
    reader.start()
    try:
        why = run.wait_until_up(layout, process, UP_TIMEOUT)
        if why:
            raise DemoError('services %s: %s' % (
                why, last[0] if last else 'no output'))
        yield False
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        reader.join(timeout=5)


def check_host() -> None:
    """Nothing if the VMs can run here.

    :raises DemoError: a Debian package is missing, or qemu cannot start
        a TCG machine.
    """
    problem = packages.boot_problem()
    if problem:
        raise DemoError(problem)


# -- the steps --------------------------------------------------------------
def bootable_volume(layout: Layout, server: Server, image: Path,
                    out: Printer) -> None:
    """The LUN image in the backend's folder, then ``cinder manage``."""
    out('$ cp %s %s/manage-%s' % (
        image, config.cinder_files(layout)['volumes'], server.name))
    server.volume = server.operator.manage(server.name, image)


def deploy(server: Server, out: Printer, timeout: float) -> None:
    """``node deploy --wait``, the tenant Cinder exported, the console."""
    op = server.operator
    op.baremetal('node', 'deploy', server.node, '--wait', WAIT, parse=False)
    cli = op.cli
    cli.quiet = True
    try:
        server.tenant = op.tenant(server.node)
    finally:
        cli.quiet = False
    if server.tenant.chap_secret is not None:
        out.secrets.append(server.tenant.chap_secret.reveal())
    out('  Cinder exported %s, CHAP user %s (secret withheld)' % (
        server.tenant.iqn, server.tenant.chap_user))
    backend = server.ilo.backend
    try:
        server.marker_seconds = backend.wait_for_console(MARKER, timeout)
    except RealBootError as error:
        server.error = reason(str(error))
    machine = backend.last_run
    out('  console of the Gen%d VM (serial; from the firmware loading its '
        'iSCSI disk):' % server.generation)
    for line in console_excerpt(machine.console() if machine else '',
                                MARKER, out.secrets):
        out('  | ' + line)
    if server.marker_seconds is not None:
        out('  the marker %.1f s after power-on' % server.marker_seconds)
    else:
        out('  no marker: %s' % server.error)


def undeploy(server: Server, holdings: Holdings) -> None:
    """``node undeploy --wait``; what is left, if anything."""
    server.operator.baremetal('node', 'undeploy', server.node, '--wait',
                              WAIT, parse=False)
    node = holdings.node(server.node)
    if (node.get('provision_state'), node.get('last_error')) != (
            'available', None):
        server.left.append(node_line(node))
    volume = server.operator.cli.wait_volume(server.volume, 'available')
    if volume.get('status') != 'available':
        server.left.append('volume %s' % volume.get('status'))
    if server.tenant is not None:
        if server.tenant.iqn in target_names(tgt_targets(holdings.layout)):
            server.left.append('tgt target %s' % server.tenant.iqn)
        server.left += leftovers(server.ilo.state(), server.tenant)


def remove(cli: ShownCli, servers: Sequence[Server]) -> None:
    """The demo's nodes and volumes deleted (their files with them),
    whatever state a failure left them in."""
    nodes = [n for s in servers if s.operator for n in s.operator.nodes]
    volumes = [v for s in servers if s.operator for v in s.operator.volumes]
    cli.state = list
    remove_nodes(cli, nodes)
    cli.quiet = True
    try:
        held = [v for v in volumes
                if cli.volume(v).get('status') != 'available']
    finally:
        cli.quiet = False
    remove_volumes(cli, held)
    if volumes != held:
        cli.cinder('delete', *[v for v in volumes if v not in held])


def forget_earlier(cli: ShownCli, holdings: Holdings,
                   names: Sequence[str]) -> None:
    """Nodes and volumes of an earlier demo that was killed (services
    left running keep them), deleted quietly."""
    cli.quiet = True
    try:
        nodes = [n['uuid'] for n in map(holdings.node, names) if 'uuid' in n]
        remove_nodes(cli, nodes)
        for name in names:
            remove_volumes(cli, cli.volume_ids('--name', name))
    finally:
        cli.quiet = False


def run_demo(layout: Layout, work: Path, out: Printer,
             timeout: float) -> List[Server]:
    """Everything between the services' start and stop."""
    servers = [Server(gen, interface) for gen, interface in SERVERS]
    cli = ShownCli(layout, out)
    holdings = Holdings(layout, servers)
    out('')
    out('Every openstack command runs with --os-auth-type none '
        '--os-endpoint %s, every cinder command with --os-auth-type '
        'noauth --os-user-id admin --os-project-id admin --os-endpoint %s '
        '(left out below).' % (layout.urls()['ironic'],
                               layout.urls()['cinder']))
    for server in servers:
        server.name = 'demo-gen%d' % server.generation
    forget_earlier(cli, holdings, [s.name for s in servers])
    started = time.monotonic()
    image = images.build_uefi_lun(work / 'uefi-lun.img', MARKER)
    out('LUN image: %s, a FAT file system whose GRUB prints "%s" '
        '(built in %.1f s)' % (image, MARKER, time.monotonic() - started))
    with running_fleet(layout.pki, layout.first_ilo) as fleet:
        try:
            for server in servers:
                password = 'iLO-pw-' + secrets.token_hex(6)
                out.secrets.append(password)
                server.ilo = fleet.add(
                    generation=server.generation, boot_mode='uefi',
                    password=password,
                    backend=QemuBackend.factory(work / 'machines'))
                cli.ilos.append(server.ilo)
                server.operator = Operator(cli, layout, server.ilo,
                                           server.name)
                out('')
                out('== Gen%d (iLO %d at %s, a qemu VM behind it), node on '
                    '%s ==' % (server.generation, server.generation - 5,
                               server.ilo.spec.address,
                               server.boot_interface))
                cli.state = holdings.lines
                holdings.current = server
                bootable_volume(layout, server, image, out)
                server.node = server.operator.enroll(
                    password, server.boot_interface, server.name)
                server.operator.boot_volume(server.node, server.volume)
            for server in servers:
                out('')
                out('== deploy %s ==' % server.label)
                holdings.current = server
                deploy(server, out, timeout)
            for server in servers:
                out('')
                out('== undeploy %s ==' % server.label)
                holdings.current = server
                undeploy(server, holdings)
            out('')
            out('== what the services and the iLOs hold now ==')
            holdings.current = None
            for line in holdings.lines():
                out('  ' + line)
        finally:
            out('')
            out('== clean up: the demo\'s nodes and volumes ==')
            remove(cli, servers)
    return servers


def summary(servers: Sequence[Server], seconds: float,
            out: Printer) -> int:
    """The verdicts; 0 if every one is ok.

    >>> out = Printer()
    >>> summary([Server(9, 'x', marker_seconds=1.0)], 10.0, out)
    ... # doctest: +ELLIPSIS
    <BLANKLINE>
    == summary (10 s in all) ==
    ok    Gen9, x: the VM printed the marker 1.0 s after power-on
    ok    Gen9, x: the undeploy left nothing behind
    0
    """
    out('')
    out('== summary (%.0f s in all) ==' % seconds)
    failed = 0
    for server in servers:
        for check in server.checks():
            out(check.line())
            failed += not check.ok
    if out.withheld:
        out('%d line(s) withheld: they held a secret' % out.withheld)
    return 1 if failed or out.withheld else 0


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m demo', description=__doc__.split('\n')[0],
        epilog='--in-process [--boot ...]: the walk-through through '
        'ironic\'s task manager in this process (python -m demo '
        '--in-process --help)', allow_abbrev=False)
    parser.add_argument('--boot', action='store_true',
                        help='the VMs boot in any case (the in-process '
                        'walk-through boots only with it)')
    parser.add_argument('--boot-timeout', type=float, metavar='SECONDS',
                        default=DEFAULT_TIMEOUT,
                        help='seconds from power-on to the marker '
                        '(default %.0f)' % DEFAULT_TIMEOUT)
    args = parser.parse_args(argv)
    if not args.boot_timeout > 0:
        parser.error('--boot-timeout must be more than 0 seconds')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The CLI demo; see the module's doc for the exit status."""
    args = parse_args(argv)
    out = Printer()
    if os.geteuid() != 0:
        print('demo: the emulated iLOs listen on port 443 of 127.0.0.0/8: '
              'run as root', file=sys.stderr)
        return 2
    layout = Layout(default_folder())
    layout.root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix='clidemo-'))
    started = time.monotonic()
    try:
        check_host()
        with services_running(layout, out):
            servers = run_demo(layout, work, out, args.boot_timeout)
    except (DemoError, RealBootError) as error:
        print('demo: %s' % error, file=sys.stderr)
        return 2
    except AssertionError as error:  # a command failed (its words masked)
        out('FAIL  %s' % error)
        return 1
    except KeyboardInterrupt:
        print('demo: interrupted; what it started is stopped',
              file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary(servers, time.monotonic() - started, out)
