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
