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
"""Issue 12, part 2: steps say what runs, show progress, keep a log."""
from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest

from workbench import cli, steps, suite, testrun

# A slow step: results come out, then it waits on its stdin until the
# test closes it (no sleeps, no timing).
SLOW = ("import sys\n"
        "for i in range(3):\n"
        "    print('{%d} t.T.test_%d [0.1s] ... ok' % (i % 2, i),"
        " flush=True)\n"
        "sys.stdin.read()\n"
        "print('done')\n")


def test_a_slow_step_prints_progress_and_keeps_its_log(tmp_path, capsys,
                                                       monkeypatch):
    real_wait = subprocess.Popen.wait
    waits = []

    def wait(self, timeout=None):
        """Time out twice (the step is "slow"), then let it finish."""
        waits.append(timeout)
        if len(waits) <= 2:
            while steps_seen() < 3:  # the results are out
                pass
            raise subprocess.TimeoutExpired(self.args, timeout)
        self.stdin.close()
        return real_wait(self)

    seen = []

    def counter(line):
        seen.append(line)
        return steps.stestr_results(line)

    def steps_seen():
        return sum(steps.stestr_results(line) for line in list(seen))
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        return real_popen(*args, stdin=subprocess.PIPE, **kwargs)
    monkeypatch.setattr(steps.subprocess.Popen, "wait", wait)
    monkeypatch.setattr(steps.subprocess, "Popen", popen)
    script = tmp_path / "slow.py"
    script.write_text(SLOW)
    run = steps.run("unit", [sys.executable, script],
                    reports=tmp_path, where="/b/venv", counter=counter,
                    interval=0.01)
    out = capsys.readouterr().out.splitlines()
    log = tmp_path / "unit.log"
    assert out[0] == "[unit] start: %s %s in /b/venv (log: %s)" % (
        sys.executable, script, log)
    assert waits[:2] == [0.01, 0.01]
    progress = out[1:]
    assert len(progress) == 2
    assert all(line.startswith("[unit] ") and
               line.endswith(": 3 tests done") for line in progress)
    assert run.returncode == 0 and run.counted == 3
    assert (tmp_path / "unit.log").read_text().endswith("... ok\ndone\n")
    assert steps.current == {}


def test_progress_without_a_counter_says_what_it_waits_for(tmp_path,
                                                           capsys,
                                                           monkeypatch):
    calls = []
    real_wait = subprocess.Popen.wait

    def wait(self, timeout=None):
        calls.append(timeout)
        if len(calls) == 1:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return real_wait(self)
    monkeypatch.setattr(steps.subprocess.Popen, "wait", wait)
    steps.run("deps", [sys.executable, "-c", "pass"], reports=tmp_path,
              waiting="waiting for apt-get", interval=0.01)
    assert capsys.readouterr().out.splitlines()[1].endswith(
        ": waiting for apt-get")


def test_ctrl_c_names_the_step_it_stopped(ws, capsys, monkeypatch):
    def wait(self, timeout=None):
        if timeout == 0.5:
            raise KeyboardInterrupt
        return 0

    def build(args, paths):
        steps.run("venv-tree", [sys.executable, "-c", "pass"],
                  reports=paths.reports, interval=0.5)
    monkeypatch.setattr(steps.subprocess.Popen, "wait", wait)
    monkeypatch.setattr(cli, "do_build", build)
    monkeypatch.setitem(cli.COMMANDS, "build", (build, ""))
    assert ws.wb("build") == 130
    err = capsys.readouterr().err
    assert err == ("wb: interrupted during step venv-tree (its output so "
                   "far: %s)\n" % (ws.build / "reports" / "venv-tree.log"))


def _fake_results(monkeypatch, failing=(), models=None):
    ran = []
    models = [] if models is None else models

    def run_pytest(paths, name, targets, cwd, extra=(), env=None):
        ran.append(name)
        if name.startswith("functional"):
            models.append(list(extra))
        failed = name in failing
        return suite.Result(name, passed=3, failed=int(failed), skipped=1,
                            failing=["t::x"] if failed else [],
                            log=str(paths.reports / (name + ".log")))

    def run_unit_suite(paths, tree, name, step="unit", **kwargs):
        ran.append(step)
        return suite.Result(name, passed=10, log="u.log")
    monkeypatch.setattr(suite, "run_pytest", run_pytest)
    monkeypatch.setattr(suite, "run_unit_suite", run_unit_suite)
    monkeypatch.setattr(testrun, "worktree", lambda *a: None)
    monkeypatch.setattr(testrun, "build_patched_tgtd",
                        lambda paths, root, checks: ran.append("tgtbuild"))
    monkeypatch.setattr(testrun.hwci, "run_group",
                        lambda paths, root, checks: run_pytest(
                            paths, "hwci", ["tests/hwci"], root))

    @contextlib.contextmanager
    def services_running(paths, cwd, log_path):
        ran.append("services up")
        yield 20.5
        ran.append("services down")
    monkeypatch.setattr(testrun.children, "services_running",
                        services_running)
    return ran


def test_only_selects_groups_and_the_last_line_is_the_total(ws, capsys,
                                                            monkeypatch):
    ran = _fake_results(monkeypatch)
    assert ws.wb("test", "--no-build", "--only", "unit,functional") == 0
    assert ran == ["functional", "functional-lenient", "unit"]
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "16 passed, 0 failed, 2 skipped"


def test_functional_runs_once_per_firmware_model(ws, capsys, monkeypatch):
    models = []
    _fake_results(monkeypatch, models=models)
    assert ws.wb("test", "--no-build", "--only", "functional") == 0
    assert models == [["--iloemu-firmware", "strict"],
                      ["--iloemu-firmware", "lenient"]]


def test_a_failed_group_names_its_log(ws, capsys, monkeypatch):
    _fake_results(monkeypatch, failing=("functional",))
    assert ws.wb("test", "--no-build", "--only", "functional") == 1
    out = capsys.readouterr().out.splitlines()
    assert "FAILED [functional] see %s" % (
        ws.build / "reports" / "functional.log") in out
    assert out[-1] == "6 passed, 1 failed, 2 skipped"


def test_no_group_options_leave_groups_out(ws, monkeypatch, capsys):
    ran = _fake_results(monkeypatch)
    monkeypatch.setattr(testrun, "lint_checks", lambda *a: ran.append("l"))
    assert ws.wb("test", "--no-build", "--no-check", "--no-realboot",
                 "--no-each", "--no-gate") == 0
    # services-serial runs in a thread, next to the other step.
    ran.remove("services-serial")
    assert ran == ["l", "project", "functional", "functional-lenient",
                   "hwci", "tgtbuild", "services up", "services",
                   "services down", "unit"]


def test_services_runs_the_serial_tests_on_their_own_services(
        ws, monkeypatch, capsys):
    """The concurrent step on the group's set of services, with xdist;
    the serial step at the same time, on a set of its own."""
    ran = _fake_results(monkeypatch)
    steps_run = {}
    monkeypatch.setattr(cli.deps, "ensure", lambda *a, **k: 0)
    monkeypatch.setattr(suite, "run_pytest", lambda paths, name, targets,
                        cwd, extra=(), env=None: steps_run.update(
                            {name: (list(extra), env)}) or
                        suite.Result(name, passed=1))
    assert ws.wb("test", "--no-build", "--only", "services") == 0
    assert ran == ["tgtbuild", "services up", "services down"]
    assert steps_run == {
        "services": (["-n", "4", "-m", "not serial"], None),
        "services-serial": (["-m", "serial"], {
            "SERVICES_DIR": str(ws.build / "services-outage")})}
    out = capsys.readouterr().out
    assert "[services] group: " in out and "services up in 20.5 s" in out


def test_unknown_group_is_one_line(ws, capsys):
    assert ws.wb("test", "--no-build", "--only", "pep8") == 1
    assert "groups are check, lint" in capsys.readouterr().err


@pytest.mark.parametrize("groups, deps_run", [("unit", False),
                                              ("realboot", True),
                                              ("services", True)])
def test_test_installs_debian_packages_only_for_groups_that_need_them(
        ws, monkeypatch, groups, deps_run):
    _fake_results(monkeypatch)
    calls = []
    monkeypatch.setattr(cli.deps, "ensure", lambda *a, **k: calls.append(a))
    assert ws.wb("test", "--no-build", "--only", groups) == 0
    assert bool(calls) is deps_run


def test_the_realboot_group_builds_the_patched_tgtd_first(ws, monkeypatch):
    ran = _fake_results(monkeypatch)
    monkeypatch.setattr(cli.deps, "ensure", lambda *a, **k: 0)
    assert ws.wb("test", "--no-build", "--only", "project,realboot") == 0
    assert ran == ["project", "tgtbuild", "realboot"]


def test_a_missing_program_is_one_line(ws, capsys):
    # No venv: lint's tools are not there.
    assert ws.wb("build", "--no-venv") == 0
    assert ws.wb("lint", "--only", "reno lint") == 1
    err = capsys.readouterr().err
    assert err.startswith("wb: error: step lint-reno cannot start ")
    assert "No such file or directory" in err and "Traceback" not in err
