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

"""``python -m services.immediate cinder.cmd.api ARGS``: a Cinder or
ironic service whose SQLite transactions take the write lock as they
begin.

Run in the service's virtualenv. oslo.db begins each SQLite transaction
with a plain (deferred) ``BEGIN``: a transaction that reads, then writes
after another connection committed, fails at once with "database is
locked" (WAL mode; the busy timeout does not apply to that upgrade).
With two or three services writing one file, and the test group
deploying several nodes at a time, Cinder answered HTTP 500 to an
``os-attach`` and ironic's conductor failed a tear down that way.
``BEGIN IMMEDIATE`` takes the lock first, and a second writer waits its
busy timeout instead. oslo.db's own ``begin`` listener emits nothing
when ``in_transaction`` is set: the class-level listener here runs
before it, on every engine (SQLAlchemy 1.3 for ironic 9.1.6, 2.x for
Cinder).
"""
import ctypes
import importlib
import sys

#: prctl: the process's name (``comm``: ps, ``services status``).
_PR_SET_NAME = 15


def begin_immediate(connection) -> None:
    """SQLAlchemy ``begin`` listener: ``BEGIN IMMEDIATE`` on SQLite."""
    if connection.dialect.name == 'sqlite' and \
            'in_transaction' not in connection.info:
        getattr(connection, 'exec_driver_sql', connection.execute)(
            'BEGIN IMMEDIATE')
        connection.info['in_transaction'] = True


def main() -> int:
    # The service's module first: it monkey-patches (eventlet) before
    # SQLAlchemy is imported.
    module = importlib.import_module(sys.argv[1])
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    event.listen(Engine, 'begin', begin_immediate)
    name = '%s-%s' % (sys.argv[1].split('.')[0],
                      sys.argv[1].rsplit('.', 1)[-1])
    ctypes.CDLL(None).prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    sys.argv = [name, *sys.argv[2:]]
    return module.main()


if __name__ == '__main__':
    sys.exit(main())
