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

"""Catch every log record, and find the ones that give a secret away.

One helper for the demo and the functional tests: a secret (a CHAP
secret, an iLO password) must not appear in any formatted log record, in
the exception text or traceback attached to it, or in an error's text.
The finding names the logger and the level, never the secret.

>>> import logging
>>> with RecordCollector() as records:
...     logging.getLogger('x.y').debug('body: %s', {'Password': 's3cr3t-pw'})
...     logging.getLogger('x.z').info('nothing to see')
>>> [str(leak) for leak in find_leaks(records.records, ['s3cr3t-pw'])]
['DEBUG x.y: secret #1 in the message']
>>> leaking_loggers(find_leaks(records.records, ['another']))
[]
"""
from __future__ import annotations

import dataclasses
import logging
import traceback
from typing import Any, Iterable, List, Optional, Sequence


@dataclasses.dataclass(frozen=True)
class Leak:
    """A record that holds a secret: where, never what."""

    logger: str
    level: str
    secret_number: int
    where: str

    def __str__(self) -> str:
        return '%s %s: secret #%d in the %s' % (
            self.level, self.logger, self.secret_number, self.where)


class RecordCollector(logging.Handler):
    """Keeps every record of every logger while it is installed.

    Installed on the root logger, which is set to DEBUG for the time, as
    are the loggers of ``debug_loggers`` (and their children), whatever
    level a library gave them. Other loggers keep the level their owner
    set: SQLAlchemy's engine logger, for one, which oslo.db keeps at
    WARNING unless ``[database]connection_debug`` asks for SQL echo.
    """

    DEBUG_LOGGERS = ('ironic', 'proliantutils', 'sushy', 'iloemu',
                     'urllib3', 'requests')

    def __init__(self, debug_loggers: Sequence[str] = DEBUG_LOGGERS) -> None:
        super().__init__(logging.DEBUG)
        self.records: List[logging.LogRecord] = []
        self.debug_loggers = tuple(debug_loggers)
        self._saved: List[Any] = []

    def _lowered(self, name: str) -> bool:
        return any(name == prefix or name.startswith(prefix + '.')
                   for prefix in self.debug_loggers)

    def __enter__(self) -> 'RecordCollector':
        root = logging.getLogger()
        self._saved = [(root, root.level, root.disabled)]
        root.setLevel(logging.DEBUG)
        for name in list(logging.Logger.manager.loggerDict):
            logger = logging.getLogger(name)
            if self._lowered(name) and (logger.level > logging.DEBUG
                                        or logger.disabled):
                self._saved.append((logger, logger.level, logger.disabled))
                logger.setLevel(logging.DEBUG)
                logger.disabled = False
        root.addHandler(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        logging.getLogger().removeHandler(self)
        for logger, level, disabled in reversed(self._saved):
            logger.setLevel(level)
            logger.disabled = disabled
        self._saved = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def clear(self) -> None:
        """Forget the records caught so far."""
        self.records = []


def _texts(record: logging.LogRecord) -> Iterable[Any]:
    """(where, text) pairs of everything a handler could write."""
    try:
        message = record.getMessage()
    except Exception:  # a broken record: check its parts
        message = '%s %r' % (record.msg, record.args)
    yield 'message', message
    if record.exc_info and record.exc_info[1] is not None:
        yield 'exception', ''.join(traceback.format_exception(
            *record.exc_info))
    if record.exc_text:
        yield 'exception', record.exc_text
    if record.stack_info:
        yield 'stack', record.stack_info


def find_leaks(records: Sequence[logging.LogRecord],
               secrets: Sequence[str]) -> List[Leak]:
    """The records whose text holds one of ``secrets`` (1-based number).

    Empty secrets are ignored.

    >>> record = logging.LogRecord('a', logging.WARNING, 'f', 1,
    ...                            'pw=%s', ('hunter2-hunter2',), None)
    >>> find_leaks([record], ['', 'hunter2-hunter2'])
    [Leak(logger='a', level='WARNING', secret_number=2, where='message')]
    """
    leaks = []
    for record in records:
        for where, text in _texts(record):
            for number, secret in enumerate(secrets, 1):
                if secret and text.find(secret) != -1:
                    leaks.append(Leak(record.name, record.levelname,
                                      number, where))
    return leaks


def leaking_loggers(leaks: Sequence[Leak]) -> List[str]:
    """The names of the loggers that leak, sorted, each once.

    >>> leaking_loggers([Leak('b', 'DEBUG', 1, 'message'),
    ...                  Leak('a', 'DEBUG', 2, 'message'),
    ...                  Leak('b', 'DEBUG', 2, 'message')])
    ['a', 'b']
    """
    return sorted({leak.logger for leak in leaks})


def secret_free(text: Optional[str], secrets: Sequence[str]) -> bool:
    """Whether ``text`` (an error's text, a printed line) holds no secret.

    >>> secret_free('IloOperationError: 500', ['abc-secret-123'])
    True
    >>> secret_free('sent abc-secret-123', ['abc-secret-123'])
    False
    """
    if not text:
        return True
    return all(text.find(secret) == -1 for secret in secrets if secret)
