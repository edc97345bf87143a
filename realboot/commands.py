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
"""
from __future__ import annotations

import os
import shlex
import subprocess
from typing import Mapping, Optional, Sequence

from realboot.errors import CommandFailed, CommandTimeout

#: Characters of a failing program's output kept in the error.
OUTPUT_KEPT = 600


def describe(argv: Sequence[str]) -> str:
    """The command as a shell would show it."""
    return shlex.join(argv)


def run(argv: Sequence[str], timeout: float = 60,
        env: Optional[Mapping[str, str]] = None) -> str:
    """Run ``argv``; return its standard output, raise if it fails.

    ``env`` adds to (does not replace) the environment. Standard input
    is empty, so nothing ever waits for a terminal.
    """
    full_env = dict(os.environ, **env) if env else None
    try:
        proc = subprocess.run(list(argv), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True,
                              timeout=timeout, env=full_env)
    except subprocess.TimeoutExpired:
        raise CommandTimeout(command=describe(argv), timeout=timeout)
    except OSError as exc:
        raise CommandFailed(command=describe(argv), code='-',
                            output=exc.strerror or str(exc))
    if proc.returncode != 0:
        output = ' '.join((proc.stdout + proc.stderr).split())
        raise CommandFailed(command=describe(argv), code=proc.returncode,
                            output=output[-OUTPUT_KEPT:])
    return proc.stdout
