"""The Lambda adapter against the emulator: what CodePipeline records.

Lambda's context object is a stand-in (`FakeLambdaContext`): outside Lambda
there is none. Everything else is real: the emulator over HTTP, aiobotocore
clients, moto's S3 for the artifacts.
"""

from __future__ import annotations

import asyncio
import io
import logging
import zipfile
from collections.abc import Callable

import pytest

from cpjobs import (
    Backoff,
    Continue,
    Failure,
    FailureType,
    InvalidEvent,
    InvalidField,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    Success,
    lambda_handler,
    user_parameters,
)
from cpjobs.testing import CodePipelineEmulator

from .conftest import ACTION, FakeLambdaContext

FAST = Backoff(initial=0.01, maximum=0.02)
ClientFactory = Callable[[], JobsClient]


def invoke(
    emulator: CodePipelineEmulator,
    make_client: ClientFactory,
    handler: Callable[[Job, JobContext], object],
    job_id: str,
    *,
    remaining: float = 300.0,
    **options: object,
) -> None:
    """Run ``handler`` as a Lambda function on the job's event."""
    function = lambda_handler(handler, client=make_client, **options)  # type: ignore[arg-type]
    function(emulator.lambda_event(job_id), FakeLambdaContext(remaining))


def test_success_with_output_variables(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """A handler's Success is reported once, with its output variables."""
    job_id = emulator.enqueue_job(
        ACTION, configuration={"FunctionName": "f", "UserParameters": '{"n": 2}'}
    )

    async def handler(job: Job, ctx: JobContext) -> Success:
        parameters = user_parameters(job)
        assert parameters is not None
        return Success(output_variables={"Twice": str(2 * parameters.value["n"])})  # type: ignore[index]

    invoke(emulator, make_client, handler, job_id)

    record = emulator.job(job_id)
    assert JobStatus.SUCCEEDED == record.status
    assert record.success is not None
    assert {"Twice": "4"} == record.success.output_variables
    assert 1 == emulator.calls("PutJobSuccessResult")


def test_none_is_a_plain_success(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """A handler returning None succeeds the job."""
    job_id = emulator.enqueue_job(ACTION)

    async def handler(job: Job, ctx: JobContext) -> None:
        return None

    invoke(emulator, make_client, handler, job_id)

    assert JobStatus.SUCCEEDED == emulator.job(job_id).status


def test_failure_is_reported(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """A handler's Failure is reported with its message and type."""
    job_id = emulator.enqueue_job(ACTION)

    async def handler(job: Job, ctx: JobContext) -> Failure:
        return Failure("no stack", type=FailureType.CONFIGURATION_ERROR)

    invoke(emulator, make_client, handler, job_id)

    record = emulator.job(job_id)
    assert JobStatus.FAILED == record.status
    assert record.failure_details is not None
    assert ("no stack", FailureType.CONFIGURATION_ERROR) == (
        record.failure_details.message,
        record.failure_details.type,
    )


def test_exception_is_a_redacted_failure(
    emulator: CodePipelineEmulator,
    make_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception fails the job; neither report nor logs show secrets or the event."""
    job_id = emulator.enqueue_job(
        ACTION, configuration={"FunctionName": "f", "UserParameters": "hunter22-secret"}
    )
    event = emulator.lambda_event(job_id)
    credentials = event["CodePipeline.job"]["data"]["artifactCredentials"]

    async def handler(job: Job, ctx: JobContext) -> None:
        raise RuntimeError(
            f"bad {ctx.configuration['UserParameters']} {credentials['secretAccessKey']}"
        )

    function = lambda_handler(handler, client=make_client)
    with caplog.at_level(logging.DEBUG):
        function(event, FakeLambdaContext())

    record = emulator.job(job_id)
    assert JobStatus.FAILED == record.status
    assert record.failure_details is not None
    assert "RuntimeError: bad *** ***" == record.failure_details.message
    for secret in ("hunter22-secret", *map(str, credentials.values())):
        assert secret not in caplog.text


def test_continuation_is_invoked_again_with_the_token(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """Continue reports the token; the next invocation's job carries it."""
    job_id = emulator.enqueue_job(ACTION)
    seen: list[str | None] = []

    async def handler(job: Job, ctx: JobContext) -> Continue | Success:
        seen.append(ctx.continuation_token)
        if ctx.continuation_token is None:
            return Continue("page-2", percent_complete=50)
        return Success()

    invoke(emulator, make_client, handler, job_id)
    first = emulator.job(job_id)
    assert first.success is not None
    assert first.next_job_id is not None
    invoke(emulator, make_client, handler, first.next_job_id)

    assert "page-2" == first.success.continuation_token
    assert [None, "page-2"] == seen
    assert JobStatus.SUCCEEDED == emulator.job(first.next_job_id).status


def test_running_out_of_time_hands_off_the_checkpoint(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """Near the function's timeout the handler is cancelled and its checkpoint continues."""
    job_id = emulator.enqueue_job(ACTION)

    async def handler(job: Job, ctx: JobContext) -> None:
        ctx.checkpoint("half-way", percent_complete=50)
        await asyncio.Event().wait()  # never set: only the deadline ends it

    invoke(emulator, make_client, handler, job_id, remaining=10.2, time_margin=10.0)

    record = emulator.job(job_id)
    assert record.success is not None
    assert "half-way" == record.success.continuation_token
    assert record.next_job_id is not None


def test_running_out_of_time_without_checkpoint_fails(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """Near the timeout, a handler with no checkpoint fails the job as out of time."""
    job_id = emulator.enqueue_job(ACTION)

    async def handler(job: Job, ctx: JobContext) -> None:
        await asyncio.Event().wait()

    invoke(emulator, make_client, handler, job_id, remaining=5.0, time_margin=10.0)

    record = emulator.job(job_id)
    assert JobStatus.FAILED == record.status
    assert record.failure_details is not None
    assert (FailureType.SYSTEM_UNAVAILABLE, "the Lambda function ran out of time") == (
        record.failure_details.type,
        record.failure_details.message,
    )


def test_report_is_retried_through_faults(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """Throttled and 5xx answers to the report are retried until it lands."""
    job_id = emulator.enqueue_job(ACTION)
    emulator.inject_fault("PutJobSuccessResult", code="ThrottlingException")
    emulator.inject_fault("PutJobSuccessResult", code="InternalFailure", status=500)

    async def handler(job: Job, ctx: JobContext) -> Success:
        return Success(output_variables={"Done": "yes"})

    invoke(emulator, make_client, handler, job_id, retry_backoff=FAST)

    record = emulator.job(job_id)
    assert JobStatus.SUCCEEDED == record.status
    assert 3 == emulator.calls("PutJobSuccessResult")


def test_artifacts_use_the_events_credentials(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """ctx.artifacts reads the input and writes the output with the event's credentials."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("app/version.txt", "1.2.3")
    job_id = emulator.enqueue_job(
        ACTION, input_artifacts={"Source": packed.getvalue()}, output_artifacts=["Out"]
    )

    async def handler(job: Job, ctx: JobContext) -> Success:
        chunks = []
        async with ctx.artifacts.input("Source").stream() as body:
            async for chunk in body:
                chunks.append(chunk)
        await ctx.artifacts.output("Out").upload_stream(_one(b"".join(chunks)))
        return Success()

    invoke(emulator, make_client, handler, job_id)

    assert JobStatus.SUCCEEDED == emulator.job(job_id).status
    assert packed.getvalue() == emulator.read_artifact(job_id, "Out")
    assert 0 == emulator.calls("GetJobDetails")


async def _one(data: bytes):  # type: ignore[no-untyped-def]
    yield data


def test_malformed_event_with_a_job_id_fails_the_job(
    emulator: CodePipelineEmulator, make_client: ClientFactory
) -> None:
    """An event whose job id reads but whose data does not fails that job, naming the path."""
    job_id = emulator.enqueue_job(ACTION)
    event = emulator.lambda_event(job_id)
    event["CodePipeline.job"]["data"]["inputArtifacts"] = "not a list"
    ran: list[Job] = []

    async def handler(job: Job, ctx: JobContext) -> None:
        ran.append(job)

    lambda_handler(handler, client=make_client)(event, FakeLambdaContext())

    record = emulator.job(job_id)
    assert [] == ran
    assert JobStatus.FAILED == record.status
    assert record.failure_details is not None
    assert (
        "The Lambda event does not fit a job: CodePipeline.job.data.inputArtifacts: "
        "is a string, not a list"
    ) == record.failure_details.message


def test_event_without_a_job_raises(make_client: ClientFactory) -> None:
    """An event that is not from CodePipeline raises InvalidEvent: nothing to report."""

    async def handler(job: Job, ctx: JobContext) -> None:
        raise AssertionError("not called")

    function = lambda_handler(handler, client=make_client)
    with pytest.raises(InvalidEvent) as raised:
        function({"Records": []}, FakeLambdaContext())

    assert "CodePipeline.job" == raised.value.path


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"handler": lambda job, ctx: None}, "lambda_handler.handler"),
        ({"time_margin": -1}, "lambda_handler.time_margin"),
        ({"time_margin": True}, "lambda_handler.time_margin"),
        ({"client": "client"}, "lambda_handler.client"),
        ({"retry_attempts": 0}, "lambda_handler.retry_attempts"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, object], field: str) -> None:
    """Wrong arguments raise InvalidField naming them, before any invocation."""

    async def handler(job: Job, ctx: JobContext) -> None:
        return None

    with pytest.raises(InvalidField) as raised:
        lambda_handler(**{"handler": handler, **arguments})  # type: ignore[arg-type]

    assert field == raised.value.field


def test_default_client_follows_the_functions_environment(
    emulator: CodePipelineEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a client factory, the region, credentials and endpoint come from the environment."""
    for name, value in {
        "AWS_ENDPOINT_URL": emulator.endpoint_url,
        "AWS_DEFAULT_REGION": emulator.region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    job_id = emulator.enqueue_job(ACTION)

    async def handler(job: Job, ctx: JobContext) -> None:
        return None

    lambda_handler(handler)(emulator.lambda_event(job_id), FakeLambdaContext())

    assert JobStatus.SUCCEEDED == emulator.job(job_id).status


def test_refused_job_that_cannot_be_reported_is_logged(
    emulator: CodePipelineEmulator,
    make_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A malformed event for an unknown job logs the failed report instead of raising."""

    async def handler(job: Job, ctx: JobContext) -> None:
        raise AssertionError("not called")

    event = {"CodePipeline.job": {"id": "no-such-job", "data": []}}
    with caplog.at_level(logging.ERROR, logger="cpjobs.lambda"):
        lambda_handler(handler, client=make_client)(event, FakeLambdaContext())

    refused, unreported = (record.getMessage() for record in caplog.records)
    assert (
        "the event does not fit a job: CodePipeline.job.data: is a list, not an object"
        == refused
    )
    assert unreported.startswith("reporting the refused job failed: ")


def test_lambda_event_only_for_queued_custom_jobs(
    emulator: CodePipelineEmulator,
) -> None:
    """The emulator invokes a job once, and only a custom job it knows."""
    job_id = emulator.enqueue_job(ACTION)
    emulator.lambda_event(job_id)

    with pytest.raises(ValueError, match="InProgress, not Queued"):
        emulator.lambda_event(job_id)
    with pytest.raises(KeyError):
        emulator.lambda_event("no-such-job")
    assert JobStatus.IN_PROGRESS == emulator.job(job_id).status
