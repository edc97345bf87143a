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
