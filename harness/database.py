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

"""The conductor's SQLite database, made as an operator makes it.

``ironic-dbsync create_schema`` runs in a process of its own (``upgrade``
fails on SQLite: a migration alters a constraint). In this process it
would also install alembic's logging configuration, which disables every
logger that exists already. The file is the owner's only (0600): it
holds iLO passwords and CHAP secrets.
"""
from __future__ import annotations

import subprocess
import sys

from harness.config import Layout

# ironic-dbsync, run by the interpreter of this process.
_DBSYNC = ('import sys; from ironic.cmd.dbsync import main; '
           'sys.argv[0] = "ironic-dbsync"; sys.exit(main())')


class SetupError(Exception):
    """ironic could not be set up (config or database)."""


def create_schema(layout: Layout) -> None:
    """A new database (an old file is removed) with ironic's schema.

    :raises SetupError: if ``ironic-dbsync create_schema`` fails.
    """
    if layout.database.exists():
        layout.database.unlink()
    layout.database.touch(mode=0o600)
    layout.database.chmod(0o600)
    dbsync = subprocess.run(
        [sys.executable, '-c', _DBSYNC, '--config-file',
         str(layout.config_file), 'create_schema'],
        capture_output=True, text=True)
    if dbsync.returncode != 0:
        raise SetupError('ironic-dbsync create_schema failed: %s'
                         % dbsync.stderr[-2000:])
    layout.database.chmod(0o600)
