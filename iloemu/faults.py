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

"""Fault injection: a declarative plan per emulated iLO, off by default.

A :class:`FaultPlan` says what goes wrong; a :class:`FaultInjector`
applies it to each request, counts rule uses (``times``) and logs every
fault it injects.  Paths are matched with shell wildcards against the
request path in lower case without a trailing slash.

>>> plan = FaultPlan(http_errors=(HttpErrorRule('/rest/v1/systems/1*',
...                                             'PATCH', times=1),))
>>> injector = FaultInjector(plan)
>>> injector.decide('PATCH', '/rest/v1/systems/1/bios/settings').error
... # doctest: +ELLIPSIS
HttpErrorRule(path='/rest/v1/systems/1*', method='PATCH', status=500, ...)
>>> injector.decide('PATCH', '/rest/v1/systems/1/bios/settings').error
>>> FaultPlan().active, plan.active
(False, True)
"""
from __future__ import annotations

import dataclasses
import fnmatch
import logging
import threading
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from iloemu.errors import ConfigError
from iloemu.secret import Secret, as_secret

LOG = logging.getLogger('iloemu.faults')


def _matches(pattern: str, method: str, rule_method: str, path: str) -> bool:
    pattern = pattern.lower().rstrip('/') or '/'
    return ((rule_method == '*' or rule_method.upper() == method)
            and fnmatch.fnmatchcase(path, pattern))


@dataclasses.dataclass(frozen=True)
class HttpErrorRule:
    """Answer matching requests with ``status`` (in the protocol's body).

    With ``apply`` the iLO first does what was asked (a PATCH is
    written), then answers the error: the client cannot tell.
    """

    path: str = '*'
    method: str = '*'
    status: int = 500
    times: Optional[int] = None
    apply: bool = False


@dataclasses.dataclass(frozen=True)
class DelayRule:
    """Wait ``seconds`` before answering matching requests.

    With ``after`` the request is carried out first and the answer
    waits (a write applied whose answer comes after the client's
    timeout).
    """

    seconds: float
    path: str = '*'
    method: str = '*'
    times: Optional[int] = None
    after: bool = False


@dataclasses.dataclass(frozen=True)
class DropRule:
    """Carry out matching requests, then close without an answer."""

    path: str = '*'
    method: str = '*'
    times: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class FaultPlan:
    """What goes wrong on one emulated iLO.

    ``refuse_connections``: nothing listens (connection refused).
    ``untrusted_certificate``: serve a certificate of another CA.
    ``expected_password``: the iLO expects this password instead of the
    configured one, so the client's credentials are wrong.
    ``legacy_bios``: the server is switched to legacy BIOS boot mode.
    ``drops``: requests carried out whose connection is then closed
    without an answer.
    ``echo_chap_secret``: an iSCSI settings write that carries a CHAP
    secret is refused (400, not applied) with the secret repeated in
    the error message and its arguments, as real firmware repeats an
    invalid value in its extended error information.
    ``no_iscsi_link``: the BIOS resource has no ``iScsi`` link (RIS
    ``links``, Redfish ``Oem/Hpe/Links``), as on old Gen9 firmware.
    ``latency``: every answer leaves no sooner than this many seconds
    after its request arrived, the emulator's own work (TLS handshake
    included) counted in, as a real iLO's answer time includes its work
    (not a fault: benchmarks).
    """

    http_errors: Tuple[HttpErrorRule, ...] = ()
    delays: Tuple[DelayRule, ...] = ()
    refuse_connections: bool = False
    untrusted_certificate: bool = False
    expected_password: Optional[Union[str, Secret]] = None
    legacy_bios: bool = False
    latency: float = 0.0
    drops: Tuple[DropRule, ...] = ()
    echo_chap_secret: bool = False
    no_iscsi_link: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, 'http_errors', tuple(self.http_errors))
        object.__setattr__(self, 'delays', tuple(self.delays))
        object.__setattr__(self, 'drops', tuple(self.drops))
        object.__setattr__(self, 'expected_password',
                           as_secret(self.expected_password))
        if self.latency < 0 or any(d.seconds < 0 for d in self.delays):
            raise ConfigError(reason='delays must not be negative')

    @property
    def active(self) -> bool:
        """Whether the plan injects any fault (latency does not count)."""
        return bool(self.http_errors or self.delays or self.refuse_connections
                    or self.untrusted_certificate or self.legacy_bios
                    or self.expected_password is not None or self.drops
                    or self.echo_chap_secret or self.no_iscsi_link)

    def describe(self) -> List[str]:
        """One line per fault, for logs (the password stays masked)."""
        lines = ['http %s%s on %s %s%s' % (
            r.status, ' after applying' if r.apply else '', r.method,
            r.path, _times(r.times)) for r in self.http_errors]
        lines += ['delay %.3gs%s on %s %s%s' % (
            d.seconds, ' after applying' if d.after else '', d.method,
            d.path, _times(d.times)) for d in self.delays]
        lines += ['drop after applying on %s %s%s' % (
            d.method, d.path, _times(d.times)) for d in self.drops]
        flags = [('refuse_connections', 'connections refused'),
                 ('untrusted_certificate', 'certificate of another CA'),
                 ('legacy_bios', 'legacy BIOS boot mode'),
                 ('echo_chap_secret', 'CHAP secrets echoed in errors'),
                 ('no_iscsi_link', 'no iScsi link in the BIOS resource')]
        lines += [text for name, text in flags if getattr(self, name)]
        if self.expected_password is not None:
            lines.append('wrong password (iLO expects %s)'
                         % self.expected_password)
        return lines

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> 'FaultPlan':
        """Build from plain data, e.g. ``{'http_errors': [{'path': ...}]}``.

        >>> FaultPlan.from_mapping({'delays': [{'seconds': 2}]}).delays
        (DelayRule(seconds=2, path='*', method='*', times=None, after=False),)
        """
        values: Dict[str, Any] = dict(data)
        try:
            values['http_errors'] = tuple(
                HttpErrorRule(**r) for r in values.get('http_errors', ()))
            values['delays'] = tuple(DelayRule(**r)
                                     for r in values.get('delays', ()))
            values['drops'] = tuple(DropRule(**r)
                                    for r in values.get('drops', ()))
            return cls(**values)
        except TypeError as exc:
            raise ConfigError(reason='bad fault plan: %s' % exc)


def _times(times: Optional[int]) -> str:
    return '' if times is None else ' (%d times)' % times


@dataclasses.dataclass(frozen=True)
class Decision:
    """What the injector decided for one request."""

    delay: float = 0.0
    error: Optional[HttpErrorRule] = None
    notes: Tuple[str, ...] = ()
    #: Carried out first, then: wait, answer this error, or drop.
    delay_after: float = 0.0
    error_after: Optional[HttpErrorRule] = None
    drop: bool = False

    @property
    def error_first(self) -> Optional[HttpErrorRule]:
        """The error answered instead of carrying the request out."""
        return self.error if self.error_after is None else None


class FaultInjector:
    """Applies a plan request by request, thread-safe, logging each fault."""

    def __init__(self, plan: FaultPlan = FaultPlan(),
                 label: str = 'iLO') -> None:
        self.label = label
        self._lock = threading.Lock()
        self._used: Dict[int, int] = {}
        self._plan = plan

    @property
    def plan(self) -> FaultPlan:
        """The plan in force."""
        return self._plan

    @plan.setter
    def plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan, self._used = plan, {}

    def _take(self, index: int, times: Optional[int]) -> bool:
        used = self._used.get(index, 0)
        if times is not None and used >= times:
            return False
        self._used[index] = used + 1
        return True

    def decide(self, method: str, path: str) -> Decision:
        """Delay and error for ``method path``; logs what it injects."""
        notes, delay, after, error, drop = [], 0.0, 0.0, None, False
        with self._lock:
            plan = self._plan
            for i, rule in enumerate(plan.delays):
                if (_matches(rule.path, method, rule.method, path)
                        and self._take(i, rule.times)):
                    if rule.after:
                        after += rule.seconds
                        notes.append('delay %.3gs after applying'
                                     % rule.seconds)
                    else:
                        delay += rule.seconds
                        notes.append('delay %.3gs' % rule.seconds)
            for i, err in enumerate(plan.http_errors, start=len(plan.delays)):
                if (_matches(err.path, method, err.method, path)
                        and self._take(i, err.times)):
                    error = err
                    notes.append('http %d%s' % (
                        err.status, ' after applying' if err.apply else ''))
                    break
            start = len(plan.delays) + len(plan.http_errors)
            for i, rule in enumerate(plan.drops, start=start):
                if (error is None
                        and _matches(rule.path, method, rule.method, path)
                        and self._take(i, rule.times)):
                    drop = True
                    notes.append('drop after applying')
                    break
        for note in notes:
            self.log(note, method, path)
        applied = error if error is not None and error.apply else None
        return Decision(delay, error, tuple(notes), after, applied, drop)

    def log(self, note: str, method: str = '', path: str = '') -> None:
        """Log one injected fault."""
        where = ' '.join(part for part in (method, path) if part)
        LOG.warning('%s: fault injected: %s%s', self.label, note,
                    ' ' + where if where else '')


#: Where a CHAP secret travels in an iSCSI settings write.
SECRET_KEY = 'iSCSIChapSecret'


def secrets_in(body: Any) -> List[str]:
    """The CHAP secrets of an iSCSI settings body (for the echo fault).

    >>> secrets_in({'iSCSISources': [{'iSCSIChapSecret': 's3cret'}, {}]})
    ['s3cret']
    """
    found: List[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == SECRET_KEY and isinstance(value, str):
                found.append(value)
            else:
                found += secrets_in(value)
    elif isinstance(body, list):
        for item in body:
            found += secrets_in(item)
    return found


def strip_iscsi_link(body: Any) -> bool:
    """Remove the BIOS resource's ``iScsi`` link; True if there was one.

    >>> ris = {'links': {'iScsi': {}, 'Boot': {}}}
    >>> strip_iscsi_link(ris), ris
    (True, {'links': {'Boot': {}}})
    """
    if not isinstance(body, dict):
        return False
    holders = [body.get('links'),
               body.get('Oem', {}).get('Hpe', {}).get('Links')]
    removed = False
    for links in holders:
        if isinstance(links, dict) and links.pop('iScsi', None) is not None:
            removed = True
    return removed
