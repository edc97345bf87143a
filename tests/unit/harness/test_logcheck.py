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

"""The one secret check of the demo and the test groups."""
from __future__ import annotations

import logging

from harness.logcheck import (RecordCollector, find_leaks, leaking_loggers,
                              secret_free)

SECRET = 'Chap-5ecret-99'
PASSWORD = 'iLO-pw-0123abcd'


# Not sushy.connector or proliantutils.rest.v1: once ironic's iLO driver
# is imported, the series masks the secrets in their records.
LIBRARY_LOGGER = 'sushy.resources.for_a_test'


def test_library_loggers_are_lowered_and_restored():
    quiet = logging.getLogger(LIBRARY_LOGGER)
    quiet.setLevel(logging.WARNING)
    root = logging.getLogger()
    root_level = root.level
    try:
        with RecordCollector() as records:
            quiet.debug('body: %s', {'iSCSIChapSecret': SECRET})
        assert quiet.level == logging.WARNING
        assert root.level == root_level
        assert records not in root.handlers
        assert leaking_loggers(find_leaks(records.records, [SECRET])) == [
            LIBRARY_LOGGER]
    finally:
        quiet.setLevel(logging.NOTSET)


def test_sql_echo_is_left_to_its_owner():
    engine = logging.getLogger('sqlalchemy.engine')
    saved = engine.level
    engine.setLevel(logging.WARNING)
    try:
        with RecordCollector() as records:
            engine.info('INSERT ... (%s)', PASSWORD)
        assert records.records == []
    finally:
        engine.setLevel(saved)


def test_disabled_library_logger_is_enabled_for_the_check():
    logger = logging.getLogger('proliantutils.for_a_test')
    logger.disabled = True
    try:
        with RecordCollector() as records:
            logger.debug('PATCH body %s', SECRET)
        assert logger.disabled
        assert len(find_leaks(records.records, [SECRET])) == 1
    finally:
        logger.disabled = False


def test_secret_in_exception_text_and_traceback():
    logger = logging.getLogger('ironic.test')
    with RecordCollector() as records:
        try:
            raise ValueError('login with %s failed' % PASSWORD)
        except ValueError:
            logger.exception('a failure without a secret in its message')
    leaks = find_leaks(records.records, [SECRET, PASSWORD])
    assert {(leak.secret_number, leak.where) for leak in leaks} == {
        (2, 'exception')}
    assert str(leaks[0]).find(PASSWORD) == -1


def test_record_with_broken_arguments_is_still_checked():
    record = logging.LogRecord('x', logging.DEBUG, 'f', 1, 'a %s %s',
                               (SECRET,), None)
    assert find_leaks([record], [SECRET])[0].where == 'message'


def test_no_leak_no_finding():
    with RecordCollector() as records:
        logging.getLogger('ironic.x').info('target set for node %s', 'n1')
    assert find_leaks(records.records, [SECRET, '', PASSWORD]) == []
    assert secret_free(None, [SECRET])
