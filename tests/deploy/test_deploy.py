"""The deployment files in ``deploy/``: parsed, and their invariants checked.

No container engine runs on the test machines, so the image is not built:
these tests read each file with a parser (JSON, YAML, the Dockerfile's and
the systemd unit's line formats) and check what makes a deployment stop
cleanly and stay least-privileged.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        instruction, _, arguments = line.partition(" ")
        instructions.append((instruction.upper(), arguments.strip()))
    return instructions


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, arguments in dockerfile():
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(arguments))
    return env


def systemd_unit() -> dict[str, dict[str, list[str]]]:
    """The unit's sections: key to values (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] = {}
    for raw in (DEPLOY / "cpjobs-worker.service").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key, []).append(value)
    return sections


def kubernetes() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DEPLOY / "kubernetes.yaml").read_text())
    return document


def ecs() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (DEPLOY / "ecs-task-definition.json").read_text()
    )
    return document


def env_list(entries: list[dict[str, str]]) -> dict[str, str]:
    return {entry["name"]: entry["value"] for entry in entries}


class TestDockerfile:
    def test_worker_is_pid_1_in_exec_form(self) -> None:
        """ENTRYPOINT is a JSON array running ``cpjobs run``: SIGTERM reaches the worker."""
        (entrypoint,) = [a for i, a in dockerfile() if i == "ENTRYPOINT"]

        assert ["cpjobs", "run"] == json.loads(entrypoint)

    def test_runs_as_a_non_root_user(self) -> None:
        """The last USER is neither root nor uid 0."""
        users = [a for i, a in dockerfile() if i == "USER"]

        assert users and users[-1] not in ("root", "0", "0:0")

    def test_healthcheck_uses_cpjobs_check_on_the_health_file(self) -> None:
        """HEALTHCHECK runs ``cpjobs check``, which reads the file the worker touches."""
        (healthcheck,) = [a for i, a in dockerfile() if i == "HEALTHCHECK"]
        command = json.loads(healthcheck.partition("CMD ")[2])

        assert (["cpjobs", "check"], True) == (
            command[:2],
            "CPJOBS_HEALTH_FILE" in docker_env(),
        )

    def test_stop_signal_is_sigterm(self) -> None:
        """What ``docker stop`` sends is what the worker handles."""
        assert [("STOPSIGNAL", "SIGTERM")] == [
            (i, a) for i, a in dockerfile() if i == "STOPSIGNAL"
        ]


class TestEcs:
    def test_stop_timeout_exceeds_the_grace(self) -> None:
        """The stopTimeout leaves the jobs in flight the grace and time to report."""
        (container,) = ecs()["containerDefinitions"]
        grace = float(env_list(container["environment"])["CPJOBS_SHUTDOWN_GRACE"])

        assert grace < container["stopTimeout"] <= 120  # ECS's maximum

    def test_health_check_and_user(self) -> None:
        """The health check runs ``cpjobs check``; the container is not root."""
        (container,) = ecs()["containerDefinitions"]
        env = env_list(container["environment"])

        assert (["CMD", "cpjobs", "check"], True, True) == (
            container["healthCheck"]["command"][:3],
            "CPJOBS_HEALTH_FILE" in env,
            container["user"] not in ("root", "0"),
        )


class TestKubernetes:
    def test_termination_grace_exceeds_the_worker_grace(self) -> None:
        """The terminationGracePeriodSeconds is longer than CPJOBS_SHUTDOWN_GRACE."""
        pod = kubernetes()["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        grace = float(env_list(container["env"])["CPJOBS_SHUTDOWN_GRACE"])

        assert grace < pod["terminationGracePeriodSeconds"]

    def test_probe_and_user(self) -> None:
        """An exec probe runs ``cpjobs check``; the pod runs as non-root."""
        pod = kubernetes()["spec"]["template"]["spec"]
        (container,) = pod["containers"]

        assert (["cpjobs", "check"], True, True) == (
            container["livenessProbe"]["exec"]["command"][:2],
            pod["securityContext"]["runAsNonRoot"],
            pod["securityContext"]["runAsUser"] > 0,
        )

    def test_health_file_is_writable(self) -> None:
        """The health file's folder is a mounted volume (the root file system is read-only)."""
        (container,) = kubernetes()["spec"]["template"]["spec"]["containers"]
        health = Path(env_list(container["env"])["CPJOBS_HEALTH_FILE"])
        mounts = {Path(mount["mountPath"]) for mount in container["volumeMounts"]}

        assert health.parent in mounts


class TestSystemd:
    def test_stop_timeout_exceeds_the_grace(self) -> None:
        """TimeoutStopSec is longer than the grace; SIGTERM stops the worker."""
        service = systemd_unit()["Service"]
        env = dict(item.split("=", 1) for item in service["Environment"])

        assert (True, ["SIGTERM"]) == (
            float(env["CPJOBS_SHUTDOWN_GRACE"]) < float(service["TimeoutStopSec"][0]),
            service["KillSignal"],
        )

    def test_runs_cpjobs_as_a_service_user(self) -> None:
        """ExecStart runs ``cpjobs run`` directly, as a user that is not root."""
        service = systemd_unit()["Service"]

        assert (["cpjobs", "run"], True) == (
            [Path(part).name for part in shlex.split(service["ExecStart"][0])],
            service["User"][0] != "root",
        )

    def test_configuration_errors_are_not_restarted(self) -> None:
        """Exit codes 2, 3 and 4 (arguments, configuration, target) stop the restarts."""
        service = systemd_unit()["Service"]

        assert ["2", "3", "4"] == service["RestartPreventExitStatus"][0].split()


class TestIam:
    def statements(self) -> list[dict[str, Any]]:
        policy = json.loads((DEPLOY / "iam-policy.json").read_text())
        statements: list[dict[str, Any]] = policy["Statement"]
        return statements

    def test_no_s3_rights(self) -> None:
        """Artifacts use the job's own credentials: the policy grants nothing on S3."""
        actions = {
            action
            for statement in self.statements()
            for action in _as_list(statement["Action"])
        }

        assert set() == {action for action in actions if action.startswith("s3:")}

    def test_polling_is_limited_to_the_action_type(self) -> None:
        """PollForJobs, the job operation IAM scopes, names one action type's ARN."""
        (poll,) = [
            statement
            for statement in self.statements()
            if "codepipeline:PollForJobs" in _as_list(statement["Action"])
        ]

        assert ":actiontype:Custom/" in poll["Resource"]

    def test_only_job_worker_actions(self) -> None:
        """Every action is one a job worker calls: no wildcard, nothing else."""
        expected = {
            "codepipeline:PollForJobs",
            "codepipeline:AcknowledgeJob",
            "codepipeline:GetJobDetails",
            "codepipeline:PutJobSuccessResult",
            "codepipeline:PutJobFailureResult",
            "codepipeline:ListActionTypes",
        }
        actions = {
            action
            for statement in self.statements()
            if statement["Effect"] == "Allow"
            for action in _as_list(statement["Action"])
        }

        assert expected == actions


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
