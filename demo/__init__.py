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

``./wb demo`` (``python -m demo``, :mod:`demo.cli`) deploys a Gen9 and a
Gen10 server from Cinder volumes with the ``openstack`` CLI through the
real services (:mod:`services`: Cinder, ironic's API and conductor);
qemu VMs behind the emulated iLOs boot the volumes with their firmware's
own iSCSI initiator; the undeploy must leave nothing.

``./wb demo --in-process`` (:mod:`demo.main`) is the walk-through
through ironic's task manager in the demo's process: it enrolls a node
on an emulated iLO 4 (Gen9) and iLO 5 (Gen10), attaches an iSCSI boot
volume, runs the boot interface's ``prepare_instance``, powers the
server on and runs ``clean_up_instance``, printing after each step what
each iLO holds and how many requests the step cost.

* ``cli``: the CLI demo (services, emulated iLOs with VMs, commands).
* ``console``: a VM's console as shown (the marker, the tail).
* ``report``: the readable lines the demo prints (no ironic needed).
* ``steps``: the scenarios, what each step must do, the verdict (no
  ironic needed).
* ``run``: a scenario's node enrolled, introduced and its steps run
  through ironic (:mod:`harness`) and checked.
* ``boot``: ``--in-process --boot``, the real boot (:mod:`realboot`).
* ``main``: the in-process options and run: ironic, emulated iLOs, the
  steps.

The in-process parts drive ironic through :mod:`harness` (config,
database, enrollment, steps, the log check), as the benchmark and the
test groups drive it; :mod:`demo.cli` imports no ironic at all.

Importing the package imports neither ironic nor proliantutils.
"""
