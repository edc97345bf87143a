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


"""services.install: one set of services at a time installs."""
from __future__ import annotations

import threading

from services import install
from services.layout import Layout


def test_exclusive_makes_a_second_set_wait(tmp_path):
    layout = Layout(tmp_path / 'services', build=tmp_path)
    said, order = [], []

    def second() -> None:
        with install.exclusive(layout, said.append):
            order.append('second')

    with install.exclusive(layout, said.append):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        order.append('first')
    thread.join(10)
    assert order == ['first', 'second']
    assert said[0] == "[services] waiting for another set's installs " \
        "(%s)" % (tmp_path / 'services-install.lock')
    assert said[1].startswith("[services] waited ")
