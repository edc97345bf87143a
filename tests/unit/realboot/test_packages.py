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

"""Whether a VM can boot here, in one line."""
from __future__ import annotations

from realboot import packages


def test_boot_problem_names_a_missing_package(monkeypatch):
    monkeypatch.setattr(packages, 'missing', lambda names: ['socat'])
    assert packages.boot_problem() == (
        'Debian packages missing: socat; run ./wb deps')


def test_boot_problem_says_why_qemu_cannot_start(monkeypatch):
    monkeypatch.setattr(packages, 'missing', lambda names: [])
    monkeypatch.setattr(packages, 'qemu_problem', lambda: 'no KVM, no TCG')
    assert packages.boot_problem() == (
        'qemu cannot start a TCG machine here: no KVM, no TCG')


def test_no_boot_problem(monkeypatch):
    monkeypatch.setattr(packages, 'missing', lambda names: [])
    monkeypatch.setattr(packages, 'qemu_problem', lambda: None)
    assert packages.boot_problem() is None
