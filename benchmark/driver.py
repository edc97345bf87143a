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

"""Runs the scenarios in one variant's venv: ironic, proliantutils, iLOs.

As ``ironic-conductor`` does, the process is monkey patched by eventlet
(``import ironic.cmd``, done by ``python -m benchmark.variant`` first),
and the steps run through a fixed-size ``futurist.GreenThreadPoolExecutor``, as
``ConductorManager._spawn_worker`` runs them. Each node has an emulated
iLO of its own, made new for every run (so every run starts from the same
state: server off, no iSCSI target, proliantutils without a client), on
a /24 of the benchmark's block of loopback addresses per scenario
(:mod:`iloemu.addresses`), with the scenario's latency added to every
answer. The iLOs
run in a process of their own (:mod:`benchmark.remote`), as iLOs are
other machines: their CPU time is not the conductor's.

Per run and step: the wall time from submitting the step of every node to
the last one finishing (``seconds``), the time of each node's boot
interface call inside its task (``calls``, without the lock), the CPU
time the conductor process spent (``cpu``),
the iLO requests by HTTP method (from the emulators' request logs, all
nodes together), the errors, which proliantutils call made each request
(``trace``, :mod:`benchmark.trace`), the seconds of each node's POST
cycle (``cycle_seconds``) and the POSTs each server ran (``posts``, from
the emulators).
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import futurist

from harness import conductor, nodes
from harness.config import Layout
from harness.web import WebServer
from iloemu import addresses
from iloemu.testing import forget_clients

from benchmark import report, trace
from benchmark.remote import RemoteFleet
from benchmark.scenarios import STEPS, Scenario

#: Traces which proliantutils call made each request (this process).
TRACER = trace.Tracer()
#: ``[ilo]post_cycle_poll_interval`` of the series' POST cycle (default
#: 5 s): the emulated POST reaches discovery after 0.3 s where a real one
#: takes minutes, so the polls are scaled down alike.
POST_POLL_SECONDS = 0.5


def scale_post_polls() -> bool:
    """Set :data:`POST_POLL_SECONDS` where ironic has the option
    (upstream 10.1.7 has no POST cycle); whether it was set."""
    from oslo_config import cfg
    try:
        cfg.CONF.set_override('post_cycle_poll_interval',
                              POST_POLL_SECONDS, 'ilo')
    except cfg.NoSuchOptError:
        return False
    return True


def first_address(index: int) -> str:
    """Where the iLOs of scenario ``index`` start: a /24 of its own in
    the benchmark's block, from this process's one on."""
    return addresses.first('benchmark', os.getpid() + index)


def nic_macs(scenario: int, run: int, node: int) -> List[str]:
    """Two NIC MACs, unique for every node of every run.

    >>> nic_macs(1, 2, 300)
    ['9c:b6:01:02:02:58', '9c:b6:01:02:02:59']
    """
    base = node * 2
    return ['9c:b6:%02x:%02x:%02x:%02x' % (scenario % 256, run % 256,
                                           (base + i) // 256 % 256,
                                           (base + i) % 256)
            for i in range(2)]


def _add_node(context: Any, fleet: RemoteFleet, scenario: Scenario,
              macs: List[str], firmware: str) -> str:
    """An iLO and its node with a port on the first NIC and a boot volume.

    The server is off, as the deploy leaves it for ``prepare_instance``
    (the tear down powers it off before ``clean_up_instance`` too), and
    its firmware presents the IQN of the node's ``iqn`` volume connector, the
    one the volume is exported to: without that upstream's boot fails, as
    it leaves the initiator name as it is.
    """
    connector = nodes.unique(nodes.CONNECTOR_PREFIX + 'node-', 10)
    address, username, password = fleet.add(
        scenario.generation, nodes.ilo_password(), macs, connector,
        scenario.latency, firmware, power='Off')
    spec = nodes.NodeSpec(
        nodes.unique('benchmark-', 10), address, username, password,
        macs[:1], connector, scenario.boot_interface, 'uefi')
    volume = nodes.iscsi_volume(chap=scenario.chap)
    return nodes.enroll(context, spec, volume).uuid


def _step(context: Any, node_uuid: str, step: str) -> float:
    """One boot interface step under an exclusive lock, as a worker.

    :returns: the seconds the boot interface's step took, without taking
        and releasing the lock (ironic's own work, the same for any step).
    """
    with conductor.task(context, node_uuid, 'benchmark ' + step) as task:
        start = time.monotonic()
        getattr(task.driver.boot, step)(task)
        return time.monotonic() - start


def _error(future: Any) -> str:
    error = future.exception()
    return '' if error is None else '%s: %s' % (type(error).__name__, error)


def run_step(executor: futurist.Executor, context: Any,
             nodes: Sequence[str], fleet: RemoteFleet,
             step: str) -> Dict[str, Any]:
    """``step`` of every node through the pool; what it cost."""
    fleet.clear()
    TRACER.take()
    cpu, start = time.process_time(), time.monotonic()
    futures = [executor.submit(_step, context, node, step) for node in nodes]
    futurist.waiters.wait_for_all(futures)
    seconds = time.monotonic() - start
    cpu = time.process_time() - cpu
    errors = [text for text in map(_error, futures) if text]
    calls = [round(f.result(), 4) for f in futures if not f.exception()]
    traced = TRACER.take()
    return {'seconds': seconds, 'cpu': cpu, 'calls': calls,
            'requests': fleet.counts(), 'errors': errors,
            'trace': trace_sequences(traced),
            'cycle_seconds': [report.cycle_seconds(calls)
                              for calls in traced.values()],
            'posts': sorted(fleet.posts().values())}


def trace_sequences(calls: Dict[str, List[List[Any]]]) -> List[List[Any]]:
    """Each node's calls in order, nodes with the same calls counted once:
    ``[[nodes, [[call, raised, [[method, path], ...]], ...]], ...]``.

    >>> trace_sequences({'a': [['x', False, [['GET', '/1']], 0, 1]],
    ...                  'b': [['x', False, [['GET', '/1']], 2, 3]]})
    [[2, [['x', False, [['GET', '/1']]]]]]
    """
    counts: Dict[str, int] = {}
    for host_calls in calls.values():
        key = json.dumps([call[:3] for call in host_calls])
        counts[key] = counts.get(key, 0) + 1
    return [[count, json.loads(key)] for key, count in sorted(counts.items())]


def run_once(executor: futurist.Executor, context: Any, fleet: RemoteFleet,
             pki: Path, scenario: Scenario, index: int, run: int,
             firmware: str = 'lenient') -> Dict[str, Any]:
    """One run of ``scenario``: new iLOs and nodes, both steps, cleanup."""
    fleet.start(pki, first_address(index))
    nodes: List[str] = []
    try:
        for node in range(scenario.nodes):
            nodes.append(_add_node(context, fleet, scenario,
                                   nic_macs(index, run, node), firmware))
        result = {}
        for step in STEPS:
            if result:
                fleet.run_instance()
            result[step] = run_step(executor, context, nodes, fleet, step)
        return result
    finally:
        for node in nodes:
            conductor.destroy(context, node)
        try:
            forget_clients()  # Redfish logouts while the iLOs answer
        finally:
            fleet.stop_fleet()


@contextlib.contextmanager
def conductor_setup(workdir: Path) -> Iterator[Tuple[RemoteFleet, Path]]:
    """The emulator process, ironic configured once (config and DB) and
    a web server; yields the emulator and the PKI folder."""
    pki = workdir / 'pki'
    fleet = RemoteFleet()
    try:
        # Every fleet writes its CA to the same file: [ilo]ca_file.
        ca_file = fleet.start(pki, first_address(0))
        fleet.stop_fleet()
        layout = Layout(workdir / 'ironic')
        web = WebServer(layout)
        try:
            conductor.configure(layout, ca_file, web.url, debug=False,
                                power_wait=0)
            scale_post_polls()
            yield fleet, pki
        finally:
            web.stop()
    finally:
        fleet.close()


def run_all(scenarios: Sequence[Scenario], runs: int, pool_size: int,
            workdir: Path, progress: Callable[[str], None] = print,
            firmware: str = 'lenient') -> List[Dict[str, Any]]:
    """Every scenario ``runs`` times on the ``firmware`` model of the
    emulator; one result per scenario."""
    trace.install(TRACER)
    results = []
    executor = futurist.GreenThreadPoolExecutor(max_workers=pool_size)
    context = conductor.admin_context()
    try:
        with conductor_setup(workdir) as (fleet, pki):
            for index, scenario in enumerate(scenarios):
                done = [run_once(executor, context, fleet, pki, scenario,
                                 index, run, firmware)
                        for run in range(runs)]
                results.append({'scenario': scenario.to_dict(),
                                'runs': done})
                progress('%-32s %s' % (scenario.label, '  '.join(
                    '%s %.2fs %d req %d POST' % (
                        step.split('_')[0], r['seconds'],
                        sum(r['requests'].values()), sum(r['posts']))
                    for step, r in done[-1].items())))
    finally:
        executor.shutdown()
    return results
