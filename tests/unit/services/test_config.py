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

"""The Cinder side of the services: the driver loads, the configs hold."""
from __future__ import annotations

import configparser
import subprocess
from pathlib import Path

import pytest

from services import config
from services.layout import ROOT, Layout

CINDER_PYTHON = ROOT / 'build' / 'cinder-venv' / 'bin' / 'python'


@pytest.mark.skipif(not CINDER_PYTHON.is_file(),
                    reason='no Cinder venv (python -m services install)')
def test_the_sparse_driver_loads_in_cinders_venv():
    done = subprocess.run(
        [str(CINDER_PYTHON), '-W', 'ignore', '-c',
         'from services.sparsedriver import SparseFileDriver as D; '
         'print(D.VERSION)'],
        capture_output=True, text=True, cwd=ROOT,
        env={'PYTHONPATH': str(ROOT)})
    assert (done.returncode, done.stdout.strip()) == (0, '1.0.0'), done.stderr


def test_cinder_conf_names_the_driver_and_our_tgt():
    layout = Layout(Path('/s'))
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(config.cinder_conf(layout))
    backend = parser[config.BACKEND]
    assert (backend['volume_driver'], backend['target_ip_address'],
            backend['volumes_dir']) == (
        'services.sparsedriver.SparseFileDriver', layout.address,
        '/s/cinder/targets')


def test_tgt_admin_reads_our_targets_file_only():
    layout = Layout(Path('/s'))
    assert config.tgt_admin_wrapper(layout).splitlines()[1] == (
        'exec /usr/sbin/tgt-admin -c /s/cinder/tgt-targets.conf "$@"')
    assert config.tgt_targets_conf(layout) == 'include /s/cinder/targets/*\n'
