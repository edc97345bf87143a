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


"""services.immediate: SQLite transactions lock as they begin."""
from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy
from sqlalchemy import event

from services.immediate import begin_immediate


@pytest.fixture
def engine(tmp_path):
    """An engine set up as oslo.db sets up SQLite (no implicit BEGIN of
    the driver, an explicit one at each transaction), with the
    listener on this engine only."""
    engine = sqlalchemy.create_engine('sqlite:///%s' % (tmp_path / 'db'))

    @event.listens_for(engine, 'connect')
    def no_driver_begin(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, 'commit')
    def ended(connection):
        connection.info.pop('in_transaction', None)

    event.listen(engine, 'begin', begin_immediate)
    with engine.begin() as connection:
        connection.execute('CREATE TABLE t (a INTEGER)')
    return engine


def test_a_transaction_holds_the_write_lock_from_its_first_read(
        engine, tmp_path):
    other = sqlite3.connect(str(tmp_path / 'db'), timeout=0)
    with engine.begin() as connection:
        connection.execute('SELECT count(*) FROM t').scalar()
        with pytest.raises(sqlite3.OperationalError, match='locked'):
            other.execute('INSERT INTO t VALUES (1)')
        connection.execute('INSERT INTO t VALUES (2)')
    other.execute('INSERT INTO t VALUES (3)')
    other.commit()
    with engine.begin() as connection:
        assert connection.execute('SELECT count(*) FROM t').scalar() == 2
