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

"""The targets file: the real servers hardware mode may touch.

YAML (JSON is YAML too); the documented example is
``doc/hwci-targets.example.yaml``. Every key is checked: an unknown or
missing key, or a value of the wrong kind, is a :class:`TargetsError`
naming the key by its path (``servers[1].generation``), never a secret's
value. Passwords and CHAP secrets are :class:`Secret` (masked in every
repr, str and error); each may come from a file (``password_file``,
``secret_file``: its first line).

>>> text = '''
... servers:
...   - name: gen9-a
...     address: 192.0.2.20
...     username: ci
...     password: not-shown-1
...     generation: 9
...     boot_mac: 9C:B6:54:00:00:01
...     iscsi_targets:
...       - {portal: "192.0.2.10:3260", iqn: "iqn.2010-10.org.x:v", lun: 1,
...          chap: {user: u, secret: Twelve-chars}}
... '''
>>> targets = parse(yaml.safe_load(text))
>>> server = targets.servers[0]
>>> server.password, server.boot_mac, targets.timeouts.post_cycle
(Secret(), '9c:b6:54:00:00:01', 900)
>>> 'Twelve' in repr(targets) or 'not-shown' in repr(targets)
False
>>> try:
...     parse({'servers': [dict(yaml.safe_load(text)['servers'][0],
...                             generation=8)]})
... except TargetsError as error:
...     print(error)
servers[0].generation: 9 or 10, not 8
"""
from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path
import re
from typing import Any, List, Mapping, Optional, Tuple

import yaml

MASK = '******'
#: The environment variables and options that select hardware mode.
TARGETS_ENV = 'HWCI_TARGETS'
CONFIRM_ENV = 'HWCI_CONFIRM'
_MAC = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')
_IQN = re.compile(r'^(iqn\.|eui\.|naa\.)\S{1,219}$')
#: What tells that a server booted from its target: nothing, or the
#: target's session list (``sessions_command``) naming its initiator.
BOOT_CHECKS = ('none', 'sessions')


class TargetsError(Exception):
    """The targets file is unusable; the message names the key."""


@dataclasses.dataclass(frozen=True)
class Secret:
    """A password or CHAP secret: ``value`` is never in a repr or str."""

    value: str = dataclasses.field(repr=False)

    def __str__(self) -> str:
        return MASK


@dataclasses.dataclass(frozen=True)
class IscsiTarget:
    """A target the server can reach, for its boot volume."""

    portal: str
    iqn: str
    lun: int
    chap_user: Optional[str] = None
    chap_secret: Optional[Secret] = None


@dataclasses.dataclass(frozen=True)
class Server:
    """One real server behind its iLO."""

    name: str
    address: str
    username: str
    password: Secret
    ca_file: Optional[str]
    generation: int
    boot_mac: str
    iscsi_targets: Tuple[IscsiTarget, ...] = ()
    initiator_iqn: Optional[str] = None
    boot_check: str = 'none'
    #: argv run on the CI runner that lists the target's sessions.
    sessions_command: Tuple[str, ...] = ()

    def target(self, chap: bool) -> Optional[IscsiTarget]:
        """The first target with CHAP (or without), None if there is none."""
        return next((t for t in self.iscsi_targets
                     if (t.chap_secret is not None) == chap), None)

    def client_args(self) -> Tuple[str, str, str]:
        """(address, user, password): proliantutils' first three."""
        return self.address, self.username, self.password.value


@dataclasses.dataclass(frozen=True)
class Timeouts:
    """Seconds; the defaults fit real POST times."""

    post_cycle: int = 900    # [ilo]post_cycle_timeout
    post_poll: float = 10    # [ilo]post_cycle_poll_interval
    power_wait: int = 2      # [ilo]power_wait
    restore: int = 1200      # the restore's own POST cycle
    boot_check: int = 900    # until the session appears (or is gone)


@dataclasses.dataclass(frozen=True)
class Targets:
    """The servers of a targets file and its timeouts."""

    servers: Tuple[Server, ...]
    timeouts: Timeouts = Timeouts()

    def secrets(self) -> List[str]:
        """Every password and CHAP secret of the file (for log checks)."""
        found = [s.password.value for s in self.servers]
        found += [t.chap_secret.value for s in self.servers
                  for t in s.iscsi_targets if t.chap_secret]
        return found


# -- checks -------------------------------------------------------------------
def _fail(where: str, text: str) -> TargetsError:
    return TargetsError('%s: %s' % (where, text))


def _mapping(value: Any, where: str, required: Tuple[str, ...],
             optional: Tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, 'a mapping, not %s' % type(value).__name__)
    for key in value:
        if key not in required + optional:
            raise _fail('%s.%s' % (where, key), 'unknown key (known: %s)'
                        % ', '.join(required + optional))
    for key in required:
        if key not in value:
            raise _fail('%s.%s' % (where, key), 'missing')
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, 'a non-empty string')
    return value


def _secret(data: Mapping[str, Any], where: str, key: str) -> Secret:
    """``key`` or ``key_file`` (exactly one), as a Secret."""
    given = [k for k in (key, key + '_file') if k in data]
    if len(given) != 1:
        raise _fail(where, 'give exactly one of %s, %s_file' % (key, key))
    if given[0] == key:
        if not isinstance(data[key], str) or not data[key]:
            raise _fail('%s.%s' % (where, key), 'a non-empty string')
        return Secret(data[key])
    path = Path(_text(data[given[0]], '%s.%s' % (where, given[0])))
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise _fail('%s.%s' % (where, given[0]), 'cannot read %s: %s'
                    % (path, exc.strerror)) from None
    if not lines or not lines[0]:
        raise _fail('%s.%s' % (where, given[0]), '%s is empty' % path)
    return Secret(lines[0])


def _portal(value: Any, where: str) -> str:
    text = _text(value, where)
    address, _, port = text.rpartition(':')
    try:
        ipaddress.IPv4Address(address)
        if not 0 < int(port) < 65536:
            raise ValueError(port)
    except ValueError:
        raise _fail(where, 'IPv4 address:port, not %r' % text) from None
    return text


def _iscsi_target(data: Any, where: str) -> IscsiTarget:
    data = _mapping(data, where, ('portal', 'iqn', 'lun'), ('chap',))
    iqn = _text(data['iqn'], where + '.iqn')
    if not _IQN.match(iqn):
        raise _fail(where + '.iqn', 'an iqn./eui./naa. name')
    lun = data['lun']
    if not isinstance(lun, int) or isinstance(lun, bool) or lun < 0:
        raise _fail(where + '.lun', 'a number >= 0')
    user = secret = None
    if 'chap' in data:
        chap = _mapping(data['chap'], where + '.chap', ('user',),
                        ('secret', 'secret_file'))
        user = _text(chap['user'], where + '.chap.user')
        secret = _secret(chap, where + '.chap', 'secret')
        if not (12 <= len(secret.value) <= 16 and secret.value.isprintable()
                and secret.value.isascii()):
            raise _fail(where + '.chap.secret', '12 to 16 printable ASCII '
                        'characters (what UEFI initiators take)')
    return IscsiTarget(_portal(data['portal'], where + '.portal'), iqn, lun,
                       user, secret)


_SERVER_KEYS = ('name', 'address', 'username', 'generation', 'boot_mac')
_SERVER_OPTIONAL = ('password', 'password_file', 'ca_file', 'iscsi_targets',
                    'initiator_iqn', 'boot_check', 'sessions_command')


def _boot_check(data: Mapping[str, Any], where: str
                ) -> Tuple[str, Tuple[str, ...]]:
    """(boot_check, sessions_command): ``sessions`` needs the command
    (a list of strings) and the initiator name the target's ACL knows."""
    boot_check = data.get('boot_check', 'none')
    if boot_check not in BOOT_CHECKS:
        raise _fail(where + '.boot_check', 'one of %s' % ', '.join(
            BOOT_CHECKS))
    command = data.get('sessions_command')
    if boot_check != 'sessions':
        if command is not None:
            raise _fail(where + '.sessions_command',
                        'only with boot_check: sessions')
        return boot_check, ()
    for key in ('sessions_command', 'initiator_iqn'):
        if key not in data:
            raise _fail('%s.%s' % (where, key),
                        'missing (boot_check: sessions needs it)')
    if not isinstance(command, list) or not command:
        raise _fail(where + '.sessions_command', 'a non-empty list of '
                    'strings (argv, e.g. [tgtadm, --lld, iscsi, --op, show,'
                    ' --mode, conn, --tid, "1"])')
    return boot_check, tuple(
        _text(arg, '%s.sessions_command[%d]' % (where, n))
        for n, arg in enumerate(command))


def _server(data: Any, where: str) -> Server:
    data = _mapping(data, where, _SERVER_KEYS, _SERVER_OPTIONAL)
    generation = data['generation']
    if generation not in (9, 10) or isinstance(generation, bool):
        raise _fail(where + '.generation', '9 or 10, not %r' % generation)
    mac = _text(data['boot_mac'], where + '.boot_mac').lower()
    if not _MAC.match(mac):
        raise _fail(where + '.boot_mac', 'a MAC address like '
                    '9c:b6:54:00:00:01')
    ca_file = data.get('ca_file')
    if ca_file is not None and not Path(_text(
            ca_file, where + '.ca_file')).is_file():
        raise _fail(where + '.ca_file', '%s is not a file' % ca_file)
    targets = data.get('iscsi_targets', [])
    if not isinstance(targets, list):
        raise _fail(where + '.iscsi_targets', 'a list')
    boot_check, command = _boot_check(data, where)
    initiator = data.get('initiator_iqn')
    if initiator is not None and not _IQN.match(_text(
            initiator, where + '.initiator_iqn')):
        raise _fail(where + '.initiator_iqn', 'an iqn./eui./naa. name')
    return Server(
        _text(data['name'], where + '.name'),
        _text(data['address'], where + '.address'),
        _text(data['username'], where + '.username'),
        _secret(data, where, 'password'), ca_file, generation, mac,
        tuple(_iscsi_target(t, '%s.iscsi_targets[%d]' % (where, n))
              for n, t in enumerate(targets)), initiator, boot_check,
        command)


def _timeouts(data: Any) -> Timeouts:
    names = tuple(f.name for f in dataclasses.fields(Timeouts))
    data = _mapping(data, 'timeouts', (), names)
    for key, value in data.items():
        if not isinstance(value, (int, float)) or isinstance(
                value, bool) or value <= 0:
            raise _fail('timeouts.' + key, 'a number of seconds > 0')
    return Timeouts(**data)


def parse(data: Any) -> Targets:
    """The targets of a loaded file, checked.

    :raises TargetsError: naming the first bad key.
    """
    data = _mapping(data, 'targets file', ('servers',), ('timeouts',))
    if not isinstance(data['servers'], list) or not data['servers']:
        raise _fail('servers', 'a non-empty list')
    servers = tuple(_server(s, 'servers[%d]' % n)
                    for n, s in enumerate(data['servers']))
    for key in ('name', 'address'):
        values = [getattr(server, key) for server in servers]
        for n, value in enumerate(values):
            if value in values[:n]:
                raise _fail('servers[%d].%s' % (n, key),
                            '%s is listed twice' % value)
    return Targets(servers, _timeouts(data.get('timeouts', {})))


def load(path: Path) -> Targets:
    """Read and check the targets file at ``path``.

    :raises TargetsError: if it cannot be read or is not valid.
    """
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise TargetsError('cannot read the targets file %s: %s' % (
            path, getattr(exc, 'strerror', None) or type(exc).__name__)
        ) from None
    return parse(data)
