"""Acknowledgements and reports ride out transient faults; rejected results fail."""

from __future__ import annotations

import asyncio

import pytest
from worker_helpers import Harness, TopRng, client_for

from cpjobs import (
    ActionTypeId,
    Backoff,
    FailureType,
    Job,
    JobContext,
    JobResult,
    JobsClient,
    JobStatus,
    JobWorker,
    RetryScheduled,
    Success,
)
from cpjobs.testing import OUTPUT_VARIABLES_MAX_BYTES, CodePipelineEmulator

RETRY = Backoff(initial=0.5, maximum=2.0)


async def noop(job: Job, ctx: JobContext) -> None:
    """Succeed at once."""


async def work_one(
    client: JobsClient,
    action_type: ActionTypeId,
    handler: object = noop,
    **options: object,
) -> tuple[JobWorker, Harness]:
    """Run a worker until it has reported one job."""
    harness = Harness(finish=1)
    worker = await harness.work(
        JobWorker,
        client,
        action_type,
        handler,
        retry_backoff=RETRY,
        rng=TopRng(),
        **options,
    )
    return worker, harness


def retries(harness: Harness) -> list[tuple[str, int, float]]:
    return [
        (e.operation, e.attempt, e.delay)
        for e in harness.events
        if isinstance(e, RetryScheduled)
    ]


@pytest.mark.parametrize(
    ("code", "status"), [("ThrottlingException", 400), ("InternalFailure", 500)]
)
async def test_ack_retried_on_transient_fault(
    emulator: CodePipelineEmulator,
    bare_client: JobsClient,
    action_type: ActionTypeId,
    code: str,
    status: int,
) -> None:
    """A throttled or 5xx acknowledgement is sent again after a backoff wait."""
    job_id = emulator.enqueue_job(action_type)
    emulator.inject_fault("AcknowledgeJob", code=code, status=status, count=2)

    worker, harness = await work_one(bare_client, action_type)

    expected = [("AcknowledgeJob", 1, 0.5), ("AcknowledgeJob", 2, 1.0)]
    assert expected == retries(harness)
    assert 2 == worker.stats.claim_retries
    assert JobStatus.SUCCEEDED == emulator.job(job_id).status


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("InternalFailure", 500),
        ("RequestTimeout", 400),
        ("RequestTimeoutException", 400),
        ("PriorRequestNotComplete", 400),
        ("TransactionInProgressException", 400),
        ("SomethingNew", 429),
        ("BadGateway", 502),
        ("GatewayTimeout", 504),
    ],
)
async def test_report_retried_on_transient_fault(
    emulator: CodePipelineEmulator,
    bare_client: JobsClient,
    action_type: ActionTypeId,
    code: str,
    status: int,
) -> None:
    """A report answered as botocore's standard retry mode retries is sent again."""
    job_id = emulator.enqueue_job(action_type)
    emulator.inject_fault("PutJobSuccessResult", code=code, status=status, count=3)

    worker, harness = await work_one(bare_client, action_type)

    expected = [
        ("PutJobSuccessResult", 1, 0.5),
        ("PutJobSuccessResult", 2, 1.0),
        ("PutJobSuccessResult", 3, 2.0),
    ]
    assert expected == retries(harness)
    assert (3, 1) == (worker.stats.report_retries, worker.stats.succeeded)
    assert JobStatus.SUCCEEDED == emulator.job(job_id).status


async def test_report_retries_are_bounded(
    emulator: CodePipelineEmulator, bare_client: JobsClient, action_type: ActionTypeId
) -> None:
    """After ``retry_attempts`` failed attempts the report is given up and counted."""
    job_id = emulator.enqueue_job(action_type)
    emulator.inject_fault(
        "PutJobSuccessResult", code="InternalFailure", status=500, count=3
    )

    worker, harness = await work_one(bare_client, action_type, retry_attempts=3)

    assert 2 == len(retries(harness))
    assert [JobResult.UNREPORTED] == [e.result for e in harness.finished]
    assert 1 == worker.stats.unreported
    assert JobStatus.IN_PROGRESS == emulator.job(job_id).status


async def test_oversized_output_variables_fail_the_job(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """When the service rejects the output variables the job fails with the reason."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> Success:
        return Success(output_variables={"big": "x" * OUTPUT_VARIABLES_MAX_BYTES})

    worker, _ = await work_one(jobs_client, action_type, handler)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert FailureType.JOB_FAILED == details.type
    assert "OutputVariablesSizeExceededException" in details.message
    assert 1 == worker.stats.failed


async def test_invalid_output_variable_name_fails_the_job(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A `Success` that cannot be built (a bad variable name) fails the job with the reason."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> Success:
        return Success(output_variables={"no spaces": "x"})

    await work_one(jobs_client, action_type, handler)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert details.message.startswith("InvalidField: Success.output_variables key")


async def test_timed_out_job_is_not_retried(
    emulator: CodePipelineEmulator, bare_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A report rejected with InvalidJobState (the job timed out) is logged, not retried."""
    job_id = emulator.enqueue_job(action_type)
    emulator.set_timeouts(job=60)

    async def handler(job: Job, ctx: JobContext) -> None:
        emulator.advance_clock(61)

    worker, harness = await work_one(bare_client, action_type, handler)

    assert [] == retries(harness)
    assert [JobResult.UNREPORTED] == [e.result for e in harness.finished]
    assert 1 == worker.stats.unreported
    assert JobStatus.TIMED_OUT == emulator.job(job_id).status


async def test_not_implemented_is_not_retried(
    emulator: CodePipelineEmulator, bare_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A 501 is not among the transient statuses: the report is not sent again."""
    emulator.enqueue_job(action_type)
    emulator.inject_fault("PutJobSuccessResult", code="NotImplemented", status=501)

    worker, harness = await work_one(bare_client, action_type)

    assert [] == retries(harness)
    assert 1 == worker.stats.unreported


async def test_result_that_landed_before_its_answer_was_lost_counts(
    emulator: CodePipelineEmulator, action_type: ActionTypeId
) -> None:
    """A report that timed out but landed, then InvalidJobState on the retry, counts.

    The emulator holds the first report's answer past the client's read timeout
    and applies it afterwards; the retry waits until it has been applied.
    """
    job_id = emulator.enqueue_job(action_type)
    emulator.inject_latency("PutJobSuccessResult", seconds=2.0)
    harness = Harness(finish=1)

    async def sleep_until_applied(delay: float) -> None:
        harness.sleeps.append(delay)
        while emulator.job(job_id).status is not JobStatus.SUCCEEDED:  # noqa: ASYNC110  (a server thread applies it)
            await asyncio.sleep(0.02)

    async with client_for(
        emulator, read_timeout=0.5, retries={"total_max_attempts": 1}
    ) as client:
        worker = JobWorker(
            client,
            action_type,
            noop,
            retry_backoff=RETRY,
            on_event=harness.on_event,
            sleep=sleep_until_applied,
        )
        await harness.run(worker)

    assert [JobResult.SUCCEEDED] == [e.result for e in harness.finished]
    assert (1, 0, 1) == (
        worker.stats.succeeded,
        worker.stats.unreported,
        worker.stats.report_retries,
    )


async def test_invalid_job_state_without_an_earlier_attempt_is_unreported(
    emulator: CodePipelineEmulator, bare_client: JobsClient, action_type: ActionTypeId
) -> None:
    """InvalidJobState after a throttled attempt (which cannot have landed) is not a success."""
    emulator.enqueue_job(action_type)
    emulator.inject_fault("PutJobSuccessResult", code="ThrottlingException")
    emulator.inject_fault("PutJobSuccessResult", code="InvalidJobStateException")

    _, harness = await work_one(bare_client, action_type)

    assert [JobResult.UNREPORTED] == [e.result for e in harness.finished]
