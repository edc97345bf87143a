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

"""CHAP against the patched tgtd: SHA-256 (7), SHA-1 (6) and MD5 (5).

A Python iSCSI login (:mod:`realboot.iscsilogin`, digests by hashlib)
logs in to the patched tgtd; the login succeeds only if tgtd computed
the same digest, and a wrong secret is refused. The patched SHA-256
code is also compiled alone and compared with hashlib on many lengths.
Needs the tgtd built by ``python -m realboot.tgtbuild`` (``build/tgt``
or ``$REALBOOT_TGT_DIR``), Debian's tgtadm and root; else skips, saying
which is missing.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
import shutil
import subprocess

import pytest

from realboot import iscsilogin
from realboot.iscsilogin import LoginFailed
from realboot.target import ChapAccount, TargetSpec, TgtDaemon
from realboot.tgtbuild import TgtBuild, build_directory

INITIATOR = 'iqn.2024-05.org.example:host'
IQN = 'iqn.2024-05.org.example.realboot:chap'
SECRETS = {'12': 'Secret-12345', '16': 'Secret-12345678a'}


def _patched() -> Path:
    binary = TgtBuild(build_directory(), progress=lambda _: None).current()
    if binary is None:
        pytest.skip('no current patched tgtd under %s (python -m '
                    'realboot.tgtbuild builds it)' % build_directory())
    return binary


def _daemon(binary: str, directory: Path) -> TgtDaemon:
    if os.geteuid() != 0 or shutil.which('tgtadm') is None:
        pytest.skip('tgtd needs root and Debian tgtadm (package tgt)')
    daemon = TgtDaemon(directory, tgtd=Path(binary)).start()
    backing = directory / 'lun.img'
    backing.write_bytes(bytes(1024 * 1024))
    for tid, (length, secret) in enumerate(sorted(SECRETS.items()), 1):
        daemon.add(TargetSpec(tid, '%s-%s' % (IQN, length), backing,
                              initiators=(INITIATOR,),
                              chap=ChapAccount('user%s' % length, secret)))
    daemon.add(TargetSpec(3, IQN + '-open', backing,
                          initiators=(INITIATOR,)))
    return daemon


@pytest.fixture(scope='module')
def patched_tgtd(tmp_path_factory):
    daemon = _daemon(str(_patched()), tmp_path_factory.mktemp('tgt'))
    try:
        yield daemon
    finally:
        daemon.stop()


def _login(daemon, length, algorithms, secret=None):
    return iscsilogin.login(daemon.portal, '%s-%s' % (IQN, length),
                            INITIATOR, 'user%s' % length,
                            secret or SECRETS[length], algorithms)


@pytest.mark.parametrize('length', sorted(SECRETS))
@pytest.mark.parametrize('offer, chosen', [
    ((7, 5), 7),  # what EDK2 offers: SHA-256 is taken
    ((5,), 5),    # what iPXE offers: MD5 keeps working
    ((6,), 6),    # SHA-1 under its standard number
    ((6, 7), 6),  # the initiator's order decides
], ids=['edk2-7,5', 'ipxe-5', 'sha1-6', 'order-6,7'])
def test_chap_login(patched_tgtd, length, offer, chosen):
    assert _login(patched_tgtd, length, offer).algorithm == chosen


@pytest.mark.parametrize('offer', [(7,), (5,)], ids=['sha256', 'md5'])
def test_wrong_secret_is_refused(patched_tgtd, offer):
    with pytest.raises(LoginFailed, match='authentication failure'):
        _login(patched_tgtd, '12', offer, secret='Secret-12346')


def test_login_without_chap_and_unknown_target(patched_tgtd):
    assert iscsilogin.login(patched_tgtd.portal, IQN + '-open',
                            INITIATOR).algorithm is None
    with pytest.raises(LoginFailed, match='target not found'):
        iscsilogin.login(patched_tgtd.portal, IQN + '-none', INITIATOR)


def test_debians_tgtd_fails_edk2s_offer(tmp_path):
    """The bug the patch fixes, shown with the unpatched tgtd."""
    if not Path('/usr/sbin/tgtd').exists():
        pytest.skip('Debian package tgt is not installed')
    daemon = _daemon('/usr/sbin/tgtd', tmp_path)
    try:
        assert _login(daemon, '12', (5,)).algorithm == 5
        with pytest.raises(LoginFailed):
            _login(daemon, '12', (7, 5))
    finally:
        daemon.stop()


HARNESS = Path(__file__).parent / 'data' / 'sha256_harness.c'


def test_patched_sha256_equals_hashlib(tmp_path):
    _patched()
    trees = sorted((build_directory() / 'work').glob('tgt-*/usr/iscsi'))
    if not trees or shutil.which('gcc') is None:
        pytest.skip('no patched tgt tree under %s/work, or no gcc'
                    % build_directory())
    program = tmp_path / 'harness'
    subprocess.run(['gcc', '-Wall', '-Werror', '-O2', '-I', str(trees[-1]),
                    '-o', str(program), str(HARNESS),
                    str(trees[-1] / 'sha256.c')], check=True)
    lines = subprocess.run([str(program)], check=True, capture_output=True,
                           text=True).stdout.split()
    data = bytes((i * 7 + 1) % 256 for i in range(300))
    assert lines == [hashlib.sha256(data[:n]).hexdigest()
                     for n in range(301)]
