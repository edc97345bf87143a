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

"""``./wb``: the workbench's command line.

Set WB_TRACEBACK=1 to see the traceback behind an error.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Tuple

from workbench import base, children, deps, lock, steps, testrun, tree, venv
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
    print("[tree] start: ironic %s%s in %s" % (
        args.base_version, "" if args.no_series else " + the series",
        paths.tree), flush=True)
    sdist = _sdist(args, paths)
    built = tree.build(sdist, paths, args.base_version, force=args.force,
                       with_series=not args.no_series,
                       rebuild=args.command == "reset")
    print("tree: %s %s" % (paths.tree, "built" if built else "up to date"),
          flush=True)
    if not args.no_venv:
        installed = venv.ensure(paths, args.base_version)
        print("venv: %s %s" % (paths.venv,
                               "installed" if installed else "up to date"),
              flush=True)
    print("build: %.1f s" % (time.monotonic() - start), flush=True)
    return 0


def do_reset(args: argparse.Namespace, paths: Paths) -> int:
    """Rebuild the tree from patches/; local work only with --force."""
    return do_build(args, paths)


def do_export(args: argparse.Namespace, paths: Paths) -> int:
    """Write the tree's commits after ``port`` back as the series."""
    problem = tree.export_problem(paths)
    if problem:
        raise WorkbenchError(problem)
    names = tree.series.export(paths.tree, tree.PORT_TAG, paths.patches)
    tree.write_stamp(paths.tree, tree.inputs_digest(_base(args).sha256,
                                                    paths, True),
                     args.base_version, paths, with_series=True)
    print("exported %d patches to %s" % (len(names), paths.patches))
    for name in names:
        print("  " + name)
    return 0


def do_check(args: argparse.Namespace, paths: Paths) -> int:
    """Prove the series applies to the pristine base."""
    count = tree.check_pristine(_sdist(args, paths), paths,
                                args.base_version)
    print("series: %d patches apply to pristine ironic %s"
          % (count, args.base_version), flush=True)
    return 0


def do_lint(args: argparse.Namespace, paths: Paths) -> int:
    """flake8, doc8, reno lint and Sphinx on what the series changes."""
    checks = testrun.suite.Result("lint")
    testrun.lint_checks(paths, checks, args.only)
    return 1 if checks.failed else 0


def do_status(args: argparse.Namespace, paths: Paths) -> int:
    """Print the state of the built tree."""
    print("\n".join(tree.status(paths)))
    return 0


def do_each(args: argparse.Namespace, paths: Paths) -> int:
    """Prove each patch passes the tests on its own."""
    checks = testrun.suite.Result("each patch")
    testrun.check_each_patch(paths, checks)
    print(checks.line())
    return 1 if checks.failed else 0


def do_deps(args: argparse.Namespace, paths: Paths) -> int:
    """Install the missing Debian packages of bindep.txt."""
    return deps.ensure(ROOT / "bindep.txt", paths.reports, required=True)


def do_test(args: argparse.Namespace, paths: Paths) -> int:
    """Build, then run the selected test groups and the checks."""
    left_out = [name for name in testrun.GROUPS
                if getattr(args, "no_" + name, False)]
    groups = testrun.selected(args.only, left_out)
    if not args.no_deps and any(g in testrun.NEEDS_DEPS for g in groups):
        deps.ensure(ROOT / "bindep.txt", paths.reports)
    if not args.no_build:
        do_build(args, paths)
    return testrun.run(paths, groups, lambda: do_check(args, paths), ROOT)


def _need_venv(paths: Paths) -> None:
    if not venv.bin_path(paths, "python").is_file():
        raise WorkbenchError("no virtualenv at %s: it runs there (build "
                             "without --no-venv)" % paths.venv)


def do_demo(args: argparse.Namespace, paths: Paths) -> int:
    """Install deps, build, then run ``python -m demo ARGS`` in the venv."""
    if not args.no_deps:
        deps.ensure(ROOT / "bindep.txt", paths.reports)
    do_build(args, paths)
    _need_venv(paths)
    return children.run(children.demo_command(paths, args.child_args), ROOT)


def do_services(args: argparse.Namespace, paths: Paths) -> int:
    """``python -m services ARGS`` in the venv (up, down, status)."""
    _need_venv(paths)
    return children.run(children.services_command(paths, args.child_args),
                        ROOT)


def upstream_paths(paths: Paths, build_dir: Optional[Path] = None) -> Paths:
    """Where ``./wb bench`` builds upstream ironic (no series).

    >>> upstream_paths(Paths(build=Path('/b'))).venv
    PosixPath('/b/upstream/venv')
    """
    return dataclasses.replace(paths, build=build_dir or
                               paths.build / "upstream")


def do_bench(args: argparse.Namespace, paths: Paths) -> int:
    """Build both variants, then run ``python -m benchmark ARGS``."""
    do_build(args, paths)
    _need_venv(paths)
    upstream = upstream_paths(paths, args.upstream_dir)
    version = children.UPSTREAM_VERSION
    print("[upstream] start: ironic %s, no series, in %s"
          % (version, upstream.tree), flush=True)
    sdist = base.fetch(base.known_base(version), paths.cache)
    tree.build(sdist, upstream, version, with_series=False)
    venv.ensure(upstream, version)
    return children.run(children.bench_command(paths, upstream,
                                               args.child_args), ROOT)


Command = Callable[[argparse.Namespace, Paths], int]
COMMANDS: Dict[str, Tuple[Command, str]] = {
    "build": (do_build, "fetch the base, build the patched tree and venv"),
    "export": (do_export, "write the tree's commits back to patches/"),
    "check": (do_check, "prove the series applies to the pristine base"),
    "lint": (do_lint, "flake8, doc8, reno and Sphinx on the series"),
    "each": (do_each, "run the touched tests at every patch alone"),
    "status": (do_status, "show the built tree and unexported work"),
    "reset": (do_reset, "rebuild the tree from patches/ (local work: "
              "refused, or dropped with --force)"),
    "test": (do_test, "build, then run all tests and checks"),
    "demo": (do_demo, "build, then run python -m demo with the other "
             "arguments"),
    "bench": (do_bench, "build both variants, then run python -m "
              "benchmark with the other arguments"),
    "services": (do_services, "real RabbitMQ, Cinder and ironic services: "
                 "python -m services up|down|status|stop-one|start-one"),
    "deps": (do_deps, "install the missing Debian packages of bindep.txt"),
}
# Commands that write the build folder: one at a time.
LOCKED = ("build", "reset", "export", "lint", "each", "test", "demo",
          "bench")
# Commands whose unknown arguments go to their child's own parser.
CHILDREN = ("demo", "bench", "services")


def _add_build_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--force", action="store_true",
                     help="rebuild even over local work, discarding it")
    sub.add_argument("--no-series", action="store_true",
                     help="base and port only")
    sub.add_argument("--no-venv", action="store_true",
                     help="do not create or update the venv")


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
    top.add_argument("--no-wait", action="store_true",
                     help="fail instead of waiting while another ./wb "
                     "uses the build folder")
    subs = top.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub = subs.add_parser(
            name, help=help_text, description=help_text,
            allow_abbrev=name not in CHILDREN, epilog="Every other "
            "argument goes to python -m %s (./wb %s -- --help lists them)"
            % ({"bench": "benchmark"}.get(name, name), name)
            if name in CHILDREN else None)
        if name in LOCKED:
            sub.add_argument("--no-wait", action="store_true",
                             default=argparse.SUPPRESS,
                             help="fail instead of waiting for the lock")
        if name in ("build", "reset", "test", "demo", "bench"):
            _add_build_options(sub)
        if name in ("test", "demo"):
            sub.add_argument("--no-deps", action="store_true",
                             help="do not install the Debian packages of "
                             "bindep.txt first")
        if name == "lint":
            sub.add_argument("--only", default="",
                             choices=("",) + testrun.lint.CHECKS,
                             help="run this check only")
        if name == "test":
            sub.add_argument("--no-build", action="store_true")
            sub.add_argument("--only", default="", metavar="GROUP[,GROUP]",
                             help="run only these groups: %s"
                             % ", ".join(testrun.GROUPS))
            for group in testrun.GROUPS:
                sub.add_argument("--no-" + group, action="store_true",
                                 help="leave out the %s group" % group)
        if name == "bench":
            sub.add_argument("--upstream-dir", type=Path,
                             help="build folder of upstream ironic")
    return top


def _run(args: argparse.Namespace, paths: Paths,
         argv: Sequence[str]) -> int:
    command = COMMANDS[args.command][0]
    if args.command not in LOCKED:
        return command(args, paths)
    with lock.build_lock(paths.build, ["wb", *argv],
                         wait=not args.no_wait):
        # What a killed fetch left; only under the lock, as a running
        # fetch's folder looks the same.
        base.clean_leftovers(paths.cache)
        return command(args, paths)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; an error is one line on stderr and exit 1."""
    argv = list(sys.argv[1:] if argv is None else argv)
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra and args.command not in CHILDREN:
        top.error("unrecognized arguments: %s" % " ".join(extra))
    if "--" in extra:
        extra.remove("--")
    args.child_args = extra
    try:
        return _run(args, _paths(args), argv)
    except WorkbenchError as error:
        if os.environ.get("WB_TRACEBACK"):
            raise
        print("wb: error: %s" % error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(steps.interrupted(), file=sys.stderr)
        return 130
