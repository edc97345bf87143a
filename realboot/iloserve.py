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

"""``python -m realboot.iloserve``: emulated iLOs with a qemu VM behind
each, and a UEFI LUN to boot, as a process of their own.

What ``python -m iloemu`` does (its options after ``--``: ``--config``,
``--password-file``, ``--directory``, ...), with
:class:`realboot.backend.QemuBackend` behind every server (the firmware's
own initiator), and a tgtd on loopback serving one UEFI LUN
(:func:`realboot.served.serve_uefi_lun`) that only ``--initiator`` may
log in to. Hardware mode's ``hwci`` group treats such a server as real
hardware: it reaches the iLO over HTTPS and the target's session list
with ``tgtadm``.

The first line printed is the target, as JSON (``portal``, ``iqn``,
``lun``, ``control_port``: tgtadm's ``-C``); then iloemu's lines.
SIGTERM or Ctrl-C stops the VMs, the iLOs and tgtd.

>>> parse(['--volume-iqn', 'iqn.x:v', '--initiator', 'iqn.x:h',
...        '--work', '/w', '--', '--config', 'c.json'])[1]
['--config', 'c.json']
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import sys
from typing import List, Optional, Sequence, Tuple

from iloemu import cli
from iloemu.errors import IloEmuError
from realboot.backend import QemuBackend
from realboot.errors import RealBootError
from realboot.served import serve_uefi_lun

#: What the LUN's GRUB prints on the serial console.
MARKER = 'HWCI-BOOTED-FROM-ISCSI'


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='python -m realboot.iloserve')
    parser.add_argument('--volume-iqn', required=True,
                        help='the target name of the UEFI LUN')
    parser.add_argument('--initiator', required=True,
                        help='the only initiator the target admits')
    parser.add_argument('--work', type=Path, required=True,
                        help='where the LUN, tgtd and the VMs keep files')
    parser.add_argument('iloemu', nargs=argparse.REMAINDER,
                        help='-- then python -m iloemu\'s options')
    return parser


def parse(argv: Optional[Sequence[str]]
          ) -> Tuple[argparse.Namespace, List[str]]:
    """(this module's options, python -m iloemu's)."""
    args = _parser().parse_args(argv)
    rest = args.iloemu[1:] if args.iloemu[:1] == ['--'] else args.iloemu
    return args, rest


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Serve until SIGTERM; one line on stderr and status 2 on error."""
    args, rest = parse(argv)
    try:
        with serve_uefi_lun(args.work / 'target', args.volume_iqn,
                            args.initiator, MARKER) as volume:
            print(json.dumps({
                'portal': volume.portal, 'iqn': volume.iqn,
                'lun': volume.lun, 'marker': MARKER,
                'control_port': volume.daemon.control_port}), flush=True)
            cli.run(rest, sys.stdout, os.environ,
                    QemuBackend.factory(args.work / 'machines'))
    except (RealBootError, IloEmuError, OSError) as exc:
        print('realboot.iloserve: error: %s' % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
