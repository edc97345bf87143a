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

"""The Python 3.11 runtime port: a mechanical layer under the series.

It is applied as one commit (tagged ``port``) between the pristine base
and the series, only so that the tests run on Python 3.11; it is never
exported with the series. It consists of:

* the identifier ``async`` (a keyword since Python 3.7) renamed to
  ``async_`` in every Python file, by a tokenize-based rewrite of NAME
  tokens only, so strings such as ``'async'`` dict keys stay;
* the small diffs in ``port/patches/`` (applied with ``git apply``); a
  base whose files differ has its own folder ``port/patches/<version>/``,
  used instead of the top-level diffs;
* a ``.stestr.conf`` for the unit suite (the base only has .testr.conf).
"""
from __future__ import annotations

import io
import tokenize
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from workbench import git
from workbench.errors import WorkbenchError

KEYWORD = "async"
REPLACEMENT = "async_"
STESTR_CONF = "[DEFAULT]\ntest_path=./ironic/tests/unit\ntop_dir=./\n"


def rename_identifier(source: str, old: str = KEYWORD,
                      new: str = REPLACEMENT) -> Tuple[str, int]:
    """Rename NAME tokens ``old`` to ``new``; strings and comments stay.

    >>> rename_identifier("def f(async=True):\\n    x = 'async'\\n")
    ("def f(async_=True):\\n    x = 'async'\\n", 1)
    """
    readline = io.StringIO(source).readline
    hits = [tok.start for tok in tokenize.generate_tokens(readline)
            if tok.type == tokenize.NAME and tok.string == old]
    lines = source.splitlines(keepends=True)
    for row, col in reversed(hits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old):]
    return "".join(lines), len(hits)


def rename_tree(tree: Path) -> Dict[str, int]:
    """Apply :func:`rename_identifier` to every .py file under ``tree``.

    :returns: renamed files (relative paths) and their counts.
    """
    changed = {}
    for path in sorted(tree.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if KEYWORD not in source:
            continue
        new, count = rename_identifier(source)
        if count:
            path.write_text(new, encoding="utf-8")
            changed[str(path.relative_to(tree))] = count
    return changed


def port_patches(port_dir: Path, version: Optional[str] = None
                 ) -> List[Path]:
    """The port's own diffs for base ``version``, in name order.

    ``port/patches/<version>/`` when that folder exists, else the diffs
    directly in ``port/patches/`` (those of the default base).
    """
    folder = port_dir / "patches"
    if version and (folder / version).is_dir():
        folder = folder / version
    return sorted(folder.glob("*.patch"))


def apply_port(tree: Path, port_dir: Path,
               version: Optional[str] = None) -> Dict[str, int]:
    """Apply the whole port layer to the work tree (not committed).

    :raises: WorkbenchError when a port diff does not apply.
    :returns: the renamed files and their counts.
    """
    renamed = rename_tree(tree)
    for patch in port_patches(port_dir, version):
        proc = git.git(tree, "apply", str(patch.resolve()), check=False)
        if proc.returncode != 0:
            raise WorkbenchError("port diff %s does not apply: %s"
                                 % (patch.name, proc.stderr.strip()))
    (tree / ".stestr.conf").write_text(STESTR_CONF)
    return renamed


def commit_message(renamed: Dict[str, int], port_dir: Path,
                   version: Optional[str] = None) -> str:
    """The port commit's message: what it did, file by file."""
    lines = ["Python 3.11 runtime port (workbench layer, never exported)",
             "", "Renamed identifier %r -> %r:" % (KEYWORD, REPLACEMENT)]
    lines += ["  %s (%d)" % item for item in sorted(renamed.items())]
    lines += ["", "Port diffs:"]
    lines += ["  %s" % p.name for p in port_patches(port_dir, version)]
    lines += ["", "Added .stestr.conf for the unit suite."]
    return "\n".join(lines) + "\n"
