"""Pipelines drive jobs: boto3 creates and starts them, real workers run their actions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from emulator_helpers import NO_RETRIES, client_kwargs, error_of

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    Backoff,
    Continue,
    Failure,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
    Outcome,
    Success,
    ThirdPartyJobDetails,
    ThirdPartyJobWorker,
)
from cpjobs.testing import CodePipelineEmulator

BUILD = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="PipelineBuild",
    version="1",
)
TEST = ActionTypeId(
    category=ActionCategory.TEST,
    owner=ActionOwner.CUSTOM,
    provider="PipelineTest",
    version="1",
)
DEPLOY = ActionTypeId(
    category=ActionCategory.DEPLOY,
    owner=ActionOwner.THIRD_PARTY,
    provider="PipelineDeploy",
    version="1",
)
#: Workers poll quickly while a later stage waits for its jobs.
FAST_POLLS = Backoff(initial=0.01, maximum=0.05)
#: A hang guard for waiting on an execution; no test asserts on time.
WAIT = 30.0


def wire(action_type_id: ActionTypeId) -> dict[str, str]:
    return {
        "category": action_type_id.category.value,
        "owner": action_type_id.owner.value,
        "provider": action_type_id.provider,
        "version": action_type_id.version,
    }


S3_SOURCE = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
CODEBUILD = {
    "category": "Build",
    "owner": "AWS",
    "provider": "CodeBuild",
    "version": "1",
}


def action(
    name: str,
    type_id: Mapping[str, str],
    *,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] = (),
    run_order: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    """One action of a pipeline definition."""
    return {
        "name": name,
        "actionTypeId": dict(type_id),
        "runOrder": run_order,
        "inputArtifacts": [{"name": n} for n in inputs],
        "outputArtifacts": [{"name": n} for n in outputs],
        **extra,
    }


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def aws(codepipeline_emulator: CodePipelineEmulator) -> Iterator[dict[str, Any]]:
    """boto3 clients on the emulator and a role CodePipeline may assume."""
    kwargs = client_kwargs(codepipeline_emulator)
    iam = boto3.client("iam", **kwargs)
    s3 = boto3.client("s3", **kwargs)
    role = iam.create_role(
        RoleName=f"pipeline-{uuid.uuid4().hex[:8]}",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "codepipeline.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ]
            }
        ),
    )["Role"]["Arn"]
    bucket = f"sources-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    yield {"role": role, "s3": s3, "bucket": bucket}
    iam.close()
    s3.close()


@pytest.fixture
def create_pipeline(codepipeline: Any, aws: dict[str, Any]) -> Callable[..., str]:
    """Create a pipeline from its stages (a new name each time); return its name."""

    def create(*stages: tuple[str, list[dict[str, Any]]], **extra: Any) -> str:
        name = f"pipeline-{uuid.uuid4().hex[:8]}"
        codepipeline.create_pipeline(
            pipeline={
                "name": name,
                "roleArn": aws["role"],
                "artifactStore": {"type": "S3", "location": "artifacts"},
                "stages": [
                    {"name": stage, "actions": actions} for stage, actions in stages
                ],
                **extra,
            }
        )
        return name

    return create


def source(aws: dict[str, Any], content: bytes) -> dict[str, Any]:
    """An S3 source action reading a new object with ``content``."""
    key = f"app-{uuid.uuid4().hex[:8]}.zip"
    aws["s3"].put_object(Bucket=aws["bucket"], Key=key, Body=content)
    return action(
        "Fetch",
        S3_SOURCE,
        outputs=["SourceOut"],
        configuration={"S3Bucket": aws["bucket"], "S3ObjectKey": key},
    )


# --- running ---------------------------------------------------------------------------


def start(codepipeline: Any, name: str, **params: Any) -> str:
    """Start an execution of the pipeline; return its id."""
    answer = codepipeline.start_pipeline_execution(name=name, **params)
    return str(answer["pipelineExecutionId"])


def execution_status(codepipeline: Any, name: str, execution_id: str) -> str:
    answer = codepipeline.get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution_id
    )
    return str(answer["pipelineExecution"]["status"])


async def wait_until_done(codepipeline: Any, name: str, execution_id: str) -> str:
    """Wait until the execution is no longer InProgress; return its status."""
    deadline = time.monotonic() + WAIT
    while True:
        status = await asyncio.to_thread(
            execution_status, codepipeline, name, execution_id
        )
        if status != "InProgress":
            return status
        if time.monotonic() >= deadline:
            raise TimeoutError(f"execution {execution_id} is still InProgress")
        await asyncio.sleep(0.02)


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds (the runner moves on in its own thread)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() >= deadline:
            raise TimeoutError("the condition never held")
        time.sleep(0.01)


@contextlib.asynccontextmanager
async def working(*workers: JobWorker | ThirdPartyJobWorker) -> AsyncIterator[None]:
    """Run the workers for the block, then stop them."""
    runs = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()
        await asyncio.gather(*runs)


async def read_input(ctx: JobContext, name: str) -> bytes:
    """An input artifact's content, read with the job's artifact credentials."""
    async with ctx.artifacts.input(name).stream() as chunks:
        return b"".join([chunk async for chunk in chunks])


async def write_output(ctx: JobContext, content: bytes) -> None:
    """Write the job's one output artifact with its artifact credentials."""

    async def one_chunk() -> AsyncIterator[bytes]:
        yield content

    await ctx.artifacts.output().upload_stream(one_chunk())


async def uppercase_build(job: Job, ctx: JobContext) -> Outcome:
    """A build that writes its source, uppercased, to its output artifact."""
    await write_output(ctx, (await read_input(ctx, "SourceOut")).upper())
    return Success(output_variables={"SIZE": "6"})


def create_build_type(
    codepipeline: Any,
    provider: str,
    properties: list[dict[str, Any]],
    **members: Any,
) -> dict[str, str]:
    """Create a custom Build type with CreateCustomActionType; return its wire id."""
    codepipeline.create_custom_action_type(
        category="Build",
        provider=provider,
        version="1",
        configurationProperties=properties,
        inputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
        outputArtifactDetails={"minimumCount": 0, "maximumCount": 1},
        **members,
    )
    return {**wire(BUILD), "provider": provider}


def action_executions(codepipeline: Any, name: str, execution_id: str) -> list[Any]:
    answer = codepipeline.list_action_executions(
        pipelineName=name, filter={"pipelineExecutionId": execution_id}
    )
    return list(answer["actionExecutionDetails"])


# --- stage by stage ------------------------------------------------------------------------


async def test_three_stages_pass_artifacts_from_action_to_action(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """Source, build and test run in order; each action reads what the one before wrote."""
    emulator.register_action_type(BUILD)
    emulator.register_action_type(TEST)
    name = create_pipeline(
        ("Source", [source(aws, b"hello!")]),
        (
            "Build",
            [action("Compile", wire(BUILD), inputs=["SourceOut"], outputs=["Built"])],
        ),
        ("Test", [action("Check", wire(TEST), inputs=["Built"])]),
    )
    tested: list[bytes] = []

    async def check(job: Job, ctx: JobContext) -> Outcome:
        tested.append(await read_input(ctx, "Built"))
        return Success()

    builder = JobWorker(jobs_client, BUILD, uppercase_build, poll_backoff=FAST_POLLS)
    tester = JobWorker(jobs_client, TEST, check, poll_backoff=FAST_POLLS)
    async with working(builder, tester):
        execution_id = start(codepipeline, name)
        status = await wait_until_done(codepipeline, name, execution_id)

    build_job, test_job = emulator.jobs()
    details = action_executions(codepipeline, name, execution_id)
    state = codepipeline.get_pipeline_state(name=name)

    assert "Succeeded" == status
    assert [b"HELLO!"] == tested
    assert (
        build_job.output_artifacts[0].location == test_job.input_artifacts[0].location
    )
    assert (execution_id, "Build", "Compile") == (
        build_job.pipeline_context.pipeline_execution_id,
        build_job.pipeline_context.stage and build_job.pipeline_context.stage.name,
        build_job.pipeline_context.action and build_job.pipeline_context.action.name,
    )
    assert [("Test", "Check"), ("Build", "Compile"), ("Source", "Fetch")] == [
        (d["stageName"], d["actionName"]) for d in details
    ]
    assert {"Succeeded"} == {d["status"] for d in details}
    assert {"SIZE": "6"} == details[1]["output"]["outputVariables"]
    assert ["Succeeded"] * 3 == [
        s["latestExecution"]["status"] for s in state["stageStates"]
    ]


async def test_failed_action_fails_the_stage_and_the_execution(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A Failure report fails its stage and the execution; later stages never start."""
    emulator.register_action_type(BUILD)
    emulator.register_action_type(TEST)
    name = create_pipeline(
        ("Source", [source(aws, b"broken")]),
        (
            "Build",
            [action("Compile", wire(BUILD), inputs=["SourceOut"], outputs=["Built"])],
        ),
        ("Test", [action("Check", wire(TEST), inputs=["Built"])]),
    )

    async def broken(job: Job, ctx: JobContext) -> Outcome:
        return Failure("compile error on line 3")

    async with working(JobWorker(jobs_client, BUILD, broken, poll_backoff=FAST_POLLS)):
        execution_id = start(codepipeline, name)
        status = await wait_until_done(codepipeline, name, execution_id)

    compile_run = action_executions(codepipeline, name, execution_id)[0]
    stages = codepipeline.get_pipeline_state(name=name)["stageStates"]

    assert "Failed" == status
    assert [BUILD] == [job.action_type_id for job in emulator.jobs()]
    assert ("Compile", "Failed") == (compile_run["actionName"], compile_run["status"])
    assert {"code": "JobFailed", "message": "compile error on line 3"} == compile_run[
        "output"
    ]["executionResult"]["errorDetails"]
    assert ["Succeeded", "Failed"] == [
        s["latestExecution"]["status"] for s in stages[:2]
    ]
    assert "latestExecution" not in stages[2]


def test_same_run_order_runs_in_parallel_and_the_next_waits_for_both(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """Two actions with runOrder 1 are queued together; runOrder 2 starts after both."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        (
            "Build",
            [
                action(
                    "Left",
                    wire(BUILD),
                    inputs=["SourceOut"],
                    configuration={"Side": "L"},
                ),
                action(
                    "Right",
                    wire(BUILD),
                    inputs=["SourceOut"],
                    configuration={"Side": "R"},
                ),
                action("After", wire(BUILD), run_order=2, configuration={"Side": "A"}),
            ],
        ),
    )

    def sides() -> list[str]:
        return [job.configuration["Side"] for job in emulator.jobs()]

    nonces: dict[str, str] = {}

    def finish(side: str) -> None:
        job = next(j for j in emulator.jobs() if j.configuration["Side"] == side)
        if job.id not in nonces:
            polled = codepipeline.poll_for_jobs(
                actionTypeId=wire(BUILD), maxBatchSize=5
            )
            nonces.update({j["id"]: j["nonce"] for j in polled["jobs"]})
        codepipeline.acknowledge_job(jobId=job.id, nonce=nonces[job.id])
        codepipeline.put_job_success_result(jobId=job.id)

    execution_id = start(codepipeline, name)
    started_together = sides()
    finish("L")
    after_one = sides()
    finish("R")
    wait_for(lambda: len(sides()) == 3)
    finish("A")
    wait_for(lambda: execution_status(codepipeline, name, execution_id) != "InProgress")

    assert ["L", "R"] == started_together
    assert ["L", "R"] == after_one
    assert ["L", "R", "A"] == sides()
    assert "Succeeded" == execution_status(codepipeline, name, execution_id)


# --- continuation, third parties, variables ------------------------------------------


async def test_continuation_requeues_the_action_with_its_token(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A Continue outcome queues the action's job again with the token; one action run."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Build", [action("Compile", wire(BUILD), inputs=["SourceOut"])]),
    )

    async def in_two_steps(job: Job, ctx: JobContext) -> Outcome:
        assert job.data is not None
        if job.data.continuation_token is None:
            return Continue("half-way", percent_complete=50)
        return Success()

    async with working(
        JobWorker(jobs_client, BUILD, in_two_steps, poll_backoff=FAST_POLLS)
    ):
        execution_id = start(codepipeline, name)
        status = await wait_until_done(codepipeline, name, execution_id)

    first, second = emulator.jobs()
    compile_runs = [
        d
        for d in action_executions(codepipeline, name, execution_id)
        if d["actionName"] == "Compile"
    ]

    assert "Succeeded" == status
    assert (None, "half-way") == (first.continuation_token, second.continuation_token)
    assert first.next_job_id == second.id
    assert [JobStatus.SUCCEEDED] * 2 == [first.status, second.status]
    assert 1 == len(compile_runs)


async def test_third_party_action_runs_with_the_emulators_client_tokens(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A ThirdParty action is a third-party job; client_token gives its worker the token."""
    emulator.register_action_type(DEPLOY)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Deploy", [action("Ship", wire(DEPLOY), inputs=["SourceOut"])]),
    )
    shipped: list[str] = []

    async def ship(job: ThirdPartyJobDetails, ctx: JobContext) -> Outcome:
        shipped.append(job.id or "")
        return Success()

    worker = ThirdPartyJobWorker(
        jobs_client, DEPLOY, ship, emulator.client_token, poll_backoff=FAST_POLLS
    )
    async with working(worker):
        execution_id = start(codepipeline, name)
        status = await wait_until_done(codepipeline, name, execution_id)

    (job,) = emulator.jobs()

    assert "Succeeded" == status
    assert [job.id] == shipped
    assert job.third_party


def test_variables_resolve_in_the_configuration(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """Pipeline variables, execution ids and namespaced output variables fill #{...}."""
    emulator.register_action_type(BUILD)
    emulator.register_action_type(TEST)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Build", [action("Compile", wire(BUILD), namespace="BuildVars")]),
        (
            "Test",
            [
                action(
                    "Check",
                    wire(TEST),
                    configuration={
                        "Version": "#{BuildVars.VERSION}",
                        "Env": "#{variables.Env}",
                        "Run": "#{codepipeline.PipelineExecutionId}",
                    },
                )
            ],
        ),
        variables=[{"name": "Env", "defaultValue": "dev"}],
    )

    execution_id = codepipeline.start_pipeline_execution(
        name=name, variables=[{"name": "Env", "value": "prod"}]
    )["pipelineExecutionId"]
    polled = codepipeline.poll_for_jobs(actionTypeId=wire(BUILD))["jobs"][0]
    codepipeline.acknowledge_job(jobId=polled["id"], nonce=polled["nonce"])
    codepipeline.put_job_success_result(
        jobId=polled["id"], outputVariables={"VERSION": "1.2"}
    )
    wait_for(lambda: len(emulator.jobs()) == 2)
    execution = codepipeline.get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution_id
    )["pipelineExecution"]

    assert {"Version": "1.2", "Env": "prod", "Run": execution_id} == dict(
        emulator.jobs()[1].configuration
    )
    assert [{"name": "Env", "resolvedValue": "prod"}] == execution["variables"]


def test_undeclared_variable_is_refused(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """Starting with a variable the pipeline does not declare is a ValidationException."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Build", [action("Compile", wire(BUILD))]),
    )

    with pytest.raises(ClientError) as raised:
        codepipeline.start_pipeline_execution(
            name=name, variables=[{"name": "Nope", "value": "x"}]
        )

    assert ("ValidationException", 400) == error_of(raised.value)
    assert () == emulator.jobs()


# --- what the emulator does not run ---------------------------------------------------------


def test_aws_action_fails_unless_told_to_succeed(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """An AWS-owned action other than the S3 source fails, naming the option to pass it."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        (
            "Build",
            [action("Aws", CODEBUILD), action("Custom", wire(BUILD), run_order=2)],
        ),
    )

    execution_id = start(codepipeline, name)
    aws_run = action_executions(codepipeline, name, execution_id)[0]

    assert "Failed" == execution_status(codepipeline, name, execution_id)
    assert (
        "succeed_aws_actions=True"
        in aws_run["output"]["executionResult"]["errorDetails"]["message"]
    )
    assert () == emulator.jobs()


async def test_aws_actions_succeed_at_once_when_asked() -> None:
    """With succeed_aws_actions, an AWS build succeeds and the custom action after it runs."""
    name = f"pipeline-{uuid.uuid4().hex[:8]}"
    async with CodePipelineEmulator.aserve(succeed_aws_actions=True) as emulator:
        kwargs = client_kwargs(emulator)
        codepipeline = boto3.client("codepipeline", config=NO_RETRIES, **kwargs)
        iam = boto3.client("iam", **kwargs)
        try:
            role = iam.create_role(
                RoleName=f"pipeline-{uuid.uuid4().hex[:8]}",
                AssumeRolePolicyDocument=json.dumps(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"Service": "codepipeline.amazonaws.com"},
                            }
                        ]
                    }
                ),
            )["Role"]["Arn"]
            emulator.register_action_type(BUILD)
            codepipeline.create_pipeline(
                pipeline={
                    "name": name,
                    "roleArn": role,
                    "artifactStore": {"type": "S3", "location": "artifacts"},
                    "stages": [
                        {
                            "name": "Build",
                            "actions": [action("Aws", CODEBUILD, outputs=["Out"])],
                        },
                        {
                            "name": "Post",
                            "actions": [action("Custom", wire(BUILD), inputs=["Out"])],
                        },
                    ],
                }
            )
            codepipeline.start_pipeline_execution(name=name)
            (job,) = emulator.jobs()
        finally:
            codepipeline.close()
            iam.close()

    assert "Post" == (job.pipeline_context.stage and job.pipeline_context.stage.name)
    assert ["Out"] == [artifact.name for artifact in job.input_artifacts]


def test_unregistered_custom_type_fails_the_action(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A Custom action of a type nobody registered fails, never passes silently."""
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Build", [action("Compile", wire(BUILD))]),
    )

    execution_id = start(codepipeline, name)
    (run,) = [
        d
        for d in action_executions(codepipeline, name, execution_id)
        if d["actionName"] == "Compile"
    ]

    assert "Failed" == execution_status(codepipeline, name, execution_id)
    assert (
        "ActionTypeNotFoundException"
        == run["output"]["executionResult"]["errorDetails"]["code"]
    )


def test_missing_source_object_fails_the_source_action(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """An S3 source whose object does not exist fails, naming the object."""
    emulator.register_action_type(BUILD)
    fetch = action(
        "Fetch",
        S3_SOURCE,
        outputs=["SourceOut"],
        configuration={"S3Bucket": aws["bucket"], "S3ObjectKey": "missing.zip"},
    )
    name = create_pipeline(("Source", [fetch]), ("Build", [action("B", wire(BUILD))]))

    execution_id = start(codepipeline, name)
    (run,) = action_executions(codepipeline, name, execution_id)

    assert "Failed" == execution_status(codepipeline, name, execution_id)
    assert (
        f"s3://{aws['bucket']}/missing.zip"
        in run["output"]["executionResult"]["errorDetails"]["message"]
    )


def test_timed_out_job_fails_the_action(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A job acknowledged and never reported times out, and its action fails."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Build", [action("Compile", wire(BUILD))]),
    )
    execution_id = start(codepipeline, name)
    polled = codepipeline.poll_for_jobs(actionTypeId=wire(BUILD))["jobs"][0]
    codepipeline.acknowledge_job(jobId=polled["id"], nonce=polled["nonce"])

    emulator.advance_clock(3600)
    emulator.jobs()  # timeouts apply at the next call
    wait_for(lambda: execution_status(codepipeline, name, execution_id) != "InProgress")
    runs = action_executions(codepipeline, name, execution_id)

    assert "Failed" == execution_status(codepipeline, name, execution_id)
    assert "JobTimedOut" == runs[0]["output"]["executionResult"]["errorDetails"]["code"]


# --- moto's part, and the executions' records ----------------------------------------------


def test_pipeline_of_aws_actions_runs_here_too(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A pipeline of AWS actions only is run too: it does not pass by default."""
    name = create_pipeline(
        ("Source", [source(aws, b"src")]), ("Build", [action("Aws", CODEBUILD)])
    )

    execution_id = start(codepipeline, name)
    runs = action_executions(codepipeline, name, execution_id)

    assert "Failed" == execution_status(codepipeline, name, execution_id)
    assert [("Aws", "Failed"), ("Fetch", "Succeeded")] == [
        (d["actionName"], d["status"]) for d in runs
    ]
    assert () == emulator.jobs()


def test_unknown_pipeline_and_execution_are_not_found(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """Starting a missing pipeline, or reading a missing execution, is a not-found error."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]), ("Build", [action("B", wire(BUILD))])
    )
    codepipeline.start_pipeline_execution(name=name)

    with pytest.raises(ClientError) as no_pipeline:
        codepipeline.start_pipeline_execution(name="no-such-pipeline")
    with pytest.raises(ClientError) as no_execution:
        codepipeline.get_pipeline_execution(
            pipelineName=name, pipelineExecutionId=str(uuid.uuid4())
        )
    with pytest.raises(ClientError) as no_filtered_execution:
        codepipeline.list_action_executions(
            pipelineName=name, filter={"pipelineExecutionId": str(uuid.uuid4())}
        )

    assert "PipelineNotFoundException" == error_of(no_pipeline.value)[0]
    assert "PipelineExecutionNotFoundException" == error_of(no_execution.value)[0]
    assert (
        "PipelineExecutionNotFoundException" == error_of(no_filtered_execution.value)[0]
    )


def test_executions_are_listed_newest_first_and_tokens_are_idempotent(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """ListPipelineExecutions lists newest first; a repeated clientRequestToken starts nothing."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]), ("Build", [action("B", wire(BUILD))])
    )

    first = codepipeline.start_pipeline_execution(name=name, clientRequestToken="one")
    again = codepipeline.start_pipeline_execution(name=name, clientRequestToken="one")
    second = codepipeline.start_pipeline_execution(name=name)
    listed = codepipeline.list_pipeline_executions(pipelineName=name)

    assert first["pipelineExecutionId"] == again["pipelineExecutionId"]
    assert [second["pipelineExecutionId"], first["pipelineExecutionId"]] == [
        s["pipelineExecutionId"] for s in listed["pipelineExecutionSummaries"]
    ]
    assert {"StartPipelineExecution"} == {
        s["trigger"]["triggerType"] for s in listed["pipelineExecutionSummaries"]
    }
    assert 2 == len(emulator.jobs())


def test_reset_forgets_the_executions(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """After reset() an execution started before it is no longer the emulator's."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]), ("Build", [action("B", wire(BUILD))])
    )
    execution_id = start(codepipeline, name)

    emulator.reset()
    with pytest.raises(ClientError) as raised:
        codepipeline.get_pipeline_execution(
            pipelineName=name, pipelineExecutionId=execution_id
        )

    assert "PipelineExecutionNotFoundException" == error_of(raised.value)[0]


def test_secret_configuration_is_masked_in_action_executions(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """The job gets a secret property's value; ListActionExecutions shows ****."""
    secret_tool = create_build_type(
        codepipeline,
        "SecretTool",
        [
            {"name": "Project", "required": True, "key": True, "secret": False},
            {"name": "Token", "required": True, "key": False, "secret": True},
        ],
    )
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        (
            "Build",
            [
                action(
                    "Compile",
                    secret_tool,
                    configuration={"Project": "web", "Token": "s3cret-value"},
                )
            ],
        ),
    )

    execution_id = start(codepipeline, name)
    (job,) = emulator.jobs()
    compile_run = action_executions(codepipeline, name, execution_id)[0]

    assert {"Project": "web", "Token": "s3cret-value"} == dict(job.configuration)
    assert {"Project": "web", "Token": "****"} == compile_run["input"]["configuration"]
    assert {"Project": "web", "Token": "****"} == compile_run["input"][
        "resolvedConfiguration"
    ]


def incomplete_source(aws: dict[str, Any]) -> dict[str, Any]:
    return action("Fetch", S3_SOURCE, configuration={"S3Bucket": aws["bucket"]})


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (
            lambda aws: [
                ("Source", [source(aws, b"src")]),
                ("Build", [action("Compile", wire(BUILD), inputs=["Missing"])]),
            ],
            "Input artifact Missing is not an output of an earlier action",
        ),
        (
            lambda aws: [
                ("Source", [source(aws, b"src")]),
                (
                    "Build",
                    [action("Compile", wire(BUILD), configuration={"V": "#{No.X}"})],
                ),
            ],
            "Unable to resolve variable #{No.X} in the configuration of action Compile",
        ),
        (
            lambda aws: [
                ("Source", [incomplete_source(aws)]),
                ("Build", [action("Compile", wire(BUILD))]),
            ],
            "An S3 source action needs S3Bucket and S3ObjectKey in its configuration",
        ),
    ],
)
def test_misconfigured_action_fails_saying_why(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
    stages: Callable[[dict[str, Any]], list[Any]],
    message: str,
) -> None:
    """A missing input artifact, an unknown variable or an incomplete S3 source fails."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(*stages(aws))

    execution_id = start(codepipeline, name)
    (failed,) = [
        d
        for d in action_executions(codepipeline, name, execution_id)
        if d["status"] == "Failed"
    ]

    assert "Failed" == execution_status(codepipeline, name, execution_id)
    assert message == failed["output"]["executionResult"]["errorDetails"]["message"]
    assert () == emulator.jobs()


def test_variable_without_default_must_be_given(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A declared variable with no default, not given at the start, is refused."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Build", [action("Compile", wire(BUILD))]),
        variables=[{"name": "Env"}],
    )

    with pytest.raises(ClientError) as raised:
        codepipeline.start_pipeline_execution(name=name)

    assert ("ValidationException", 400) == error_of(raised.value)
    assert "Env has no default value" in str(raised.value)


def test_max_results_limits_the_lists(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """MaxResults cuts ListPipelineExecutions and ListActionExecutions, newest first."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]), ("Build", [action("B", wire(BUILD))])
    )
    codepipeline.start_pipeline_execution(name=name)
    newest = start(codepipeline, name)

    executions = codepipeline.list_pipeline_executions(pipelineName=name, maxResults=1)
    actions = codepipeline.list_action_executions(pipelineName=name, maxResults=1)

    assert [newest] == [
        s["pipelineExecutionId"] for s in executions["pipelineExecutionSummaries"]
    ]
    assert [(newest, "B")] == [
        (d["pipelineExecutionId"], d["actionName"])
        for d in actions["actionExecutionDetails"]
    ]


def test_reads_of_a_pipeline_never_started(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A pipeline never started lists no executions and shows stages never entered."""
    name = create_pipeline(
        ("Source", [source(aws, b"src")]), ("Build", [action("Aws", CODEBUILD)])
    )

    listed = codepipeline.list_pipeline_executions(pipelineName=name)
    state = codepipeline.get_pipeline_state(name=name)
    with pytest.raises(ClientError) as raised:
        codepipeline.get_pipeline_state(name="no-such-pipeline")

    assert [] == listed["pipelineExecutionSummaries"]
    assert [("Source", False), ("Build", False)] == [
        (s["stageName"], "latestExecution" in s) for s in state["stageStates"]
    ]
    assert "PipelineNotFoundException" == error_of(raised.value)[0]


def test_start_with_a_body_that_is_not_an_object_is_refused(
    emulator: CodePipelineEmulator,
) -> None:
    """A StartPipelineExecution body that is not a JSON object is a SerializationException."""
    request = urllib.request.Request(
        emulator.endpoint_url,
        data=b"[]",
        method="POST",
        headers={
            "X-Amz-Target": "CodePipeline_20150709.StartPipelineExecution",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    with raised.value as answer:
        body = json.loads(answer.read())

    assert (400, "SerializationException") == (raised.value.code, body["__type"])


def test_encrypted_artifact_store_encrypts_the_jobs_artifacts(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """A pipeline whose artifact store has a KMS key gives its jobs an encryption key."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Build", [action("B", wire(BUILD), outputs=["O"])]),
        artifactStore={
            "type": "S3",
            "location": "artifacts",
            "encryptionKey": {"id": "alias/artifacts", "type": "KMS"},
        },
    )

    start(codepipeline, name)
    (job,) = emulator.jobs()

    assert job.encryption_key is not None
    assert "KMS" == job.encryption_key.type.value


@pytest.mark.skipif(shutil.which("aws") is None, reason="needs the AWS CLI")
def test_aws_cli_starts_a_pipeline_and_reads_its_state(
    emulator: CodePipelineEmulator,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
    tmp_path: Path,
) -> None:
    """The AWS CLI starts an execution (its job is queued) and reads the state."""
    emulator.register_action_type(BUILD)
    name = create_pipeline(
        ("Source", [source(aws, b"src")]), ("Build", [action("B", wire(BUILD))])
    )
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": emulator.region,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    environment.pop("AWS_PROFILE", None)

    def aws_cli(*args: str) -> Any:
        done = subprocess.run(
            ["aws", "codepipeline", *args, "--endpoint-url", emulator.endpoint_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env=environment,
        )
        return json.loads(done.stdout)

    started = aws_cli("start-pipeline-execution", "--name", name)
    state = aws_cli("get-pipeline-state", "--name", name)
    (job,) = emulator.jobs()

    assert started["pipelineExecutionId"] == job.pipeline_context.pipeline_execution_id
    assert [("Source", "Succeeded"), ("Build", "InProgress")] == [
        (s["stageName"], s["latestExecution"]["status"]) for s in state["stageStates"]
    ]


def test_url_templates_fill_in_the_execution_and_entity_urls(
    emulator: CodePipelineEmulator,
    codepipeline: Any,
    aws: dict[str, Any],
    create_pipeline: Callable[..., str],
) -> None:
    """The type's URL templates get the configuration and the external execution id."""
    linked = create_build_type(
        codepipeline,
        "LinkedTool",
        [{"name": "Project", "required": True, "key": True, "secret": False}],
        settings={
            "entityUrlTemplate": "https://ci.example/{Config:Project}",
            "executionUrlTemplate": "https://ci.example/{Config:Project}/runs/{ExternalExecutionId}",
        },
    )
    name = create_pipeline(
        ("Source", [source(aws, b"src")]),
        ("Build", [action("Compile", linked, configuration={"Project": "web"})]),
    )
    execution_id = start(codepipeline, name)
    polled = codepipeline.poll_for_jobs(actionTypeId=linked)["jobs"][0]
    codepipeline.acknowledge_job(jobId=polled["id"], nonce=polled["nonce"])

    codepipeline.put_job_success_result(
        jobId=polled["id"], executionDetails={"externalExecutionId": "42"}
    )
    wait_for(lambda: execution_status(codepipeline, name, execution_id) != "InProgress")
    run = action_executions(codepipeline, name, execution_id)[0]
    build_state = codepipeline.get_pipeline_state(name=name)["stageStates"][1]

    assert (
        "https://ci.example/web/runs/42"
        == run["output"]["executionResult"]["externalExecutionUrl"]
    )
    assert "https://ci.example/web" == build_state["actionStates"][0]["entityUrl"]
