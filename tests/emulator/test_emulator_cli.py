"""``python -m cpjobs.testing enqueue | jobs | job``, run as real commands against the emulator."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from emulator_helpers import BUILD, BUILD_WIRE, CLIENT_ID, poll_one

from cpjobs.testing import CodePipelineEmulator


def run(
    *args: str, aws_endpoint_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m cpjobs.testing ARGS``, with ``AWS_ENDPOINT_URL`` if given."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    if aws_endpoint_url is not None:
        env["AWS_ENDPOINT_URL"] = aws_endpoint_url
    return subprocess.run(
        [sys.executable, "-m", "cpjobs.testing", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def run_on(emulator: CodePipelineEmulator, *args: str) -> Any:
    """Run a command against the emulator; return its JSON output."""
    done = run(*args, "--endpoint-url", emulator.endpoint_url)
    assert 0 == done.returncode, done.stderr
    return json.loads(done.stdout)


def test_enqueue_queues_a_job_with_configuration_and_artifacts(
    emulator: CodePipelineEmulator, codepipeline: Any, tmp_path: Path
) -> None:
    """Enqueue sends the configuration, the input file's bytes and the output names."""
    source = tmp_path / "src.zip"
    source.write_bytes(b"PK\x03\x04 source")

    answer = run_on(
        emulator,
        "enqueue",
        "--action",
        "Build/Custom/EmulatorTest/1",
        "--config",
        "Project=shop",
        "--config",
        "Query=a=b",
        "--input",
        f"Source={source}",
        "--output",
        "Built",
    )
    job = poll_one(codepipeline)

    assert answer["jobId"] == job["id"]
    assert {"Project": "shop", "Query": "a=b"} == job["data"]["actionConfiguration"][
        "configuration"
    ]
    assert b"PK\x03\x04 source" == emulator.read_artifact(answer["jobId"], "Source")
    assert ["Built"] == [a["name"] for a in job["data"]["outputArtifacts"]]


def test_enqueue_third_party_prints_the_client_and_its_token(
    emulator: CodePipelineEmulator,
) -> None:
    """A ThirdParty job prints its client id and token; --client-id reuses the client."""
    first = run_on(
        emulator,
        "enqueue",
        "--action",
        "Deploy/ThirdParty/Partner/2",
        "--third-party",
        "--client-id",
        CLIENT_ID,
    )
    second = run_on(
        emulator,
        "enqueue",
        "--action",
        "Deploy/ThirdParty/Partner/2",
        "--client-id",
        CLIENT_ID,
    )

    assert CLIENT_ID == first["clientId"] == second["clientId"]
    assert first["clientToken"] == second["clientToken"]
    assert CLIENT_ID == emulator.job(first["jobId"]).client_id


def test_jobs_lists_the_records_and_filters_them(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Jobs prints every record; --status and --owner filter them."""
    first = emulator.enqueue_job(BUILD, configuration={"Project": "a"})
    second = emulator.enqueue_job(BUILD)
    poll_one(codepipeline)

    everything = run_on(emulator, "jobs")
    queued = run_on(emulator, "jobs", "--status", "Queued", "--owner", "Custom")

    assert [first, second] == [job["id"] for job in everything["jobs"]]
    assert [second] == [job["id"] for job in queued["jobs"]]


def test_job_prints_one_record(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Job ID prints that job's record, as the emulator sees it."""
    job_id = emulator.enqueue_job(BUILD, configuration={"Project": "shop"})
    polled = poll_one(codepipeline)

    record = run_on(emulator, "job", job_id)

    assert (job_id, "Dispatched", polled["nonce"]) == (
        record["id"],
        record["status"],
        record["nonce"],
    )
    assert {"Project": "shop"} == record["configuration"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["enqueue", "--action", "Build/MyTool"],
            "error: --action must be CATEGORY/OWNER/PROVIDER/VERSION",
        ),
        (
            ["enqueue", "--action", "Build/Custom/T/1", "--config", "Secret"],
            "error: --config must be KEY=VALUE, not 'Secret'",
        ),
        (
            ["enqueue", "--action", "Build/Custom/T/1", "--input", "S=/no/such.zip"],
            "error: --input S: cannot read /no/such.zip: No such file or directory",
        ),
        (
            ["enqueue", "--action", "Build/Custom/T/1", "--third-party"],
            "error: --third-party needs an action owned by ThirdParty, not Custom",
        ),
        (
            ["enqueue", "--action", "Build/Custom/T/1", "--client-id", CLIENT_ID],
            "error: --client-id is only for actions owned by ThirdParty",
        ),
        (
            [
                "enqueue",
                "--action",
                "Build/Custom/T/1",
                "--config",
                "A=1",
                "--config",
                "A=2",
            ],
            "error: --config gives 'A' twice",
        ),
        (
            ["enqueue", "--action", "Quantum/Custom/T/1"],
            "error: actionTypeId.category 'Quantum' is not a category",
        ),
        (["enqueue"], "error: the following arguments are required: --action"),
        (["jobs", "--colour", "red"], "error: unrecognized arguments: --colour red"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(
    emulator: CodePipelineEmulator, args: list[str], message: str
) -> None:
    """Bad input prints one error line (never a configuration value) and exits with 2."""
    done = run(*args, "--endpoint-url", emulator.endpoint_url)

    assert 2 == done.returncode
    assert 1 == len(done.stderr.splitlines()), done.stderr
    assert message in done.stderr
    assert "" == done.stdout
    assert () == emulator.jobs()


def test_unknown_job_is_one_line_and_exit_status_1(
    emulator: CodePipelineEmulator,
) -> None:
    """Job with an id the emulator does not know says so and exits with 1."""
    done = run("job", "nope", "--endpoint-url", emulator.endpoint_url)

    assert (1, "error: there is no job nope\n") == (done.returncode, done.stderr)


def test_unreachable_emulator_is_one_line_and_exit_status_1() -> None:
    """A command with no emulator listening says where it looked and exits with 1."""
    done = run("jobs", "--endpoint-url", "http://127.0.0.1:9")

    assert 1 == done.returncode
    assert done.stderr.startswith(
        "error: cannot reach the emulator at http://127.0.0.1:9: "
    )
    assert 1 == len(done.stderr.splitlines())


def test_endpoint_that_is_not_the_emulator_is_one_line(
    emulator: CodePipelineEmulator,
) -> None:
    """A URL that answers something other than the control API says so."""
    done = run("jobs", "--endpoint-url", "not-a-url")

    assert (2, "error: --endpoint-url must be an http URL, not 'not-a-url'\n") == (
        done.returncode,
        done.stderr,
    )


def test_commands_default_to_where_serve_listens() -> None:
    """Without --endpoint-url the commands use serve's default address."""
    done = run("jobs", "--help")

    assert 0 == done.returncode
    assert "http://127.0.0.1:5050" in " ".join(done.stdout.split())


def test_commands_default_to_aws_endpoint_url_when_it_is_set(
    emulator: CodePipelineEmulator,
) -> None:
    """Without --endpoint-url the commands use the emulator AWS_ENDPOINT_URL names."""
    job_id = emulator.enqueue_job(BUILD)

    done = run("jobs", aws_endpoint_url=emulator.endpoint_url)

    assert 0 == done.returncode, done.stderr
    assert [job_id] == [job["id"] for job in json.loads(done.stdout)["jobs"]]


def test_endpoint_url_option_wins_over_aws_endpoint_url(
    emulator: CodePipelineEmulator,
) -> None:
    """--endpoint-url is used even when AWS_ENDPOINT_URL names somewhere else."""
    job_id = emulator.enqueue_job(BUILD)

    done = run(
        "job",
        job_id,
        "--endpoint-url",
        emulator.endpoint_url,
        aws_endpoint_url="http://127.0.0.1:9",
    )

    assert (0, job_id) == (done.returncode, json.loads(done.stdout)["id"])


def test_unreachable_aws_endpoint_url_is_named_in_the_error() -> None:
    """An AWS_ENDPOINT_URL with no emulator behind it is the address the error names."""
    done = run("jobs", aws_endpoint_url="http://127.0.0.1:9")

    assert 1 == done.returncode
    assert done.stderr.startswith(
        "error: cannot reach the emulator at http://127.0.0.1:9: "
    )


def test_serve_on_a_port_in_use_is_one_line_and_exit_status_1() -> None:
    """Serve on a port something else holds says so in one line and exits with 1."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        done = run("serve", "--port", str(port))

    assert 1 == done.returncode
    assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert 1 == len(done.stderr.splitlines())


def test_served_emulator_runs_pipelines_with_aws_actions_succeeding() -> None:
    """Serve --succeed-aws-actions: an AWS build passes, the custom job after it is queued."""
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cpjobs.testing",
            "serve",
            "--port",
            "0",
            "--succeed-aws-actions",
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            endpoint = process.stdout.readline().strip()
            kwargs = {
                "region_name": "us-east-1",
                "endpoint_url": endpoint,
                "aws_access_key_id": "testing",
                "aws_secret_access_key": "testing",
            }
            iam = boto3.client("iam", **kwargs)
            codepipeline = boto3.client("codepipeline", **kwargs)
            try:
                role = iam.create_role(
                    RoleName="served",
                    AssumeRolePolicyDocument=json.dumps(
                        {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Principal": {
                                        "Service": "codepipeline.amazonaws.com"
                                    },
                                }
                            ]
                        }
                    ),
                )["Role"]["Arn"]
                codepipeline.create_custom_action_type(
                    category="Build",
                    provider=BUILD_WIRE["provider"],
                    version=BUILD_WIRE["version"],
                    inputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
                    outputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
                )
                codebuild = {
                    "category": "Build",
                    "owner": "AWS",
                    "provider": "CodeBuild",
                    "version": "1",
                }
                codepipeline.create_pipeline(
                    pipeline={
                        "name": "served",
                        "roleArn": role,
                        "artifactStore": {"type": "S3", "location": "artifacts"},
                        "stages": [
                            {
                                "name": "Aws",
                                "actions": [{"name": "A", "actionTypeId": codebuild}],
                            },
                            {
                                "name": "Custom",
                                "actions": [{"name": "C", "actionTypeId": BUILD_WIRE}],
                            },
                        ],
                    }
                )
                codepipeline.start_pipeline_execution(name="served")
            finally:
                iam.close()
                codepipeline.close()
            listed = run(
                "jobs", "--pipeline-name", "served", "--endpoint-url", endpoint
            )
        finally:
            process.terminate()
            process.wait(timeout=30)

    (job,) = json.loads(listed.stdout)["jobs"]
    assert ("Custom", "C") == (
        job["pipelineContext"]["stage"]["name"],
        job["pipelineContext"]["action"]["name"],
    )
