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

"""``python -m services up|down|status|install|stop-one|start-one``.

* ``up``: start every service and stay in the foreground until Ctrl-C
  or SIGTERM, then stop them all (``--detach``: in the background,
  return once they answer; ``--die-with-parent``: also stop when the
  process that started this one dies, even by SIGKILL);
* ``down``: stop what ``up --detach`` started;
* ``status``: what runs, whether the APIs answer, memory;
* ``install``: make the Cinder and client virtualenvs;
* ``stop-one NAME [--kill]``: stop one service of a running ``up`` on
  purpose (an outage; ``--kill``: SIGKILL), the others keep running;
* ``start-one NAME [--host HOST]``: start it again, under the guard,
  once it answers (``--host``: ironic-conductor as another host).
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from services import install, run
from services.layout import Layout, default_folder


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m services',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('command', choices=('up', 'down', 'status',
                                            'install', 'stop-one',
                                            'start-one'))
    parser.add_argument('name', nargs='?',
                        help='the service of stop-one and start-one')
    parser.add_argument('--detach', action='store_true')
    parser.add_argument('--die-with-parent', action='store_true')
    parser.add_argument('--kill', action='store_true',
                        help='stop-one: SIGKILL instead of SIGTERM')
    parser.add_argument('--host', help='start-one ironic-conductor: '
                        'its [DEFAULT]host')
    args = parser.parse_args(argv)
    if (args.name is None) == args.command.endswith('-one'):
        parser.error('a service NAME goes with stop-one and start-one '
                     'only')
    layout = Layout(default_folder())
    layout.root.mkdir(parents=True, exist_ok=True)

    def out(line: str) -> None:
        print(line, flush=True)

    if args.command == 'up':
        if args.detach:
            return run.detach(layout, out)
        return run.up(layout, args.die_with_parent, out)
    if args.command == 'down':
        return run.down(layout, out=out)
    if args.command == 'status':
        return run.status(layout, out)
    if args.command == 'stop-one':
        return run.one(layout, ['stop', args.name]
                       + (['kill'] if args.kill else []), out)
    if args.command == 'start-one':
        return run.one(layout, ['start', args.name]
                       + (['host=%s' % args.host] if args.host else []), out)
    install.ensure(layout, out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
