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

"""The main job: the series driven for real against emulated iLOs.

``./wb demo`` (``python -m demo``) enrolls a node on an emulated iLO 4
(Gen9) and iLO 5 (Gen10), attaches an iSCSI boot volume, runs the boot
interface's ``prepare_instance``, powers the server on and runs
``clean_up_instance``, printing after each step what each iLO holds and
how many requests the step cost.

* ``report``: the readable lines the demo prints (no ironic needed).
* ``steps``: the scenarios, what each step must do, the verdict (no
  ironic needed).
* ``run``: a scenario's node enrolled, introduced and its steps run
  through ironic (:mod:`harness`) and checked.
* ``boot``: ``--boot``, the real boot (:mod:`realboot`).
* ``main``: the options and the run: ironic, emulated iLOs, the steps.

ironic is driven through :mod:`harness` (config, database, enrollment,
steps, the log check), as the benchmark and the test groups drive it.

Importing the package imports neither ironic nor proliantutils.
"""
