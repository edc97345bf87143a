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
"""Requests counted by HTTP method."""
from __future__ import annotations

from types import SimpleNamespace

from harness import requests


def _records(*methods):
    return [SimpleNamespace(method=m) for m in methods]


def test_method_counts_keep_a_fixed_order():
    records = _records('PATCH', 'DELETE', 'GET', 'POST', 'GET')
    assert list(requests.method_counts(records)) == [
        'GET', 'POST', 'PATCH', 'DELETE']
    assert requests.by_method(records) == (
        '5 requests (GET 2, POST 1, PATCH 1, DELETE 1)')
    assert requests.by_method(_records('GET')) == '1 request (GET 1)'
