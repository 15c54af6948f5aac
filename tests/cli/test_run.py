"""``cpjobs run``: the real command in a subprocess, against the emulator.

The handlers live in ``tests/cli/targets/cli_targets.py``, put on
``PYTHONPATH`` as a user's own module would be.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from action_types.specs import LINT, LINT_TOML
from cpjobs import ActionTypeId, JobStatus, event_pattern
from cpjobs.testing import CodePipelineEmulator

from .conftest import command_env, run_cpjobs

TARGETS = Path(__file__).parent / "targets"
ACTION = "Build/Custom/cpjobs-cli/1"
PARTNER = "Deploy/ThirdParty/cpjobs-cli/1"
#: How long a test waits for something that should happen in a second or two.
PATIENCE = 60.0


def action_type(text: str) -> ActionTypeId:
    category, owner, provider, version = text.split("/")
    return ActionTypeId(
        category=category, owner=owner, provider=provider, version=version
    )


class Cli:
    """``cpjobs run`` against one emulator, with the handlers' log and gate files."""

    def __init__(self, emulator: CodePipelineEmulator, tmp_path: Path) -> None:
        self.emulator = emulator
        self.log = tmp_path / "handled.log"
        self.gate = tmp_path / "gate"
        self.processes: list[subprocess.Popen[str]] = []
        self.env = command_env(
            PYTHONPATH=str(TARGETS),
            CPJOBS_TEST_LOG=str(self.log),
            CPJOBS_TEST_GATE=str(self.gate),
            CPJOBS_TEST_ACTION=ACTION,
        )

    def argv(self, *args: str | Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "cpjobs",
            *map(str, args),
            "--endpoint-url",
            self.emulator.endpoint_url,
            "--region",
            self.emulator.region,
        ]

    def run(self, *args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        """Run ``cpjobs ARGS`` to its end."""
        return subprocess.run(
            self.argv(*args),
            capture_output=True,
            text=True,
            env={**self.env, **env},
            timeout=120,
            check=False,
        )

    def start(self, *args: str | Path) -> subprocess.Popen[str]:
        """Start ``cpjobs ARGS``; it is killed at the end of the test if still running."""
        process = subprocess.Popen(
            self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        self.processes.append(process)
        return process

    def lines(self, event: str) -> list[str]:
        """The job ids of the handlers' log lines for ``event``."""
        if not self.log.exists():
            return []
        return [
            line.split()[1]
            for line in self.log.read_text().splitlines()
            if line.startswith(f"{event} ")
        ]

    def healthy(self, health_file: Path, max_age: float) -> bool:
        """Whether ``cpjobs check`` finds ``health_file`` fresh."""
        checked = run_cpjobs(
            "check", "--health-file", health_file, "--max-age", str(max_age)
        )
        return checked.returncode == 0


@pytest.fixture
def cli(emulator: CodePipelineEmulator, tmp_path: Path) -> Iterator[Cli]:
    """A `Cli` with the test action types registered; kills what it started."""
    emulator.register_action_type(action_type(ACTION))
    emulator.register_action_type(action_type(PARTNER))
    cli = Cli(emulator, tmp_path)
    yield cli
    for process in cli.processes:
        if process.poll() is None:
            # Children run in process groups of their own: kill them first.
            for child in children(process.pid):
                os.kill(child, signal.SIGKILL)
            process.kill()
        process.communicate()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition()`` holds (a generous deadline only against hangs)."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


def statuses(emulator: CodePipelineEmulator, job_ids: list[str]) -> list[JobStatus]:
    return [emulator.job(job_id).status for job_id in job_ids]


def children(pid: int) -> set[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(child) for child in path.read_text().split()}


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for ``process``; its exit code and stderr."""
    _, stderr = process.communicate(timeout=PATIENCE)
    return process.returncode, stderr


class TestRunHandler:
    def test_handler_by_import_path(self, cli: Cli) -> None:
        """A handler named by import path works every queued job; --burst then exits 0.

        The flag takes no value: the target may follow it.
        """
        job_ids = [cli.emulator.enqueue_job(action_type(ACTION)) for _ in range(3)]

        result = cli.run("run", "--burst", "cli_targets:record", "--action", ACTION)

        assert (0, [JobStatus.SUCCEEDED] * 3, sorted(job_ids)) == (
            result.returncode,
            statuses(cli.emulator, job_ids),
            sorted(cli.lines("done")),
        )

    def test_console_script_imports_from_the_working_directory(self, cli: Cli) -> None:
        """``cpjobs run module:handler`` finds a module in the working directory.

        The console script, not ``python -m``, and no PYTHONPATH: as a user
        runs it next to their own module.
        """
        job_id = cli.emulator.enqueue_job(action_type(ACTION))
        script = Path(sys.executable).with_name("cpjobs")
        env = {key: value for key, value in cli.env.items() if key != "PYTHONPATH"}

        result = subprocess.run(
            [
                str(script),
                *cli.argv("run", "--burst", "cli_targets:record", "--action", ACTION)[
                    3:
                ],
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=TARGETS,
            timeout=120,
            check=False,
        )

        assert (0, [job_id]) == (result.returncode, cli.lines("done")), result.stderr

    def test_factory_builds_the_worker(self, cli: Cli) -> None:
        """A function given the client and the command's options builds the worker."""
        job_id = cli.emulator.enqueue_job(action_type(ACTION))

        result = cli.run("run", "cli_targets:build", "--burst")

        assert (0, [job_id]) == (result.returncode, cli.lines("done"))

    def test_options_come_from_the_environment(self, cli: Cli) -> None:
        """CPJOBS_TARGET, CPJOBS_ACTION and CPJOBS_BURST stand for the arguments."""
        job_id = cli.emulator.enqueue_job(action_type(ACTION))

        result = cli.run(
            "run",
            CPJOBS_TARGET="cli_targets:record",
            CPJOBS_ACTION=ACTION,
            CPJOBS_BURST="true",
        )

        assert (0, [job_id]) == (result.returncode, cli.lines("done"))

    def test_query_param_filters_jobs(self, cli: Cli) -> None:
        """--query-param KEY=VALUE polls only for jobs with that configuration."""
        queryable = action_type("Test/Custom/cpjobs-cli-query/1")
        cli.emulator.register_action_type(queryable, queryable_property="Project")
        wanted = cli.emulator.enqueue_job(queryable, configuration={"Project": "a"})
        other = cli.emulator.enqueue_job(queryable, configuration={"Project": "b"})

        result = cli.run(
            "run",
            "cli_targets:record",
            "--action",
            "Test/Custom/cpjobs-cli-query/1",
            "--query-param",
            "Project=a",
            "--burst",
        )

        assert (0, [wanted], JobStatus.QUEUED) == (
            result.returncode,
            cli.lines("done"),
            cli.emulator.job(other).status,
        )

    def test_third_party_tokens_from_a_file_are_never_logged(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """--client-tokens reads a JSON file; the tokens reach no log line, even at -vv."""
        job_id, client_id, token = cli.emulator.enqueue_third_party_job(
            action_type(PARTNER)
        )
        tokens = tmp_path / "tokens.json"
        tokens.write_text(json.dumps({client_id: token}))

        result = cli.run(
            "run",
            "cli_targets:record",
            "--action",
            PARTNER,
            "--client-tokens",
            tokens,
            "--burst",
            "-vv",
        )

        assert (0, JobStatus.SUCCEEDED, False) == (
            result.returncode,
            cli.emulator.job(job_id).status,
            token in result.stderr + result.stdout,
        )

    def test_third_party_tokens_from_the_environment(self, cli: Cli) -> None:
        """--client-tokens env:VARIABLE reads the JSON from that variable."""
        job_id, client_id, token = cli.emulator.enqueue_third_party_job(
            action_type(PARTNER)
        )

        result = cli.run(
            "run",
            "cli_targets:record",
            "--action",
            PARTNER,
            "--client-tokens",
            "env:PARTNER_TOKENS",
            "--burst",
            PARTNER_TOKENS=json.dumps({client_id: token}),
        )

        assert (0, JobStatus.SUCCEEDED) == (
            result.returncode,
            cli.emulator.job(job_id).status,
        )


class TestSpec:
    def test_runs_only_as_the_spec_says(self, cli: Cli, tmp_path: Path) -> None:
        """--spec: refused while the type is not registered, runs once it is."""
        spec = tmp_path / "lint.toml"
        spec.write_text(LINT_TOML, encoding="utf-8")
        run = ("run", "cli_targets:record", "--spec", spec, "--burst")

        missing = cli.run(*run)
        cli.run("action-type", "register", spec)
        job_id = cli.emulator.enqueue_job(
            LINT.action_type_id, configuration={"Project": "a"}
        )
        matching = cli.run(*run, "--query-param", "Project=a")

        assert (3, True, 0, [job_id]) == (
            missing.returncode,
            "not registered" in missing.stderr,
            matching.returncode,
            cli.lines("done"),
        )

    def test_a_different_definition_is_refused(self, cli: Cli, tmp_path: Path) -> None:
        """--spec with a definition other than the registered one: exit 3, naming it."""
        spec = tmp_path / "lint.toml"
        spec.write_text(LINT_TOML, encoding="utf-8")
        cli.run("action-type", "register", spec)
        spec.write_text(LINT_TOML.replace("The project to lint", "Another"))

        result = cli.run("run", "cli_targets:record", "--spec", spec)

        assert (3, True) == (
            result.returncode,
            "differs from the spec" in result.stderr and "description" in result.stderr,
        )


class TestWakeup:
    def test_the_idle_worker_takes_the_event_from_the_queue(self, cli: Cli) -> None:
        """--wakeup-queue-url: the worker reads the queue the job's event lands in."""
        sqs, events = (
            boto3.client(
                service,
                region_name=cli.emulator.region,
                endpoint_url=cli.emulator.endpoint_url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            for service in ("sqs", "events")
        )
        name = f"cli-wakeup-{uuid.uuid4().hex[:8]}"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        pattern = event_pattern(action_type(ACTION))
        events.put_rule(Name=name, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule=name, Targets=[{"Id": "queue", "Arn": arn["Attributes"]["QueueArn"]}]
        )

        def queued() -> int:
            attributes = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            return sum(int(count) for count in attributes.values())

        try:
            worker = cli.start(
                "run", "cli_targets:record", "--action", ACTION,
                "--wakeup-queue-url", url,
            )  # fmt: skip
            wait_until(lambda: cli.emulator.calls("PollForJobs") > 0, "a first poll")
            job_id = cli.emulator.enqueue_job(action_type(ACTION))
            wait_until(lambda: cli.lines("done") == [job_id], "the job handled")
            cli.emulator.flush_events()
            wait_until(lambda: queued() == 0, "the job's event taken from the queue")
            worker.send_signal(signal.SIGTERM)
            worker.communicate(timeout=PATIENCE)
        finally:
            events.remove_targets(Rule=name, Ids=["queue"])
            events.delete_rule(Name=name)
            sqs.delete_queue(QueueUrl=url)
            sqs.close()
            events.close()

        assert 0 == worker.returncode


class TestProcesses:
    def test_each_job_is_handled_once(self, cli: Cli) -> None:
        """--processes 3 --burst: every job handled exactly once, then exit 0."""
        job_ids = [cli.emulator.enqueue_job(action_type(ACTION)) for _ in range(30)]

        result = cli.run(
            "run",
            "cli_targets:record",
            "--action",
            ACTION,
            "--processes",
            "3",
            "--burst",
        )

        assert (0, sorted(job_ids), [JobStatus.SUCCEEDED] * 30) == (
            result.returncode,
            sorted(cli.lines("done")),
            statuses(cli.emulator, job_ids),
        )

    def test_sigterm_reports_jobs_in_flight(self, cli: Cli) -> None:
        """SIGTERM to the supervisor: the jobs in flight finish and are reported, exit 0."""
        cli.gate.touch()
        job_ids = [cli.emulator.enqueue_job(action_type(ACTION)) for _ in range(4)]
        supervisor = cli.start(
            "run",
            "cli_targets:slow",
            "--action",
            ACTION,
            "--processes",
            "2",
            "--concurrency",
            "2",
        )
        wait_until(lambda: len(cli.lines("started")) == 4, "four jobs in flight")
        in_flight_at_signal = len(cli.lines("started")) - len(cli.lines("done"))

        supervisor.send_signal(signal.SIGTERM)
        cli.gate.unlink()
        code, _ = finish(supervisor)

        assert (4, 0, [JobStatus.SUCCEEDED] * 4) == (
            in_flight_at_signal,
            code,
            statuses(cli.emulator, job_ids),
        )

    def test_killed_child_is_restarted(self, cli: Cli) -> None:
        """A child killed with SIGKILL is replaced; the new one works jobs."""
        supervisor = cli.start(
            "run", "cli_targets:record", "--action", ACTION, "--processes", "2"
        )
        wait_until(lambda: len(children(supervisor.pid)) == 2, "two children")
        victim = min(children(supervisor.pid))

        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: len(children(supervisor.pid) - {victim}) == 2, "a new child")
        job_ids = [cli.emulator.enqueue_job(action_type(ACTION)) for _ in range(4)]
        wait_until(lambda: len(cli.lines("done")) == 4, "the jobs handled")
        supervisor.send_signal(signal.SIGTERM)
        code, _ = finish(supervisor)

        assert (0, [JobStatus.SUCCEEDED] * 4) == (
            code,
            statuses(cli.emulator, job_ids),
        )

    def test_children_that_keep_crashing_give_up(self, cli: Cli) -> None:
        """Children that exit with an error again and again: the supervisor exits 70."""
        unregistered = "Build/Custom/cpjobs-cli-missing/1"

        result = cli.run(
            "run", "cli_targets:record", "--action", unregistered, "--processes", "2"
        )

        assert (70, True) == (
            result.returncode,
            "crashed 5 times in a row: giving up" in result.stderr,
        )

    def test_a_child_configuration_error_stops_all(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """A child exiting 3 (its client tokens unreadable) is not restarted: exit 3."""
        result = cli.run(
            "run",
            "cli_targets:record",
            "--action",
            PARTNER,
            "--client-tokens",
            tmp_path / "missing.json",
            "--processes",
            "2",
        )

        assert (3, True) == (result.returncode, "missing.json" in result.stderr)


class TestHealth:
    def test_health_flips_when_the_loop_is_stuck(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """The heartbeat goes stale while a handler blocks the loop, and fresh after."""
        health = tmp_path / "health"
        cli.gate.touch()
        worker = cli.start(
            "run", "cli_targets:blocking", "--action", ACTION, "--health-file", health
        )
        wait_until(lambda: cli.healthy(health, max_age=3), "a fresh heartbeat")

        job_id = cli.emulator.enqueue_job(action_type(ACTION))
        wait_until(lambda: not cli.healthy(health, max_age=3), "a stale heartbeat")
        cli.gate.unlink()
        wait_until(lambda: cli.healthy(health, max_age=3), "a fresh heartbeat again")
        worker.send_signal(signal.SIGTERM)
        code, _ = finish(worker)

        assert (0, JobStatus.SUCCEEDED) == (code, cli.emulator.job(job_id).status)


class TestErrors:
    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (["run"], "TARGET is required"),
            (
                ["run", "cli_targets:record", "--action", "Build/Custom"],
                "is not CATEGORY",
            ),
            (
                ["run", "cli_targets:record", "--concurrency", "0"],
                "is not a whole number",
            ),
            (
                ["run", "cli_targets:record", "--query-param", "Project"],
                "is not KEY=VALUE",
            ),
        ],
    )
    def test_bad_arguments(self, cli: Cli, args: list[str], expected: str) -> None:
        """Bad arguments: one line on stderr naming the problem, exit code 2."""
        result = cli.run(*args)

        lines = result.stderr.splitlines()
        assert (2, 1, True) == (result.returncode, len(lines), expected in lines[-1])

    @pytest.mark.parametrize(
        ("target", "expected"),
        [
            ("no_such_module:handler", "cannot import 'no_such_module'"),
            ("cli_targets:missing", "has no 'missing'"),
            ("cli_targets", "is not an import path"),
            ("cli_targets:NOT_CALLABLE", "not a function"),
            ("cli_targets:record", "name its action type with --action"),
            ("cli_targets:not_a_worker", "not a JobWorker"),
        ],
    )
    def test_bad_target(self, cli: Cli, target: str, expected: str) -> None:
        """An import path naming no handler or factory: one line, exit code 4."""
        result = cli.run("run", target)

        lines = result.stderr.splitlines()
        assert (4, 1, True) == (result.returncode, len(lines), expected in lines[-1])

    def test_handler_target_with_factory_shape(self, cli: Cli) -> None:
        """--action with a plain function as the target: exit code 4."""
        result = cli.run("run", "cli_targets:build", "--action", ACTION)

        assert (4, True) == (result.returncode, "is a handler" in result.stderr)

    def test_third_party_without_tokens(self, cli: Cli) -> None:
        """A ThirdParty action type without --client-tokens: configuration, exit 3."""
        result = cli.run("run", "cli_targets:record", "--action", PARTNER)

        assert (3, True) == (result.returncode, "--client-tokens" in result.stderr)

    def test_bad_environment_value(self, cli: Cli) -> None:
        """A CPJOBS_* variable that does not parse: configuration, exit 3."""
        result = cli.run("run", "cli_targets:record", CPJOBS_CONCURRENCY="many")

        assert (3, True) == (result.returncode, "CPJOBS_CONCURRENCY" in result.stderr)
