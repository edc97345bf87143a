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

"""The steps of a deploy and tear down that the iLO boot path runs.

>>> NAMES
('validate', 'prepare_instance', 'power on', 'get_boot_device', \
'clean_up_instance')
>>> call('reboot')
Traceback (most recent call last):
...
KeyError: 'no step reboot'
"""
from __future__ import annotations

from typing import Any, Callable

NAMES = ('validate', 'prepare_instance', 'power on', 'get_boot_device',
         'clean_up_instance')


def _power_on(task: Any) -> Any:
    from ironic.common import states
    from ironic.conductor import utils as manager_utils
    return manager_utils.node_power_action(task, states.POWER_ON)


_CALLS = {
    'validate': lambda task: task.driver.boot.validate(task),
    'prepare_instance': lambda task: task.driver.boot.prepare_instance(task),
    'power on': _power_on,
    'get_boot_device':
        lambda task: task.driver.management.get_boot_device(task),
    'clean_up_instance':
        lambda task: task.driver.boot.clean_up_instance(task),
}


def call(step: str) -> Callable[[Any], Any]:
    """What ``step`` runs on a task (an exclusive lock on the node)."""
    try:
        return _CALLS[step]
    except KeyError:
        raise KeyError('no step %s' % step) from None
