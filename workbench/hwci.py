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
"""The ``hwci`` group: hardware mode proven against out-of-process iLOs.

Emulated iLOs (a Gen9 and a Gen10) run as their own process,
``python -m iloemu`` with a JSON config, a password file and a CA of
their own, on this process's /24 of loopback block ``hwci``
(127.96.0.0/12, iloemu's ``addresses``). A third, a Gen10 with a real
qemu VM behind it, runs as another process (``python -m
realboot.iloserve``) with a tgtd serving the UEFI LUN it boots through
its firmware's own initiator: its ``boot_check: sessions`` reads that
tgtd's connection list with ``tgtadm``. A targets file names them as a
CI's would name real servers; the hardware-mode tests (``tests/hwci``)
reach them through it only, over HTTPS. Around the run, ``python -m hwci
snapshot`` reads every server's state: the state after must equal the
state before (one check). With ``HWCI_TARGETS`` set, the same runs on
the real servers that file names, without the emulator. The emulators
stop whatever happens: at the end, on Ctrl-C, and when the workbench
dies (the kernel's parent-death signal).
"""
from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import subprocess
from typing import Any, Dict, List, Tuple

from workbench import suite
from workbench.errors import WorkbenchError
from workbench.paths import Paths
from workbench.venv import bin_path

#: The targets file of real servers (tox -e hwci); unset: the emulator.
TARGETS_ENV = 'HWCI_TARGETS'
_PR_SET_PDEATHSIG = 1


def subnet(slot: int) -> str:
    """The first three octets of ``slot``'s /24 in block ``hwci``.

    >>> subnet(0), subnet(257), subnet(4096)
    ('127.96.0', '127.97.1', '127.96.0')
    """
    slot %= 16 * 256
    return '127.%d.%d' % (96 + slot // 256, slot % 256)


def emulator_config(prefix: str) -> Dict[str, Any]:
    """Two servers (Gen9, Gen10), two NICs each, strict firmware model.

    >>> [s['address'] for s in emulator_config('127.96.3')['servers']]
    ['127.96.3.2', '127.96.3.3']
    """
    return {'servers': [
        {'address': '%s.%d' % (prefix, host), 'generation': gen,
         'firmware': 'strict',
         'nics': [{'mac': '9c:b6:54:96:%02x:%02x' % (host, port)}
                  for port in (1, 2)]}
        for host, gen in ((2, 9), (3, 10))]}


def targets_file(config: Dict[str, Any], password_file: Path,
                 chap_file: Path, ca_file: Path) -> Dict[str, Any]:
    """The targets file naming the emulated servers (JSON is YAML); an
    iSCSI target with CHAP and one without for each, short timeouts (an
    emulated POST takes 0.6 s).

    >>> t = targets_file(emulator_config('127.96.0'), Path('/p'),
    ...                  Path('/c'), Path('/ca'))
    >>> [(s['name'], s['boot_mac']) for s in t['servers']]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('emulated-gen9', '9c:b6:54:96:02:01'),
     ('emulated-gen10', '9c:b6:54:96:03:01')]
    """
    servers = []
    for spec in config['servers']:
        name = 'emulated-gen%d' % spec['generation']
        volume = 'iqn.2010-10.org.openstack:volume-hwci-%s' % name
        servers.append({
            'name': name, 'address': spec['address'],
            'username': 'Administrator',
            'password_file': str(password_file), 'ca_file': str(ca_file),
            'generation': spec['generation'],
            'boot_mac': spec['nics'][0]['mac'],
            'iscsi_targets': [
                {'portal': '192.0.2.10:3260', 'iqn': volume + '-chap',
                 'lun': 1, 'chap': {'user': 'hwci-chap',
                                    'secret_file': str(chap_file)}},
                {'portal': '192.0.2.10:3260', 'iqn': volume, 'lun': 1}]})
    return {'timeouts': {'post_cycle': 30, 'post_poll': 0.5,
                         'power_wait': 1, 'restore': 60, 'boot_check': 300},
            'servers': servers}


#: The LUN the qemu-backed server boots, and its only initiator.
BOOT_VOLUME = 'iqn.2010-10.org.openstack:volume-hwci-boot'
BOOT_INITIATOR = 'iqn.2017-11.org.example.hwci:qemu-gen10'


def booting_config(prefix: str) -> Dict[str, Any]:
    """The server with a qemu VM behind it: Gen10, host 4, two NICs.

    >>> booting_config('127.96.3')['address']
    '127.96.3.4'
    """
    return {'address': '%s.4' % prefix, 'generation': 10,
            'firmware': 'strict',
            'nics': [{'mac': '9c:b6:54:96:04:%02x' % port}
                     for port in (1, 2)]}


def booting_server(spec: Dict[str, Any], target: Dict[str, Any],
                   password_file: Path, ca_file: Path) -> Dict[str, Any]:
    """Its targets file entry: the served LUN (no CHAP: OVMF's SHA-256
    CHAP needs the patched tgtd), its initiator, ``boot_check:
    sessions`` with tgtadm's connection list of that tgtd.

    >>> entry = booting_server(booting_config('127.96.0'), {
    ...     'portal': '127.0.0.1:3261', 'iqn': BOOT_VOLUME, 'lun': 1,
    ...     'control_port': 5000}, Path('/p'), Path('/ca'))
    >>> ' '.join(entry['sessions_command'])
    'tgtadm -C 5000 --lld iscsi --op show --mode conn --tid 1'
    """
    return {
        'name': 'qemu-gen10', 'address': spec['address'],
        'username': 'Administrator', 'password_file': str(password_file),
        'ca_file': str(ca_file), 'generation': spec['generation'],
        'boot_mac': spec['nics'][0]['mac'],
        'initiator_iqn': BOOT_INITIATOR,
        'iscsi_targets': [{'portal': target['portal'], 'iqn': target['iqn'],
                           'lun': target['lun']}],
        'boot_check': 'sessions',
        'sessions_command': ['tgtadm', '-C', str(target['control_port']),
                             '--lld', 'iscsi', '--op', 'show', '--mode',
                             'conn', '--tid', '1']}


def _die_with_parent() -> None:
    """In the child: SIGTERM when the workbench dies (Linux prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _secret_file(path: Path, value: str) -> Path:
    path.write_text(value + '\n')
    path.chmod(0o600)
    return path


def _start(root: Path, argv: List[str], label: str, count: int
           ) -> Tuple[subprocess.Popen, List[str]]:
    """Start ``argv``; wait for its first ``count`` lines (printed).

    :raises WorkbenchError: if it ends first.
    """
    process = subprocess.Popen(
        argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, preexec_fn=_die_with_parent)
    lines: List[str] = []
    while len(lines) < count:
        line = process.stdout.readline() if process.stdout else ''
        if not line:
            stop_emulator(process)
            raise WorkbenchError('%s did not start: %s' % (
                ' '.join(argv[1:3]), ''.join(lines)[-2000:]))
        lines.append(line)
        print('[hwci] %s: %s' % (label, line.rstrip()), flush=True)
    return process, lines


def start_emulator(paths: Paths, folder: Path, root: Path
                   ) -> Tuple[subprocess.Popen, Dict[str, Any], Path]:
    """Start ``python -m iloemu``; wait until it printed its servers.

    :returns: the process, the targets file's data and the CA file.
    :raises WorkbenchError: if it does not come up.
    """
    config = emulator_config(subnet(os.getpid()))
    (folder / 'iloemu.json').write_text(json.dumps(config, indent=1))
    password = _secret_file(folder / 'ilo-password',
                            'hwci-' + secrets.token_hex(8))
    chap = _secret_file(folder / 'chap-secret',
                        'Chap-' + secrets.token_hex(5))
    pki = folder / 'pki'
    process, _ = _start(root, [
        str(bin_path(paths, 'python')), '-m', 'iloemu', '--config',
        str(folder / 'iloemu.json'), '--password-file', str(password),
        '--directory', str(pki)], 'iloemu', 1 + len(config['servers']))
    ca_file = pki / 'iloemu-ca.pem'
    return process, targets_file(config, password, chap, ca_file), ca_file


def start_booting_server(paths: Paths, folder: Path, root: Path
                         ) -> Tuple[subprocess.Popen, Dict[str, Any]]:
    """Start ``python -m realboot.iloserve``: one Gen10 iLO with a qemu
    VM behind it and a tgtd serving its UEFI LUN (its own CA, the same
    password file as the emulator's).

    :returns: the process and the server's entry of the targets file.
    :raises WorkbenchError: if it does not come up.
    """
    spec = booting_config(subnet(os.getpid()))
    (folder / 'iloserve.json').write_text(json.dumps(
        {'servers': [spec]}, indent=1))
    pki = folder / 'pki-qemu'
    process, lines = _start(root, [
        str(bin_path(paths, 'python')), '-m', 'realboot.iloserve',
        '--volume-iqn', BOOT_VOLUME, '--initiator', BOOT_INITIATOR,
        '--work', str(folder / 'qemu'), '--', '--config',
        str(folder / 'iloserve.json'), '--password-file',
        str(folder / 'ilo-password'), '--directory', str(pki)],
        'iloserve', 3)
    return process, booting_server(spec, json.loads(lines[0]),
                                   folder / 'ilo-password',
                                   pki / 'iloemu-ca.pem')


def stop_emulator(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout:
        process.stdout.close()


def snapshot(paths: Paths, targets: Path, root: Path) -> Any:
    """Every server's state as ``python -m hwci snapshot`` reads it."""
    run = subprocess.run([str(bin_path(paths, 'python')), '-m', 'hwci',
                          'snapshot', str(targets)], cwd=root,
                         capture_output=True, text=True)
    if run.returncode:
        raise WorkbenchError('hwci snapshot failed: %s'
                             % run.stderr.strip()[-2000:])
    return json.loads(run.stdout)


def run_group(paths: Paths, root: Path, checks: suite.Result
              ) -> suite.Result:
    """Run tests/hwci through a targets file, checking that every
    server's state came back.

    The file is ``HWCI_TARGETS`` when set (real servers: ``tox -e hwci``;
    the tests refuse to start without ``HWCI_CONFIRM=yes``); otherwise
    the emulator is started for the run and stopped after it.
    """
    real = os.environ.get(TARGETS_ENV)
    folder = paths.build / 'hwci'
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    processes: List[subprocess.Popen] = []
    if real:
        print('[hwci] start: the servers of %s (%s)' % (real, TARGETS_ENV),
              flush=True)
        targets, extra = Path(real), ()
    else:
        print('[hwci] start: python -m iloemu (Gen9, Gen10) and python -m '
              'realboot.iloserve (Gen10, a qemu VM and a tgtd behind it) as '
              'separate processes, tests/hwci through a targets file',
              flush=True)
        try:
            process, data, _ = start_emulator(paths, folder, root)
            processes.append(process)
            process, booting = start_booting_server(paths, folder, root)
            processes.append(process)
        except BaseException:
            for process in processes:
                stop_emulator(process)
            raise
        data['servers'].append(booting)
        targets, extra = folder / 'targets.yaml', ('--hw-confirm',)
        targets.write_text(json.dumps(data, indent=1))
    try:
        before = snapshot(paths, targets, root)
        result = suite.run_pytest(paths, 'hwci', ['tests/hwci'], root, (
            '--hw-targets', str(targets), *extra))
        after = snapshot(paths, targets, root)
    finally:
        for process in processes:
            stop_emulator(process)
    changed = sorted(name for name in before if before[name] != after.get(
        name))
    print('[hwci] state after the run: %s' % (
        'as before on every server' if not changed else
        'differs on ' + ', '.join(changed)), flush=True)
    if changed:
        checks.failed += 1
        checks.failing.append('hwci: servers not restored: %s'
                              % ', '.join(changed))
    else:
        checks.passed += 1
    return result
