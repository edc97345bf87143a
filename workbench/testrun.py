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
"""``./wb test``: the test groups and checks, in order, as steps.

Groups, in the order they run (``--only`` picks some, ``--no-GROUP``
leaves one out):

* ``check``: the series applies to the pristine base;
* ``lint``: the gate's style checks on the series;
* ``project``: this project's own tests and doctests (pytest);
* ``functional``: patched ironic + proliantutils + emulated iLOs, run
  twice: step ``functional`` on the emulator's strict firmware model,
  step ``functional-lenient`` on its lenient one (both must pass);
* ``hwci``: hardware mode (tests/hwci) against emulated iLOs started as
  a separate process and reached only through a targets file; their
  state after the run must equal their state before it
  (:mod:`workbench.hwci`);
* ``realboot``: qemu VMs boot through the patched ironic;
* ``services``: RabbitMQ, Cinder, ironic's API and conductor started
  once, a node deployed from a Cinder volume with the ``openstack`` CLI:
  step ``services`` runs the scenarios concurrently (pytest-xdist);
  at the same time step ``services-serial`` runs those marked
  ``serial`` (they stop and start services) one at a time, on a set of
  services of their own;
* ``unit``: ironic's unit suite on the patched tree (stestr);
* ``gate``: the same suite on base + port, failing sets compared;
* ``each``: the touched tests at every patch alone.
"""
from __future__ import annotations

import concurrent.futures
import resource
import shutil
import time
from pathlib import Path
from typing import Callable, List, Optional

from workbench import children, git, hwci, lint, steps, suite, tree
from workbench.errors import WorkbenchError
from workbench.paths import Paths
from workbench.venv import bin_path

GROUPS = ("check", "lint", "project", "functional", "hwci", "realboot",
          "services", "unit", "gate", "each")
# Groups that need the Debian packages of bindep.txt.
NEEDS_DEPS = ("realboot", "services")
# Folders of this project's own tests and packages (doctests).
PROJECT_TARGETS = ("tests/unit", "workbench", "iloemu", "realboot",
                   "harness", "hwci", "demo", "benchmark", "services")
# The steps of the functional group: one per emulator firmware model.
FUNCTIONAL_STEPS = (("functional", "strict"),
                    ("functional-lenient", "lenient"))


# pytest-xdist workers of the services group's concurrent step: its
# scenarios mostly wait (the CLI polls a deploy every 10 s), so more
# workers than the 2 cores.
SERVICES_WORKERS = 4
# The folder (under build/) of the serial step's own set of services.
OUTAGE_SERVICES = "services-outage"


def parse_groups(text: str) -> List[str]:
    """The groups of ``--only a,b``, checked.

    >>> parse_groups('unit, functional')
    ['unit', 'functional']
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in GROUPS]
    if unknown or not names:
        raise WorkbenchError("--only %s: groups are %s" % (
            text, ", ".join(GROUPS)))
    return names


def selected(only: str, left_out: List[str]) -> List[str]:
    """The groups to run, in their order.

    >>> selected('', ['realboot', 'services', 'each'])
    ['check', 'lint', 'project', 'functional', 'hwci', 'unit', 'gate']
    >>> selected('unit,check', [])
    ['check', 'unit']
    """
    wanted = parse_groups(only) if only else GROUPS
    return [name for name in GROUPS if name in wanted and
            name not in left_out]


def lint_checks(paths: Paths, checks: suite.Result,
                only: str = "") -> None:
    """Run the style checks on the series, counting each as a check."""
    for name, findings in lint.run_all(paths, paths.tree, tree.PORT_TAG,
                                       only=only).items():
        print("%s: %s" % (name, "%d findings" % len(findings)
                          if findings else "clean"), flush=True)
        for finding in findings:
            print("  " + finding)
        if findings:
            checks.failed += 1
            checks.failing.append("%s: %d findings" % (name, len(findings)))
        else:
            checks.passed += 1


def worktree(paths: Paths, rev: str, name: str) -> Path:
    """A detached work tree of ``rev`` beside the built tree."""
    path = paths.build / name
    if path.exists():
        shutil.rmtree(path)
    git.git(paths.tree, "worktree", "prune")
    git.git(paths.tree, "worktree", "add", "-q", "--detach", str(path), rev)
    return path


# Tests every patch must pass on its own, besides the test modules the
# series touches.
EACH_PATCH_TESTS = ("ironic.tests.unit.drivers.modules.ilo",)


def check_each_patch(paths: Paths, checks: suite.Result) -> None:
    """Run, at every patch of the series, the tests the series touches."""
    changed = git.out(paths.tree, "diff", "--name-only",
                      "%s..HEAD" % tree.PORT_TAG).split()
    filters = sorted(set(EACH_PATCH_TESTS) |
                     set(suite.touched_test_modules(changed)))
    commits = git.commits(paths.tree, "%s..HEAD" % tree.PORT_TAG)
    for number, commit in enumerate(commits, 1):
        path = worktree(paths, commit, "ironic-each")
        # A module the series adds later does not exist yet: skip it.
        present = [f for f in filters if f in EACH_PATCH_TESTS or
                   (path / (f.replace(".", "/") + ".py")).is_file()]
        result = suite.run_unit_suite(paths, path,
                                      "patch %d alone" % number,
                                      filters=present,
                                      step="each-%02d" % number)
        print(result.line(), flush=True)
        if result.failed or not result.passed:
            checks.failed += 1
            checks.failing.append("patch %d alone: %s (log: %s)" % (
                number, ", ".join(result.failing) or "no test ran",
                result.log))
        else:
            checks.passed += 1


def build_patched_tgtd(paths: Paths, root: Path,
                       checks: suite.Result) -> None:
    """Build tgtd with ``tgt/patches`` under build/tgt (cached by a stamp).

    The real-boot group serves its LUNs with it: the UEFI firmware's
    initiator offers SHA-256 CHAP, which Debian's tgtd misreads.
    """
    run = steps.run("tgtbuild", [bin_path(paths, "python"), "-m",
                                 "realboot.tgtbuild"],
                    reports=paths.reports, cwd=root, where=str(paths.venv),
                    waiting="the patched tgtd")
    if run.returncode:
        checks.failed += 1
        checks.failing.append("the patched tgtd did not build (log: %s)"
                              % run.log)
    else:
        checks.passed += 1


def children_cpu() -> float:
    """CPU seconds of this process's ended children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def outage_folder(paths: Paths) -> Path:
    """The folder of step ``services-serial``'s own set of services
    (its ``$SERVICES_DIR``), apart from the one of step ``services``.

    >>> outage_folder(Paths(build=Path('/b')))
    PosixPath('/b/services-outage')
    """
    return paths.build / OUTAGE_SERVICES


def logged_up_seconds(supervisor_log: Path) -> Optional[float]:
    """The seconds ``python -m services up`` took, from its log.

    >>> import tempfile
    >>> log = Path(tempfile.mkdtemp()) / 'supervisor.log'
    >>> logged_up_seconds(log) is None
    True
    >>> _ = log.write_text('[services] up in 18.7 s on 127.1.2.1: ...\\n')
    >>> logged_up_seconds(log)
    18.7
    """
    try:
        lines = supervisor_log.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return None
    found = [s for s in map(children.up_seconds, lines) if s is not None]
    return found[-1] if found else None


def run_services(paths: Paths, root: Path) -> List[suite.Result]:
    """The services group: two pytest steps at once, each on its own set
    of services. Step ``services`` runs the scenarios not marked
    ``serial`` concurrently (pytest-xdist) on the set started here; step
    ``services-serial`` runs those marked ``serial``, which stop and
    start services on purpose, one at a time on a set of their own
    (:func:`outage_folder`), which its pytest starts and stops. The
    group's wall and CPU seconds are printed at the end (per scenario
    figures: the end of ``services.log`` and ``services-serial.log``).
    """
    start, cpu = time.monotonic(), children_cpu()
    outage = outage_folder(paths)
    print("[services] start: python -m services up --die-with-parent "
          "(log: %s); step services-serial starts its own set in %s" % (
              paths.reports / "services-up.log", outage), flush=True)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        serial = pool.submit(suite.run_pytest, paths, "services-serial",
                             ["tests/services"], root, ("-m", "serial"),
                             env={"SERVICES_DIR": str(outage)})
        with children.services_running(paths, root, paths.reports /
                                       "services-up.log") as up:
            results = [suite.run_pytest(
                paths, "services", ["tests/services"], root,
                ("-n", str(SERVICES_WORKERS), "-m", "not serial"))]
            print(results[-1].line(), flush=True)
        results.append(serial.result())
        print(results[-1].line(), flush=True)
    outage_up = logged_up_seconds(outage / "logs" / "supervisor.log")
    print("[services] group: %.1f s wall (services up in %s, the serial "
          "step's in %s), %.0f CPU s (services, pytest, the CLI)" % (
              time.monotonic() - start,
              "%.1f s" % up if up is not None else "- (did not start)",
              "%.1f s" % outage_up if outage_up is not None else "-",
              children_cpu() - cpu), flush=True)
    return results


def run(paths: Paths, groups: List[str],
        check: Callable[[], None], root: Path) -> int:
    """Run ``groups``; print each result, the failures and the total.

    :param check: the ``check`` group (it needs the sdist).
    :returns: the exit code, 1 if anything failed.
    """
    results: List[suite.Result] = []
    checks = suite.Result("checks")
    if "check" in groups:
        print("[check] start: the series on pristine ironic, no port",
              flush=True)
        check()
        checks.passed += 1
    if "lint" in groups:
        print("[lint] start: flake8, doc8, reno lint, Sphinx on the lines "
              "the series adds", flush=True)
        lint_checks(paths, checks)
    targets = [t for t in PROJECT_TARGETS if (root / t).is_dir()]
    pytest_steps = [("project", "project", targets, ())]
    pytest_steps += [("functional", step, ["tests/functional"],
                      ("--iloemu-firmware", model))
                     for step, model in FUNCTIONAL_STEPS]
    pytest_steps += [("hwci", "hwci", ["tests/hwci"], ()),
                     ("realboot", "realboot", ["tests/realboot"], ()),
                     ("services", "services", ["tests/services"], ())]
    tgtd_built = False
    for group, name, folders, extra in pytest_steps:
        # realboot and services serve LUNs with the patched tgtd (built
        # once, cached).
        if group in groups and group in ("realboot", "services") \
                and not tgtd_built:
            build_patched_tgtd(paths, root, checks)
            tgtd_built = True
        if group == "hwci" and group in groups:
            # Its own emulator process and targets file around pytest.
            results.append(hwci.run_group(paths, root, checks))
            print(results[-1].line(), flush=True)
        elif group == "services" and group in groups:
            results += run_services(paths, root)
        elif group in groups:
            results.append(suite.run_pytest(paths, name, folders, root,
                                            extra))
            print(results[-1].line(), flush=True)
    patched = None
    if "unit" in groups or "gate" in groups:
        patched = suite.run_unit_suite(paths, paths.tree,
                                       "ironic unit suite (patched)")
        results.append(patched)
        print(patched.line(), flush=True)
    if "gate" in groups:
        unpatched = suite.run_unit_suite(
            paths, worktree(paths, tree.PORT_TAG, "ironic-port"),
            "ironic unit suite (base+port)", step="gate")
        print(unpatched.line(), flush=True)
        new = sorted(set(patched.failing) - set(unpatched.failing))
        gone = sorted(set(unpatched.failing) - set(patched.failing))
        print("regression gate: %d failing on base+port, %d on "
              "base+port+series, new: %s, fixed: %s" % (
                  len(unpatched.failing), len(patched.failing),
                  new or "none", gone or "none"), flush=True)
        if new or gone:
            checks.failed += 1
            checks.failing.append("regression gate (logs: %s, %s)"
                                  % (patched.log, unpatched.log))
        else:
            checks.passed += 1
    if "each" in groups:
        check_each_patch(paths, checks)
    results.append(checks)
    for result in results:
        if result.failed and result.log:
            print("FAILED [%s] see %s" % (result.name, result.log))
        for failing in result.failing:
            print("FAILED [%s] %s" % (result.name, failing))
    print(suite.total_line(results))
    return 1 if any(r.failed for r in results) else 0
