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

"""Emulated iLOs in a process of their own, driven over a pipe.

An iLO is another machine: its work (TLS, JSON, firmware bookkeeping)
must not take the CPU of the conductor being measured. ``python -m
benchmark.remote`` runs fleets with plain threads and answers one JSON
line per request line on stdin; :class:`RemoteFleet` is the conductor's
side. Only request counts by HTTP method and counts of POSTs leave the
emulator process.

>>> Server().handle({'op': 'nothing'})
{'error': "unknown op 'nothing'"}
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, IO, List, Optional, Sequence, Tuple

from harness.requests import method_counts

NAME = 'benchmark.remote'


class Server:
    """The emulator side: one fleet at a time."""

    def __init__(self) -> None:
        self.fleet: Any = None
        self._boots: Dict[str, int] = {}

    def handle(self, message: Dict[str, Any]) -> Dict[str, Any]:
        """Do what ``message['op']`` asks; the answer (or an error)."""
        op = message.pop('op', None)
        handler = getattr(self, 'op_%s' % op, None)
        if handler is None:
            return {'error': 'unknown op %r' % op}
        try:
            return {'ok': handler(**message)}
        except Exception as exc:  # reported to the caller, not fatal here
            return {'error': '%s: %s' % (type(exc).__name__, exc)}

    def op_start(self, pki: str, first_address: str) -> str:
        from iloemu import IloFleet
        self.fleet = IloFleet(Path(pki), first_address=first_address).start()
        return str(self.fleet.ca_file)

    def op_add(self, generation: int, password: str, macs: Sequence[str],
               initiator_name: str, latency: float,
               firmware: str = 'lenient', power: str = 'On') -> List[str]:
        from iloemu import FaultPlan, NicSpec
        ilo = self.fleet.add(
            generation=generation, password=password, power=power,
            nics=tuple(NicSpec(mac) for mac in macs),
            initiator_name=initiator_name, firmware=firmware,
            faults=FaultPlan(latency=latency))
        return list(ilo.client_args())

    def op_clear(self) -> None:
        for ilo in self.fleet:
            ilo.log.clear()
            self._boots[ilo.address] = len(ilo.state().boots)

    def op_posts(self) -> Dict[str, int]:
        """POSTs (server starts) of each iLO since the last clear."""
        return {ilo.address: len(ilo.state().boots)
                - self._boots.get(ilo.address, 0) for ilo in self.fleet}

    def op_counts(self) -> Dict[str, int]:
        return method_counts(record for ilo in self.fleet
                             for record in ilo.log.records)

    def op_run_instance(self) -> None:
        """What the conductor does between the two steps, outside the boot
        interface: power on (the instance boots: a POST to its end), and
        the tear down's power off before ``clean_up_instance``."""
        import time
        started = [ilo for ilo in self.fleet
                   if ilo.backend.snapshot().power == 'Off']
        for ilo in started:
            ilo.backend.power('On')
        if started:
            time.sleep(max(ilo.spec.post_seconds[1] for ilo in started))
        for ilo in self.fleet:
            ilo.backend.snapshot()  # the POST moves on to the present
            ilo.backend.power('ForceOff')

    def op_close(self) -> None:
        fleet, self.fleet = self.fleet, None
        self._boots = {}
        if fleet is not None:
            fleet.close()


def serve(stdin: IO[str], stdout: IO[str]) -> None:
    """Answer request lines until stdin closes."""
    server = Server()
    try:
        for line in stdin:
            stdout.write(json.dumps(server.handle(json.loads(line))) + '\n')
            stdout.flush()
    finally:
        server.op_close()


class RemoteError(Exception):
    """The emulator process failed to do what it was asked."""


class RemoteFleet:
    """The conductor's side: a fleet in the emulator process."""

    def __init__(self, python: str = sys.executable) -> None:
        self._proc = subprocess.Popen(
            [python, '-m', NAME], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env=dict(os.environ))

    def call(self, op: str, **args: Any) -> Any:
        """Send one request, wait for its answer."""
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(json.dumps(dict(args, op=op)) + '\n')
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RemoteError('the emulator process ended')
        answer = json.loads(line)
        if 'error' in answer:
            raise RemoteError(answer['error'])
        return answer['ok']

    def start(self, pki: Path, first_address: str) -> Path:
        """A new fleet; the CA file its iLOs' certificates chain to."""
        return Path(self.call('start', pki=str(pki),
                              first_address=first_address))

    def add(self, generation: int, password: str, macs: Sequence[str],
            initiator_name: str, latency: float, firmware: str = 'lenient',
            power: str = 'On') -> Tuple[str, str, str]:
        """A new iLO on the ``firmware`` model, server ``power``; its
        (address, login, password)."""
        return tuple(self.call(  # type: ignore[return-value]
            'add', generation=generation, password=password,
            macs=list(macs), initiator_name=initiator_name,
            latency=latency, firmware=firmware, power=power))

    def clear(self) -> None:
        """Forget every iLO's request log."""
        self.call('clear')

    def counts(self) -> Dict[str, int]:
        """Requests by HTTP method, all iLOs of the fleet together."""
        return self.call('counts')

    def posts(self) -> Dict[str, int]:
        """POSTs each iLO's server ran since the last clear, by address."""
        return self.call('posts')

    def run_instance(self) -> None:
        """Every server boots and is powered off again (not counted)."""
        self.call('run_instance')

    def stop_fleet(self) -> None:
        """Stop the fleet (the process stays for the next one)."""
        self.call('close')

    def close(self, timeout: Optional[float] = 30) -> None:
        """End the emulator process."""
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait(timeout=timeout)


if __name__ == '__main__':
    serve(sys.stdin, sys.stdout)
