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

"""``python -m iloemu``: start emulated iLOs, print how to reach them.

Settings come, later ones winning, from: built-in defaults, a JSON file
(``--config``: ``{"servers": [{<ServerSpec fields>}, ...]}``), the
environment (``ILOEMU_USERNAME``, ``ILOEMU_PASSWORD``), then the command
line. The password is never a command line value (``ps`` shows those to
every user): ``--password-file PATH`` reads it from the first line of a
file, and ``--password`` is refused with a hint. Passwords are masked in
everything printed. Set ``ILOEMU_DEBUG=1`` to see a traceback on error.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path
import signal
import sys
import threading
from typing import (Any, Callable, Dict, List, Mapping, Optional, Sequence,
                    TextIO)

from iloemu.backends.base import Backend
from iloemu.config import ServerSpec
from iloemu.errors import ConfigError, IloEmuError
from iloemu.manager import IloFleet


class _Refused(argparse.Action):
    """``--password VALUE``: refused, the value never shown."""

    def __call__(self, parser: Any, namespace: Any, values: Any,
                 option_string: Optional[str] = None) -> None:
        raise ConfigError(reason='--password is not taken (ps shows it); '
                          'use ILOEMU_PASSWORD or --password-file PATH')


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m iloemu', description='Start emulated HPE iLOs '
        '(Gen9: RIBCL + RIS, Gen10: RIBCL + Redfish) on 127.0.0.N:443.',
        allow_abbrev=False)
    parser.add_argument('--gen9', type=int, default=None, metavar='N',
                        help='emulated iLO 4 servers (default 1)')
    parser.add_argument('--gen10', type=int, default=None, metavar='N',
                        help='emulated iLO 5 servers (default 1)')
    parser.add_argument('--config', type=Path, help='JSON settings file')
    parser.add_argument('--first-address', default='127.0.0.2')
    parser.add_argument('--username', help='iLO user (all servers)')
    parser.add_argument('--password-file', type=Path, metavar='PATH',
                        help='file whose first line is the iLO password '
                        '(all servers; or set ILOEMU_PASSWORD)')
    parser.add_argument('--password', action=_Refused, nargs='?',
                        help=argparse.SUPPRESS)
    parser.add_argument('--boot-mode', choices=('uefi', 'legacy'))
    parser.add_argument('--directory', type=Path,
                        help='where the CA and certificates go')
    parser.add_argument('--log-level', default='WARNING')
    parser.add_argument('--no-wait', action='store_true',
                        help='stop right after printing (a check)')
    return parser


def _read_config(path: Optional[Path]) -> List[Dict[str, Any]]:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(reason='cannot read %s: %s' % (path, exc))
    servers = data.get('servers', []) if isinstance(data, dict) else None
    if not isinstance(servers, list):
        raise ConfigError(reason='%s: "servers" must be a list' % path)
    return [dict(s) for s in servers]


def read_password(path: Path) -> str:
    """The first line of ``path``; errors name the file, never its text."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(reason='cannot read the password file %s: %s' % (
            path, getattr(exc, 'strerror', None) or type(exc).__name__))
    if not lines or not lines[0]:
        raise ConfigError(reason='the password file %s is empty' % path)
    return lines[0]


def server_settings(args: argparse.Namespace,
                    environ: Mapping[str, str]) -> List[Dict[str, Any]]:
    """The settings of each server: defaults < file < environment < CLI."""
    servers = _read_config(args.config)
    if not servers or args.gen9 is not None or args.gen10 is not None:
        servers += [{'generation': 9}] * (1 if args.gen9 is None
                                          else args.gen9)
        servers += [{'generation': 10}] * (1 if args.gen10 is None
                                           else args.gen10)
    overrides = {}
    for key, env in (('username', 'ILOEMU_USERNAME'),
                     ('password', 'ILOEMU_PASSWORD')):
        if environ.get(env):
            overrides[key] = environ[env]
    for key in ('username', 'boot_mode'):
        if getattr(args, key):
            overrides[key] = getattr(args, key)
    if args.password_file is not None:
        overrides['password'] = read_password(args.password_file)
    return [dict(server, **overrides) for server in servers]


def describe(fleet: IloFleet) -> str:
    """What a client needs: address, generation, user, masked password."""
    lines = ['CA file (cacert / [ilo]ca_file): %s' % fleet.ca_file]
    for ilo in fleet:
        spec = ilo.spec
        lines.append('%-14s %s  %-22s user=%s password=%s boot=%s NICs=%s'
                     % ('%s:%d' % (spec.address, spec.port), spec.ilo_name,
                        spec.product_name, spec.username, spec.password,
                        spec.boot_mode, ','.join(n.mac for n in spec.nics)))
    return '\n'.join(lines)


def run(argv: Sequence[str], out: TextIO, environ: Mapping[str, str],
        backend: Optional[Callable[[ServerSpec], Backend]] = None) -> None:
    """Start the fleet, print it, serve until interrupted.

    ``backend``: what runs behind every server (a factory for
    ``IloFleet.add``; None: the fake backend), for a caller that puts a
    real machine behind the servers.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format='%(asctime)s %(name)s %(message)s')
    fleet = IloFleet(args.directory, first_address=args.first_address)
    for settings in server_settings(args, environ):
        if 'address' in settings:
            fleet.add(ServerSpec.from_mapping(settings), backend)
        else:
            fleet.add(backend=backend, **settings)
    with fleet:
        print(describe(fleet), file=out, flush=True)
        if not args.no_wait:
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass


def main(argv: Optional[Sequence[str]] = None,
         out: TextIO = sys.stdout) -> int:
    """Entry point; one line on stderr and status 2 on error."""
    try:
        run(sys.argv[1:] if argv is None else argv, out, os.environ)
    except (IloEmuError, OSError) as exc:
        if os.environ.get('ILOEMU_DEBUG'):
            raise
        print('iloemu: error: %s' % exc, file=sys.stderr)
        return 2
    return 0
