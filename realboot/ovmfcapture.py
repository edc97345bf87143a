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

"""Record the iSCSI variables OVMF's IScsiDxe writes into a blank store.

When IScsiDxe starts on a NIC and the store has no valid
``InitialAttemptOrder``, it writes eight default attempts and that order
itself (no ``AttemptOrder``, no ``I_NAME``). This boots Debian's OVMF
once (TCG, a copy of the blank ``OVMF_VARS.fd``, one virtio NIC on a
restricted user network, no disk), stops it when the firmware has given
up on its boot options and goes to PXE (IScsiDxe ran before that), and
saves what it wrote as a JSON fixture: the reference the unit tests
compare :func:`realboot.ovmfvars.default_attempt_bytes` with.

    python -m realboot.ovmfcapture [OUTPUT]

(about 10-20 s; the default OUTPUT is the fixture of the unit tests).
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
import sys
import tempfile
import time
from typing import Dict, List, Optional

from realboot import commands, ovmfvars, vm
from realboot.errors import CommandFailed, RealBootError

FIXTURE = (Path(__file__).resolve().parent.parent / 'tests' / 'unit' /
           'realboot' / 'data' / 'ovmf_iscsi_defaults.json')
#: A locally administered MAC for the one NIC.
MAC = '52:54:00:12:34:56'
#: OVMF prints this once its boot options are exhausted up to PXE.
PXE_LINE = 'Start PXE over IPv4'
TIMEOUT = 120.0


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ovmf_version() -> str:
    """The Debian version of the ``ovmf`` package, or '' if unknown."""
    try:
        return commands.run(['dpkg-query', '-W', '-f=${Version}', 'ovmf'],
                            timeout=60).strip()
    except CommandFailed:
        return ''


def boot_blank(directory: Path, timeout: float = TIMEOUT) -> Path:
    """Boot OVMF on a blank store until PXE; return the store it wrote."""
    config = vm.VmConfig('ovmf-capture', 'uefi', MAC, 'network')
    machine = vm.VirtualMachine(config, directory)
    machine.start()
    try:
        machine.wait_for(lambda text: True if PXE_LINE in text else None,
                         timeout, 'OVMF reaching PXE')
    finally:
        machine.stop()
    return machine.files.vars


def capture(directory: Path, timeout: float = TIMEOUT) -> Dict[str, object]:
    """What OVMF wrote into a blank store, with where it came from."""
    started = time.monotonic()
    store = boot_blank(directory, timeout)
    found = ovmfvars.read_variables(store)
    expected = ([ovmfvars.INITIATOR_NAME, ovmfvars.ATTEMPT_ORDER,
                 ovmfvars.INITIAL_ATTEMPT_ORDER] +
                ['Attempt %d' % i
                 for i in range(1, ovmfvars.MAX_ATTEMPTS + 1)])
    return {
        'about': 'iSCSI variables that OVMF IScsiDxe wrote into a blank '
                 'store; made by python -m realboot.ovmfcapture',
        'ovmf_package': ovmf_version(),
        'ovmf_code_sha256': _sha256(vm.OVMF_CODE),
        'ovmf_vars_sha256': _sha256(vm.OVMF_VARS),
        'nic_mac': MAC,
        'seconds': round(time.monotonic() - started, 1),
        'variables': {name: found[name].hex() for name in expected
                      if name in found},
        'absent': [name for name in expected if name not in found],
    }


def main(argv: Optional[List[str]] = None) -> int:
    """Capture and write the fixture; one line on failure."""
    parser = argparse.ArgumentParser(prog='python -m realboot.ovmfcapture',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('output', nargs='?', type=Path, default=FIXTURE)
    parser.add_argument('--timeout', type=float, default=TIMEOUT)
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix='ovmf-capture-') as tmp:
            result = capture(Path(tmp), args.timeout)
    except RealBootError as exc:
        print('ovmfcapture: %s' % exc, file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1, sort_keys=True)
                           + '\n')
    print('ovmfcapture: %d variables (absent: %s) in %.1f s -> %s' % (
        len(result['variables']), ', '.join(result['absent']) or 'none',
        result['seconds'], args.output))
    return 0


if __name__ == '__main__':
    sys.exit(main())
