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

"""The one error base of the real-boot machinery, and its kinds.

Each error fills a ``%(name)s`` template from its keyword arguments, so
the message is built in one place and no caller formats it by hand. No
template ever takes a CHAP secret: values that may be secret are named,
never shown.

>>> err = CommandFailed(command='tgtadm --op show', code=22, output='nope')
>>> str(err)
'tgtadm --op show failed (exit 22): nope'
>>> isinstance(err, RealBootError), err.kwargs['code']
(True, 22)
"""
from __future__ import annotations

from typing import Any


class RealBootError(Exception):
    """Base of every real-boot error; ``msg_fmt`` is filled from kwargs."""

    msg_fmt = 'real-boot error'

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        super().__init__(self.msg_fmt % kwargs)


class CommandFailed(RealBootError):
    """A helper program exited non-zero."""

    msg_fmt = '%(command)s failed (exit %(code)s): %(output)s'


class CommandTimeout(RealBootError):
    """A helper program did not finish in time."""

    msg_fmt = '%(command)s did not finish within %(timeout)s s'


class PackagesMissing(RealBootError):
    """Debian packages the real boot needs are not installed."""

    msg_fmt = 'Debian packages missing: %(packages)s; run ./wb deps'


class ScriptValueError(RealBootError):
    """A value that cannot be written into an iPXE script as it is."""

    msg_fmt = 'the %(name)s cannot go into an iPXE script: %(reason)s'


class NotLoopback(RealBootError):
    """An address outside 127.0.0.0/8: the VM may reach nothing else."""

    msg_fmt = ('%(address)s is not a loopback IPv4 address; the VM reaches '
               'only forwarded loopback endpoints')


class ImageError(RealBootError):
    """A LUN image could not be built."""

    msg_fmt = 'cannot build the image %(image)s: %(reason)s'


class TargetError(RealBootError):
    """The tgt iSCSI target daemon failed or refused a change."""

    msg_fmt = 'iSCSI target (tgtd): %(reason)s'


class VmError(RealBootError):
    """A VM could not be started, or stopped while it was waited for."""

    msg_fmt = 'VM %(name)s: %(reason)s'


class WaitTimeout(RealBootError):
    """What was waited for did not come in time."""

    msg_fmt = ('%(what)s: not seen within %(timeout).0f s; last console '
               'lines:\n%(tail)s')


class InvalidSetting(RealBootError):
    """A setting the machinery cannot use (a port out of range, ...)."""

    msg_fmt = 'invalid setting: %(reason)s'
