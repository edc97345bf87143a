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

"""One variant's run: ``python -m benchmark.variant``, in its own venv.

Run by ``python -m benchmark`` (:mod:`benchmark.cli`) once per variant,
in that variant's venv python; writes the results as JSON. As
``ironic-conductor`` does, it is monkey patched by eventlet (``import
ironic.cmd``) before anything else runs.
"""
if __name__ == '__main__':
    import ironic.cmd  # noqa: F401  (first: the conductor's monkey patching)

import argparse
import json
import logging
import platform
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from benchmark import scenarios as scenarios_mod


def parser() -> argparse.ArgumentParser:
    """Arguments: the variant's name, the output file, what to run."""
    top = argparse.ArgumentParser(prog='python -m benchmark.variant')
    top.add_argument('--variant', required=True, help='a name for the JSON')
    top.add_argument('--out', type=Path, required=True)
    top.add_argument('--runs', type=int, default=5)
    top.add_argument('--pool-size', type=int, default=10)
    top.add_argument('--nodes', type=int, nargs='+',
                     default=list(scenarios_mod.NODE_COUNTS))
    top.add_argument('--latencies', type=float, nargs='+',
                     default=list(scenarios_mod.LATENCIES))
    top.add_argument('--only', default='',
                     help='run the scenarios whose key contains this')
    top.add_argument('--firmware', choices=('strict', 'lenient'),
                     default='strict',
                     help="the emulator's firmware model")
    return top


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run every scenario, write ``{variant, ironic, results}`` as JSON."""
    args = parser().parse_args(argv)
    # Only errors reach stderr; the 2017 libraries' warnings are noise.
    logging.basicConfig(level=logging.ERROR)
    import ironic.version
    from benchmark import driver
    version = ironic.version.version_info.release_string()
    todo = [s for s in scenarios_mod.matrix(args.nodes, args.latencies)
            if args.only in s.key]
    print('%s: ironic %s, %d scenarios x %d runs, pool %d, %s firmware'
          % (args.variant, version, len(todo), args.runs, args.pool_size,
             args.firmware), flush=True)
    with tempfile.TemporaryDirectory(prefix='bench-') as tmp:
        results = driver.run_all(
            todo, args.runs, args.pool_size, Path(tmp),
            lambda line: print('  ' + line, flush=True), args.firmware)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        'variant': args.variant, 'ironic': version,
        'python': platform.python_version(), 'runs': args.runs,
        'pool_size': args.pool_size, 'firmware': args.firmware,
        'results': results}, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
