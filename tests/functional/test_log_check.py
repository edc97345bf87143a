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

"""The log check catches what the libraries really log.

At DEBUG level proliantutils' RIS client (Gen9) and sushy's connector
(Gen10) log the bodies of the requests they send, the CHAP secret among
them. With the filters on those loggers taken away for the test (the
series' masking), the check of ``conftest.log_records`` must find exactly
those loggers; with them (the rest of the group), nothing.
"""
from __future__ import annotations

import contextlib
import logging

import pytest

from harness.logcheck import find_leaks, leaking_loggers

BODY_LOGGERS = {9: 'proliantutils.rest.v1', 10: 'sushy.connector'}


@contextlib.contextmanager
def _unfiltered(*names):
    """The loggers without their filters; the series installs its filter
    again on every call that sends a secret, so adding one is a no-op
    meanwhile."""
    saved = [(logging.getLogger(n), list(logging.getLogger(n).filters))
             for n in names]
    for logger, filters in saved:
        for log_filter in filters:
            logger.removeFilter(log_filter)
        logger.addFilter = lambda log_filter: None
    try:
        yield
    finally:
        for logger, filters in saved:
            del logger.addFilter
            for log_filter in filters:
                logger.addFilter(log_filter)


@pytest.mark.parametrize('gen', (9, 10), ids=['gen9', 'gen10'])
def test_unmasked_request_bodies_are_caught(lab, log_records, gen):
    ilo = lab.ilo(gen)
    node = lab.enroll(ilo, volume=lab.volume(chap=True))
    with _unfiltered(*BODY_LOGGERS.values()):
        lab.run(node, lambda task:
                task.driver.management.set_iscsi_boot_target(task))
    leaks = find_leaks(log_records.records, lab.secrets)
    assert leaking_loggers(leaks) == [BODY_LOGGERS[gen]]
    assert {leak.secret_number for leak in leaks} == {
        lab.secrets.index(node.volume.chap_secret) + 1}
    log_records.clear()  # shown; not the finding of this test's teardown
