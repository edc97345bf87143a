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

"""The benchmark: iLO round trips and wall time of the UEFI iSCSI boot path.

It drives ``prepare_instance`` and ``clean_up_instance`` of nodes that
boot from an iSCSI volume through emulated iLOs, once in the venv of
ironic 9.1.6 + this series and once in the venv of ironic 10.1.7 as
released, and compares the two.

* :mod:`benchmark.scenarios`: what is run (no ironic here);
* :mod:`benchmark.driver`: runs scenarios in one variant's venv (ironic
  through :mod:`harness`, proliantutils, emulated iLOs);
  ``python -m benchmark.variant`` is its command;
* :mod:`benchmark.remote`: the emulated iLOs in a process of their own;
* :mod:`benchmark.report`: medians, ratios, the checks and the tables
  (no ironic here);
* :mod:`benchmark.cli`: ``python -m benchmark``, both variants as child
  processes, then the report and the verdict (no ironic here).

Nothing is imported here, so that ``python -m benchmark.variant`` can
monkey patch with eventlet (``import ironic.cmd``) before anything else
runs.
"""
