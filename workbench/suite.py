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

"""Running test groups and adding up what they report."""
from __future__ import annotations

import dataclasses
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from workbench import steps
from workbench.paths import Paths
from workbench.venv import bin_path


@dataclasses.dataclass
class Result:
    """What one test group reported."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    excluded: int = 0
    seconds: float = 0.0
    failing: List[str] = dataclasses.field(default_factory=list)
    log: str = ""

    def line(self) -> str:
        """One summary line.

        >>> Result('x', 3, 1, 2, 0, 1.5).line()
        'x: 3 passed, 1 failed, 2 skipped, 0 excluded (1.5 s)'
        """
        return "%s: %d passed, %d failed, %d skipped, %d excluded (%.1f s)" % (
            self.name, self.passed, self.failed, self.skipped,
            self.excluded, self.seconds)


def total_line(results: Sequence[Result]) -> str:
    """The closing line CI reads.

    >>> total_line([Result('a', 2, 0, 1), Result('b', 5, 1, 0)])
    '7 passed, 1 failed, 1 skipped'
    """
    return "%d passed, %d failed, %d skipped" % (
        sum(r.passed for r in results), sum(r.failed for r in results),
        sum(r.skipped for r in results))


def read_exclusions(path: Path) -> List[str]:
    """Test id patterns of the exclusion file (``pattern  # reason``).

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / 'x'
    >>> _ = f.write_text('# header\\nfoo.bar  # needs py2\\n\\n')
    >>> read_exclusions(f)
    ['foo.bar']
    """
    if not path.is_file():
        return []
    patterns = [line.split("#", 1)[0].strip()
                for line in path.read_text().splitlines()]
    return [p for p in patterns if p]


_TOTAL = re.compile(r"^ - (Passed|Failed|Skipped): (\d+)$", re.M)


def parse_stestr(output: str) -> dict:
    """Counts from stestr's closing totals.

    >>> parse_stestr(' - Passed: 5\\n - Skipped: 1\\n - Failed: 0\\n')
    {'passed': 5, 'skipped': 1, 'failed': 0}
    """
    return {key.lower(): int(n) for key, n in _TOTAL.findall(output)}


def run_unit_suite(paths: Paths, tree: Path, name: str,
                   concurrency: int = 2,
                   filters: Sequence[str] = (),
                   step: str = "unit") -> Result:
    """Run the ironic unit suite of ``tree`` with stestr, as a step.

    :param filters: test id regexes to run; all tests when empty.
    :param step: the step's name (and its log's).
    """
    stestr = str(bin_path(paths, "stestr"))
    patterns = read_exclusions(paths.exclusions)
    args = [stestr, "run", "--concurrency", str(concurrency), *filters]
    excluded = 0
    if patterns:
        args += ["--exclude-regex", "|".join(patterns)]
        listed = subprocess.run([stestr, "list", *filters], cwd=tree,
                                capture_output=True, text=True).stdout
        excluded = sum(1 for test_id in listed.split()
                       if any(re.search(p, test_id) for p in patterns))
    run = steps.run(step, args, reports=paths.reports, cwd=tree,
                    where="%s, tree %s" % (paths.venv, tree),
                    counter=steps.stestr_results)
    result = Result(name, excluded=excluded, seconds=run.seconds,
                    log=str(run.log), **parse_stestr(run.output))
    if run.returncode != 0:
        failing = subprocess.run([stestr, "failing", "--list"], cwd=tree,
                                 capture_output=True, text=True).stdout
        result.failing = sorted(failing.split())
        if not result.failed:
            # Discovery or import errors: nothing ran, say so.
            result.failed = max(1, len(result.failing))
            result.failing = result.failing or [
                "stestr run failed: " + run.output[-2000:]]
    return result


def touched_test_modules(names: Sequence[str]) -> List[str]:
    """Test module ids among changed file names.

    >>> touched_test_modules(['ironic/tests/unit/common/test_x.py',
    ...                       'ironic/common/x.py', 'doc/a.rst'])
    ['ironic.tests.unit.common.test_x']
    """
    return sorted(name[:-3].replace("/", ".") for name in names
                  if name.startswith("ironic/tests/")
                  and name.rsplit("/", 1)[-1].startswith("test_")
                  and name.endswith(".py"))


def run_pytest(paths: Paths, name: str, targets: Sequence[str],
               cwd: Path, extra: Sequence[str] = (),
               env: Optional[Dict[str, str]] = None) -> Result:
    """Run pytest on ``targets`` in the venv, as step ``name``.

    Counts come from its JUnit XML.

    :param env: variables added to the environment of pytest.
    """
    report = paths.reports / (name + ".xml")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    run = steps.run(name, [bin_path(paths, "python"), "-m", "pytest", "-v",
                           "-p", "no:cacheprovider", "--junitxml",
                           str(report), *extra, *targets],
                    reports=paths.reports, cwd=cwd, where=str(paths.venv),
                    env=env, counter=steps.pytest_results)
    result = Result(name, seconds=run.seconds, log=str(run.log))
    if not report.is_file():
        result.failed = 1
        result.failing = ["pytest did not run: " + run.output[-2000:]]
        return result
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = "%s::%s" % (case.get("classname"), case.get("name"))
        if case.find("skipped") is not None:
            result.skipped += 1
        elif case.find("failure") is not None or \
                case.find("error") is not None:
            result.failed += 1
            result.failing.append(test_id)
        else:
            result.passed += 1
    return result
