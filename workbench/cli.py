"""``./wb``: the workbench's command line.

Set WB_TRACEBACK=1 to see the traceback behind an error.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from workbench import base, git, lint, series, suite, tree, venv
from workbench.errors import WorkbenchError
from workbench.paths import ROOT, Paths


def _paths(args: argparse.Namespace) -> Paths:
    defaults = Paths()
    return Paths(patches=args.patches or defaults.patches,
                 port=args.port or defaults.port,
                 build=args.build_dir or defaults.build,
                 cache=args.cache_dir or defaults.cache)


def _base(args: argparse.Namespace) -> base.Base:
    return base.known_base(args.base_version, args.sha256)


def _sdist(args: argparse.Namespace, paths: Paths) -> Path:
    return base.fetch(_base(args), paths.cache, args.sdist)


def do_build(args: argparse.Namespace, paths: Paths) -> int:
    """Fetch, build the tree, make the venv; say what was done."""
    start = time.monotonic()
    sdist = _sdist(args, paths)
    built = tree.build(sdist, paths, args.base_version, force=args.force,
                       with_series=not args.no_series,
                       rebuild=args.command == "reset")
    print("tree: %s %s" % (paths.tree, "built" if built else "up to date"))
    if not args.no_venv:
        installed = venv.ensure(paths)
        print("venv: %s %s" % (paths.venv,
                               "installed" if installed else "up to date"))
        if built or installed:
            venv.install_tree(paths, args.base_version)
    print("build: %.1f s" % (time.monotonic() - start))
    return 0


def do_export(args: argparse.Namespace, paths: Paths) -> int:
    """Write the tree's commits after ``port`` back as the series."""
    names = series.export(paths.tree, tree.PORT_TAG, paths.patches)
    sdist_sha = _base(args).sha256
    tree.write_stamp(paths.tree, tree.inputs_digest(sdist_sha, paths, True),
                     args.base_version)
    print("exported %d patches to %s" % (len(names), paths.patches))
    for name in names:
        print("  " + name)
    return 0


def do_check(args: argparse.Namespace, paths: Paths) -> int:
    """Prove the series applies to the pristine base."""
    count = tree.check_pristine(_sdist(args, paths), paths,
                                args.base_version)
    print("series: %d patches apply to pristine ironic %s"
          % (count, args.base_version))
    return 0


def _lint(paths: Paths, checks: suite.Result) -> None:
    """Run the style checks on the series, counting each as a check."""
    for name, findings in lint.run_all(paths, paths.tree,
                                       tree.PORT_TAG).items():
        print("%s: %s" % (name, "%d findings" % len(findings)
                          if findings else "clean"))
        for finding in findings:
            print("  " + finding)
        if findings:
            checks.failed += 1
            checks.failing.append("%s: %d findings" % (name, len(findings)))
        else:
            checks.passed += 1


def do_lint(args: argparse.Namespace, paths: Paths) -> int:
    """flake8, doc8, reno lint and Sphinx on what the series changes."""
    checks = suite.Result("lint")
    _lint(paths, checks)
    return 1 if checks.failed else 0


def do_status(args: argparse.Namespace, paths: Paths) -> int:
    """Print the state of the built tree."""
    print("\n".join(tree.status(paths)))
    return 0


def do_reset(args: argparse.Namespace, paths: Paths) -> int:
    """Rebuild the tree from the exported series, discarding local work."""
    args.force = True
    return do_build(args, paths)


def _worktree(paths: Paths, rev: str, name: str) -> Path:
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
        worktree = _worktree(paths, commit, "ironic-each")
        # A module the series adds later does not exist yet: skip it.
        present = [f for f in filters if f in EACH_PATCH_TESTS or
                   (worktree / (f.replace(".", "/") + ".py")).is_file()]
        result = suite.run_unit_suite(paths, worktree,
                                      "patch %d alone" % number,
                                      filters=present)
        print(result.line(), flush=True)
        if result.failed or not result.passed:
            checks.failed += 1
            checks.failing.append("patch %d alone: %s" % (
                number, ", ".join(result.failing) or "no test ran"))
        else:
            checks.passed += 1


def do_each(args: argparse.Namespace, paths: Paths) -> int:
    """Prove each patch passes the tests on its own."""
    checks = suite.Result("each patch")
    check_each_patch(paths, checks)
    print(checks.line())
    return 1 if checks.failed else 0


def demo_command(paths: Paths,
                 args: Optional[argparse.Namespace] = None) -> List[str]:
    """How ``./wb demo`` runs the demo: the venv's python, ``-m demo``,
    and the real-boot options given to ``./wb demo``.

    >>> demo_command(Paths(build=Path('/b')))
    ['/b/venv/bin/python', '-m', 'demo']
    >>> demo_command(Paths(build=Path('/b')), argparse.Namespace(
    ...     boot=True, boot_generation=9, boot_interface=None,
    ...     boot_chap=False, boot_timeout=None))[3:]
    ['--boot', '--boot-generation', '9', '--no-boot-chap']
    """
    command = [str(venv.bin_path(paths, "python")), "-m", "demo"]
    if args is None:
        return command
    if getattr(args, "boot", False):
        command.append("--boot")
    for name in ("generation", "interface", "timeout"):
        value = getattr(args, "boot_" + name, None)
        if value is not None:
            command += ["--boot-" + name, "%g" % value
                        if isinstance(value, float) else str(value)]
    if getattr(args, "boot_chap", None) is False:
        command.append("--no-boot-chap")
    return command


def do_demo(args: argparse.Namespace, paths: Paths) -> int:
    """Build, then drive the series against emulated Gen9 and Gen10 iLOs."""
    do_build(args, paths)
    command = demo_command(paths, args)
    if not Path(command[0]).is_file():
        raise WorkbenchError("no virtualenv at %s: the demo runs in it "
                             "(build without --no-venv)" % paths.venv)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    print("demo: %s" % " ".join(command), flush=True)
    # Ctrl-C reaches the demo too (same process group); it stops its VM,
    # tgtd and iLOs and exits. Wait for that instead of killing it.
    with subprocess.Popen(command, cwd=ROOT, env=env) as process:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                continue


def do_test(args: argparse.Namespace, paths: Paths) -> int:
    """Build, then run every test group and the checks."""
    if not args.no_build:
        do_build(args, paths)
    results: List[suite.Result] = []
    checks = suite.Result("checks")
    do_check(args, paths)
    checks.passed += 1
    _lint(paths, checks)
    results.append(suite.run_pytest(
        paths, "project", ["tests/unit", "workbench", "benchmark"], ROOT))
    print(results[-1].line(), flush=True)
    if not args.no_functional:
        results.append(suite.run_pytest(
            paths, "functional", ["tests/functional"], ROOT))
        print(results[-1].line(), flush=True)
    if not args.no_realboot:
        results.append(suite.run_pytest(
            paths, "realboot", ["tests/realboot"], ROOT))
        print(results[-1].line(), flush=True)
    if not args.no_unit:
        patched = suite.run_unit_suite(paths, paths.tree,
                                       "ironic unit suite (patched)")
        results.append(patched)
        print(patched.line(), flush=True)
        if not args.no_gate:
            unpatched = suite.run_unit_suite(
                paths, _worktree(paths, tree.PORT_TAG, "ironic-port"),
                "ironic unit suite (base+port)")
            print(unpatched.line(), flush=True)
            new = sorted(set(patched.failing) - set(unpatched.failing))
            gone = sorted(set(unpatched.failing) - set(patched.failing))
            print("regression gate: %d failing on base+port, %d on "
                  "base+port+series, new: %s, fixed: %s" % (
                      len(unpatched.failing), len(patched.failing),
                      new or "none", gone or "none"))
            if new or gone:
                checks.failed += 1
                checks.failing.append("regression gate")
            else:
                checks.passed += 1
        if not args.no_each:
            check_each_patch(paths, checks)
    results.append(checks)
    for result in results:
        for failing in result.failing:
            print("FAILED [%s] %s" % (result.name, failing))
    print(suite.total_line(results))
    return 1 if any(r.failed for r in results) else 0


UPSTREAM_VERSION = "10.1.7"


def upstream_paths(paths: Paths, build_dir: Optional[Path] = None) -> Paths:
    """Where ``./wb bench`` builds upstream ironic (no series).

    >>> upstream_paths(Paths(build=Path('/b'))).venv
    PosixPath('/b/upstream/venv')
    """
    return dataclasses.replace(paths, build=build_dir or
                               paths.build / "upstream")


def bench_command(python: Path, variant: str, out: Path,
                  args: argparse.Namespace) -> List[str]:
    """How one variant's benchmark runs: in its venv, ``-m benchmark``.

    >>> ns = argparse.Namespace(quick=True, runs=None, only='')
    >>> bench_command(Path('/v/python'), 'series', Path('/o.json'), ns)
    ... # doctest: +NORMALIZE_WHITESPACE
    ['/v/python', '-W', 'ignore', '-m', 'benchmark', '--variant', 'series',
     '--out', '/o.json', '--runs', '2', '--nodes', '1', '10']
    """
    command = [str(python), "-W", "ignore", "-m", "benchmark", "--variant",
               variant, "--out", str(out)]
    runs = args.runs or (2 if args.quick else None)
    if runs:
        command += ["--runs", str(runs)]
    if args.quick:
        command += ["--nodes", "1", "10"]
    if args.only:
        command += ["--only", args.only]
    return command


def do_bench(args: argparse.Namespace, paths: Paths) -> int:
    """Benchmark the series against upstream ironic on emulated iLOs."""
    from benchmark import report
    load_before = os.getloadavg()
    series_python = venv.bin_path(paths, "python")
    if not series_python.is_file():
        raise WorkbenchError("no virtualenv at %s: run ./wb build first"
                             % paths.venv)
    upstream = upstream_paths(paths, args.upstream_dir)
    sdist = base.fetch(base.known_base(UPSTREAM_VERSION), paths.cache)
    if tree.build(sdist, upstream, UPSTREAM_VERSION, with_series=False) | \
            venv.ensure(upstream):
        venv.install_tree(upstream, UPSTREAM_VERSION)
    out = args.out or paths.build / "reports" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    data = {}
    for variant, python in (("series", series_python),
                            ("upstream", venv.bin_path(upstream, "python"))):
        part = out.with_name("%s.%s.json" % (out.stem, variant))
        command = bench_command(python, variant, part, args)
        if args.report_only and part.is_file():
            command = []
        print("bench: %s" % (" ".join(command) or "results of " + str(part)),
              flush=True)
        if command and subprocess.run(command, cwd=ROOT,
                                      env=env).returncode != 0:
            raise WorkbenchError("the %s benchmark failed" % variant)
        data[variant] = json.loads(part.read_text())
    load = os.getloadavg()
    meta = {"load_before_and_after": [list(load_before), list(load)],
            "cpus": os.cpu_count()}
    if args.report_only and out.is_file():  # the load of the runs
        meta = json.loads(out.read_text()).get("meta", meta)
        load_before, load = meta["load_before_and_after"]
    result = report.build(data["series"], data["upstream"], meta)
    out.write_text(json.dumps(result, indent=1))
    print(report.render(result))
    print("load average (1/5/15 min) before %s, after %s; %d CPUs"
          % (" ".join("%.2f" % x for x in load_before),
             " ".join("%.2f" % x for x in load), os.cpu_count() or 0))
    print("json: %s" % out)
    return 0 if result["ok"] else 1


COMMANDS = {
    "build": (do_build, "fetch the base, build the patched tree and venv"),
    "export": (do_export, "write the tree's commits back to patches/"),
    "check": (do_check, "prove the series applies to the pristine base"),
    "lint": (do_lint, "flake8, doc8, reno and Sphinx on the series"),
    "each": (do_each, "run the touched tests at every patch alone"),
    "status": (do_status, "show the built tree and unexported work"),
    "reset": (do_reset, "rebuild the tree from patches/, dropping edits"),
    "test": (do_test, "build, then run all tests and checks"),
    "demo": (do_demo, "build, then boot from a volume via emulated iLOs"),
    "bench": (do_bench, "iLO requests and time: series vs upstream 10.1.7"),
}


def parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command a job."""
    top = argparse.ArgumentParser(prog="wb", description=__doc__)
    top.add_argument("--build-dir", type=Path)
    top.add_argument("--cache-dir", type=Path)
    top.add_argument("--patches", type=Path, help="the series folder")
    top.add_argument("--port", type=Path, help="the runtime port folder")
    top.add_argument("--base-version", default=base.DEFAULT_VERSION)
    top.add_argument("--sha256", help="expected sha256 of the sdist")
    top.add_argument("--sdist", type=Path, help="use this local sdist")
    subs = top.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub = subs.add_parser(name, help=help_text)
        if name in ("build", "reset", "test", "demo"):
            sub.add_argument("--force", action="store_true",
                             help="rebuild even over local work")
            sub.add_argument("--no-series", action="store_true",
                             help="base and port only")
            sub.add_argument("--no-venv", action="store_true",
                             help="do not create or update the venv")
        if name == "demo":
            sub.add_argument("--boot", action="store_true",
                             help="end with a qemu VM booting through "
                             "ironic from a real iSCSI LUN (installs "
                             "Debian packages)")
            sub.add_argument("--boot-generation", type=int, choices=(9, 10),
                             help="its emulated server (default 10)")
            sub.add_argument("--boot-interface",
                             choices=("ilo-pxe", "ilo-virtual-media"),
                             help="default: ilo-pxe on Gen10, "
                             "ilo-virtual-media on Gen9")
            sub.add_argument("--no-boot-chap", dest="boot_chap",
                             action="store_false", default=None,
                             help="no CHAP on the target and the volume")
            sub.add_argument("--boot-timeout", type=float,
                             metavar="SECONDS", help="power-on to the "
                             "marker (default 150)")
        if name == "test":
            sub.add_argument("--no-build", action="store_true")
            sub.add_argument("--no-unit", action="store_true",
                             help="skip the ironic unit suite")
            sub.add_argument("--no-functional", action="store_true",
                             help="skip the functional tests (iLO emulator)")
            sub.add_argument("--no-realboot", action="store_true",
                             help="skip the real-boot tests (qemu VMs "
                             "booting from a real iSCSI target; they "
                             "install the Debian packages they need)")
            sub.add_argument("--no-gate", action="store_true",
                             help="skip the base+port comparison run")
            sub.add_argument("--no-each", action="store_true",
                             help="skip the tests of each patch alone")
        if name == "bench":
            sub.add_argument("--quick", action="store_true",
                             help="2 runs, N = 1 and 10 only (development)")
            sub.add_argument("--runs", type=int, help="runs per scenario")
            sub.add_argument("--only", default="",
                             help="scenarios whose key contains this")
            sub.add_argument("--out", type=Path, help="the JSON report")
            sub.add_argument("--upstream-dir", type=Path,
                             help="build folder of upstream ironic")
            sub.add_argument("--report-only", action="store_true",
                             help="no runs: report the last results again")
    return top


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; an error is one line on stderr and exit 1."""
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command][0](args, _paths(args))
    except WorkbenchError as error:
        if os.environ.get("WB_TRACEBACK"):
            raise
        print("wb: error: %s" % error, file=sys.stderr)
        return 1
