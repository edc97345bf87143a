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

"""harness: drives ironic as its conductor runs it, in this process.

Used by the demo, the benchmark and the test groups (tests/functional,
tests/realboot); it sits above the emulated iLOs (iloemu) and below them.

* :mod:`harness.config`: the folders and the ``ironic.conf`` of one
  in-process conductor;
* :mod:`harness.database`: its SQLite database, made by ``ironic-dbsync``;
* :mod:`harness.conductor`: both, loaded as the conductor loads them;
  the admin context, the exclusive lock of a step, node reads;
* :mod:`harness.web`: the web server of ``[deploy]http_url``;
* :mod:`harness.nodes`: enrolling a node with its ports, ``iqn``
  connector and boot volume; the one maker of CHAP secrets and iLO
  passwords;
* :mod:`harness.steps`: the steps of a deploy and tear down, by name;
* :mod:`harness.provision`: deploy and tear down through ironic's own
  conductor manager (validation, attach/detach through a stubbed Cinder
  API, the state machine), takeover, adoption;
* :mod:`harness.lab`: emulated iLOs and nodes for one test or the demo,
  every secret remembered;
* :mod:`harness.requests`: iLO requests counted by HTTP method;
* :mod:`harness.logcheck`: every log record caught, and the ones that
  give a secret away found.

Importing the package imports neither ironic nor proliantutils; for the
conductor's concurrency model import ``ironic.cmd`` first (eventlet
monkey patching, what the conductor's entry point does).
"""
