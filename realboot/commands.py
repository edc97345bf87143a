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

"""Running the helper programs: always with a timeout, failures raised.

>>> run(['true'])
''
>>> run(['sh', '-c', 'echo out; echo err >&2; exit 3'])
Traceback (most recent call last):
...
realboot.errors.CommandFailed: sh -c 'echo out; echo err >&2; exit 3' \
failed (exit 3): out err
>>> describe(['tgtadm', '--op', 'show'])
'tgtadm --op show'
>>> run(['sh', '-c', 'echo no $0; exit 1', 'Secret-1'], secrets=['Secret-1'])
Traceback (most recent call last):
...
realboot.errors.CommandFailed: sh -c 'echo no $0; exit 1' ****** failed \
(exit 1): no ******
"""
from __future__ import annotations

import ctypes
import os
import shlex
import signal
import subprocess
from typing import Mapping, Optional, Sequence

from realboot.errors import CommandFailed, CommandTimeout

#: Characters of a failing program's output kept in the error.
OUTPUT_KEPT = 600
_PR_SET_PDEATHSIG = 1
#: What a secret is written as in an error.
MASK = '******'


def describe(argv: Sequence[str]) -> str:
    """The command as a shell would show it."""
    return shlex.join(argv)


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Have the kernel send ``signum`` to this process when its parent
    dies; if the parent is already gone, send it now.

    In a child before ``exec`` (``preexec_fn``): for daemons started from
    the main thread (Linux sends the signal when the thread that forked
    the child ends), so that a test run killed hard leaves no tgtd
    behind. The services' supervisor asks for SIGTERM, to stop in order.
    """
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_PDEATHSIG)')
    if os.getppid() != parent:
        os.kill(os.getpid(), signum)


def mask(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every one of ``secrets`` written as ``******``.

    >>> mask('set password Secret-12345', ['Secret-12345', ''])
    'set password ******'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def run(argv: Sequence[str], timeout: float = 60,
        env: Optional[Mapping[str, str]] = None,
        secrets: Sequence[str] = ()) -> str:
    """Run ``argv``; return its standard output, raise if it fails.

    ``env`` adds to (does not replace) the environment. Standard input
    is empty, so nothing ever waits for a terminal. ``secrets`` (a CHAP
    secret on the command line, for instance) never appear in an error.
    """
    full_env = dict(os.environ, **env) if env else None
    try:
        proc = subprocess.run(list(argv), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True,
                              timeout=timeout, env=full_env)
    except subprocess.TimeoutExpired:
        raise CommandTimeout(command=mask(describe(argv), secrets),
                             timeout=timeout) from None
    except OSError as exc:
        raise CommandFailed(command=mask(describe(argv), secrets), code='-',
                            output=exc.strerror or str(exc)) from None
    if proc.returncode != 0:
        output = ' '.join((proc.stdout + proc.stderr).split())
        raise CommandFailed(command=mask(describe(argv), secrets),
                            code=proc.returncode,
                            output=mask(output, secrets)[-OUTPUT_KEPT:])
    return proc.stdout
