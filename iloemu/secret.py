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

"""A string that never shows itself: repr, str, format and logs mask it.

>>> s = Secret('chap-secret-123')
>>> s
Secret('******')
>>> print('%s / %r / {}'.format(s) % (s, s))
****** / Secret('******') / ******
>>> s.reveal()
'chap-secret-123'
>>> s == Secret('chap-secret-123'), s == 'chap-secret-123'
(True, False)
"""
from __future__ import annotations

import hmac
from typing import Optional, Union

MASK = '******'


class Secret:
    """Holds a password or CHAP secret; only :meth:`reveal` gives it back."""

    __slots__ = ('_value',)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError('a Secret holds a str')
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('%s')" % MASK

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return False
        return hmac.compare_digest(self._value.encode(),
                                   other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))


def as_secret(value: Union[str, Secret, None]) -> Optional[Secret]:
    """Wrap a plain string; pass a Secret or None through.

    >>> as_secret('x'), as_secret(None)
    (Secret('******'), None)
    """
    if value is None or isinstance(value, Secret):
        return value
    return Secret(value)
