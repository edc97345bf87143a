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

"""``python -m hwci check|snapshot FILE``: the targets file's servers.

``check`` validates the file and prints its servers (secrets masked);
``snapshot`` reads each server's state (:func:`hwci.guard.snapshot`, no
write) and prints it as JSON, so that a state before a run can be
compared with the state after it. One line on stderr and status 2 on
error.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import Optional, Sequence

from hwci import guard
from hwci.reader import ReadError, close_clients, reader_for
from hwci.targets import TargetsError, load


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m hwci')
    parser.add_argument('command', choices=('check', 'snapshot'))
    parser.add_argument('targets', type=Path, help='the targets file')
    args = parser.parse_args(argv)
    try:
        targets = load(args.targets)
        if args.command == 'check':
            for server in targets.servers:
                print('%s: Gen%d iLO %s user=%s password=%s boot MAC %s, '
                      '%d iSCSI targets' % (
                          server.name, server.generation, server.address,
                          server.username, server.password, server.boot_mac,
                          len(server.iscsi_targets)))
            return 0
        try:
            states = {server.name: guard.snapshot(reader_for(server))
                      for server in targets.servers}
        finally:
            close_clients()
    except (TargetsError, ReadError) as exc:
        print('hwci: error: %s' % exc, file=sys.stderr)
        return 2
    print(json.dumps(guard.as_json(states), indent=1, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
