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

"""ironic as its conductor runs it, in this process.

:func:`configure` writes an ``ironic.conf`` (:mod:`harness.config`),
creates the database (:mod:`harness.database`) and loads the config as
``ironic-conductor`` does; :func:`task` takes the exclusive lock of a
step. Nothing here talks to an iLO; the boot and management interfaces
do, when a caller runs them inside :func:`task`.

For the conductor's concurrency model, import ``ironic.cmd`` first (it is
what the conductor's entry point does: eventlet monkey patching).
"""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from ironic.common import config as ironic_config
from ironic.common import context as ironic_context
from ironic.conductor import task_manager
from ironic.conf import CONF
from ironic import objects
from oslo_log import log as oslo_log

from harness import config, database
from harness.config import Layout


def configure(layout: Layout, ca_file: Optional[Path], http_url: str,
              debug: bool = True, power_wait: int = 1,
              ilo: Optional[Mapping[str, Any]] = None) -> None:
    """Write the config, create the database, load the config.

    ``power_wait`` is ``[ilo]power_wait`` (an emulated server changes its
    power at once: 0 will do); ``ilo``: other ``[ilo]`` options
    (:func:`harness.config.config_text`). Once per process: oslo.config
    and ironic's DB engine are global.

    :raises harness.database.SetupError: if the schema cannot be created.
    """
    config.write_config(layout, ca_file, http_url, debug, power_wait, ilo)
    database.create_schema(layout)
    # What ironic.common.service.prepare_service does, without setting up
    # log handlers: where log records go is the caller's choice. A module
    # level logging call on the way installs logging.basicConfig's stderr
    # handler on the root logger (oslo.log's setup would replace it); it
    # is taken away again.
    root = logging.getLogger()
    handlers = list(root.handlers)
    oslo_log.register_options(CONF)
    ironic_config.parse_args(['ironic-conductor', '--config-file',
                              str(layout.config_file)])
    objects.register_all()
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)


def admin_context() -> Any:
    """The context the conductor acts with."""
    return ironic_context.get_admin_context()


@contextlib.contextmanager
def task(context: Any, node_uuid: str,
         purpose: str = 'harness step') -> Iterator[Any]:
    """An exclusive lock on the node, as the conductor takes for a step."""
    with task_manager.acquire(context, node_uuid, shared=False,
                              purpose=purpose) as locked:
        yield locked


def reload(context: Any, node_uuid: str) -> Any:
    """The node as the database holds it now."""
    return objects.Node.get_by_uuid(context, node_uuid)


def destroy(context: Any, node_uuid: str) -> None:
    """Delete the node with its ports, connectors and targets."""
    try:
        node = objects.Node.get_by_uuid(context, node_uuid)
    except Exception:  # already gone
        return
    if node.reservation:
        objects.Node.release(context, node.reservation, node.id)
    node.destroy()
