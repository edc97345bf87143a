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

"""The emulator's errors: one base, each carrying the status a front answers.

A backend or a front raises one of these; the dispatcher hands it to the
front of the protocol in use, which renders it in that protocol's own error
body (RIBCL XML, RIS ``ExtendedError`` or Redfish ``{"error": {...}}``).

>>> err = PropertyUnknown(name='Foo')
>>> err.status, err.message_id, str(err)
(400, 'Base.1.0.PropertyUnknown', 'The property Foo is not known')
"""
from __future__ import annotations

from typing import Any, Tuple


class IloEmuError(Exception):
    """Base of every emulator error.

    ``msg_fmt`` is a ``%(name)s`` template filled from the keyword
    arguments; ``status`` is the HTTP status and ``message_id`` the message
    registry id that a front puts in its error body.
    """

    msg_fmt = 'iLO emulator error'
    status = 500
    message_id = 'Base.1.0.InternalError'

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        super().__init__(self.msg_fmt % kwargs)

    @property
    def message_args(self) -> Tuple[str, ...]:
        """The template's arguments, as an iLO puts them in MessageArgs."""
        return tuple(str(value) for value in self.kwargs.values())


class ConfigError(IloEmuError):
    """The emulator was configured wrongly (raised to the caller, not HTTP)."""

    msg_fmt = 'Invalid emulator configuration: %(reason)s'


class NoValidSession(IloEmuError):
    """Missing or wrong credentials."""

    msg_fmt = 'No valid session or credentials for %(path)s'
    status = 401
    message_id = 'Base.1.0.NoValidSession'


class ResourceMissing(IloEmuError):
    """No resource at this URI."""

    msg_fmt = 'The resource at %(path)s was not found'
    status = 404
    message_id = 'Base.1.0.ResourceMissingAtURI'


class MethodNotAllowed(IloEmuError):
    """The resource exists but does not take this method."""

    msg_fmt = 'The method %(method)s is not allowed on %(path)s'
    status = 405
    message_id = 'Base.1.0.OperationNotAllowed'


class MalformedJSON(IloEmuError):
    """The request body is not the JSON expected."""

    msg_fmt = 'The request body is malformed: %(reason)s'
    status = 400
    message_id = 'Base.1.0.MalformedJSON'


class MalformedRequest(IloEmuError):
    """The HTTP request itself is malformed (a bad Content-Length)."""

    msg_fmt = 'The request is malformed: %(reason)s'
    status = 400
    message_id = 'Base.1.0.GeneralError'


class PayloadTooLarge(IloEmuError):
    """A request body over the emulator's size limit."""

    msg_fmt = 'The request body exceeds the limit of %(limit)s bytes'
    status = 413
    message_id = 'Base.1.0.GeneralError'


class PropertyValueTypeError(IloEmuError):
    """A value of the wrong JSON type; ``value`` names the type only."""

    msg_fmt = ('The value %(value)s for the property %(name)s is of a '
               'different type than the property can accept')
    status = 400
    message_id = 'Base.1.0.PropertyValueTypeError'


class SessionLimitExceeded(IloEmuError):
    """A login while the iLO holds as many sessions as it can."""

    msg_fmt = ('The session establishment failed: %(limit)s sessions are '
               'open already')
    status = 503
    message_id = 'Base.1.4.SessionLimitExceeded'


class PropertyUnknown(IloEmuError):
    """A property the resource does not have."""

    msg_fmt = 'The property %(name)s is not known'
    status = 400
    message_id = 'Base.1.0.PropertyUnknown'


class PropertyMissing(IloEmuError):
    """A property the request must carry."""

    msg_fmt = 'The property %(name)s is required'
    status = 400
    message_id = 'Base.1.0.PropertyMissing'


class PropertyValueNotInList(IloEmuError):
    """A value outside the property's allowed values."""

    msg_fmt = 'The value %(value)s is not allowed for the property %(name)s'
    status = 400
    message_id = 'Base.1.0.PropertyValueNotInList'


class PropertyValueFormatError(IloEmuError):
    """A value of the wrong form; ``value`` is never a secret."""

    msg_fmt = 'The value %(value)s has the wrong format for %(name)s'
    status = 400
    message_id = 'Base.1.0.PropertyValueFormatError'


class ActionNotSupported(IloEmuError):
    """An action (or optional backend feature) that is not implemented."""

    msg_fmt = 'The action %(action)s is not supported'
    status = 400
    message_id = 'Base.1.0.ActionNotSupported'


class InvalidOperationForSystemState(IloEmuError):
    """A power action that does not fit the current power state."""

    msg_fmt = 'The action %(action)s is invalid while the power is %(power)s'
    status = 400
    message_id = 'iLO.2.8.InvalidOperationForSystemState'


class UnsupportedInLegacyBootMode(IloEmuError):
    """A UEFI-only setting written while the server boots legacy BIOS."""

    msg_fmt = 'The setting %(name)s is not supported in legacy BIOS boot mode'
    status = 400
    message_id = 'iLO.2.8.UnsupportedOperationInLegacyBootMode'


class InjectedError(IloEmuError):
    """An HTTP error the fault plan asked for."""

    msg_fmt = 'Injected fault: %(rule)s'
    message_id = 'Base.1.0.InternalError'

    def __init__(self, status: int, rule: str) -> None:
        super().__init__(rule=rule)
        self.status = status


class TooManyItems(IloEmuError):
    """An array longer than the firmware holds (iSCSI sources: four)."""

    msg_fmt = 'The array %(name)s holds at most %(limit)s items'
    status = 400
    message_id = 'Base.1.4.ArraySizeTooLong'
