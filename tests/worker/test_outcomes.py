"""What the handler returns becomes the job's reported result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from worker_helpers import Harness

from cpjobs import (
    ActionTypeId,
    Continue,
    ExecutionDetails,
    Failure,
    FailureDetails,
    FailureType,
    InvalidField,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
    Success,
)
from cpjobs.testing import CodePipelineEmulator


async def work(
    client: JobsClient, action_type: ActionTypeId, handler: Any, jobs: int = 1
) -> JobWorker:
    """Run a worker until it has reported ``jobs`` jobs."""
    return await Harness(finish=jobs).work(JobWorker, client, action_type, handler)


async def test_success_reports_output_variables(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A `Success` is reported with its execution details and output variables."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> Success:
        return Success(
            execution_details=ExecutionDetails(summary="built"),
            output_variables={"digest": "abc123", "files": "3"},
        )

    await work(jobs_client, action_type, handler)

    record = emulator.job(job_id)
    assert JobStatus.SUCCEEDED == record.status
    assert record.success is not None
    assert {"digest": "abc123", "files": "3"} == record.success.output_variables
    assert ExecutionDetails(summary="built") == record.success.execution_details


async def test_none_is_a_plain_success(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A handler returning ``None`` succeeds the job with nothing more."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> None:
        return None

    worker = await work(jobs_client, action_type, handler)

    record = emulator.job(job_id)
    assert JobStatus.SUCCEEDED == record.status
    assert record.success is not None
    assert record.success.output_variables is None
    assert 1 == worker.stats.succeeded


async def test_continue_reports_the_token(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A `Continue` reports success with its continuation token and progress."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> Continue | Success:
        # The continuation job may be polled before the worker stops: finish it.
        if ctx.continuation_token is None:
            return Continue("step-2", percent_complete=40)
        return Success()

    worker = await work(jobs_client, action_type, handler)

    record = emulator.job(job_id)
    assert record.success is not None
    assert "step-2" == record.success.continuation_token
    assert ExecutionDetails(percent_complete=40) == record.success.execution_details
    assert record.next_job_id is not None
    assert 1 == worker.stats.continued


async def test_failure_reports_its_details(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A `Failure` is reported with its message, type and external id."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> Failure:
        return Failure(
            "no such branch",
            type=FailureType.CONFIGURATION_ERROR,
            external_execution_id="build-7",
        )

    worker = await work(jobs_client, action_type, handler)

    expected = FailureDetails(
        type=FailureType.CONFIGURATION_ERROR,
        message="no such branch",
        external_execution_id="build-7",
    )
    assert expected == emulator.job(job_id).failure_details
    assert 1 == worker.stats.failed


async def test_long_failure_message_is_trimmed(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A failure message over the service's 5000 characters is trimmed, not rejected."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> Failure:
        return Failure("x" * 6000)

    await work(jobs_client, action_type, handler)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert 5000 == len(details.message)


async def test_continuation_chain(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """The job a continuation creates reaches the handler with the token."""
    first = emulator.enqueue_job(action_type)
    seen: list[str | None] = []

    async def handler(job: Job, ctx: JobContext) -> Success | Continue:
        seen.append(ctx.continuation_token)
        if ctx.continuation_token is None:
            return Continue("half-way", percent_complete=50)
        return Success(output_variables={"resumed_from": ctx.continuation_token})

    worker = await work(jobs_client, action_type, handler, jobs=2)

    second = emulator.job(first).next_job_id
    assert second is not None
    record = emulator.job(second)
    assert [None, "half-way"] == seen
    assert JobStatus.SUCCEEDED == record.status
    assert record.success is not None
    assert {"resumed_from": "half-way"} == record.success.output_variables
    assert (1, 1) == (worker.stats.continued, worker.stats.succeeded)


async def test_not_an_outcome_fails_the_job(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A handler returning something else than an outcome fails the job."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> Any:
        return "done"

    await work(jobs_client, action_type, handler)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "TypeError: the handler returned a str, not an outcome" == details.message


class TestOutcomeValidation:
    """Outcomes check what they carry where the handler builds them."""

    @pytest.mark.parametrize(
        ("build", "expected"),
        [
            (
                lambda: Success(output_variables={"no spaces": "x"}),
                "Success.output_variables key: 'no spaces' has characters",
            ),
            (
                lambda: Continue(""),
                "Continue.continuation_token: is 0 characters long"
                " (limit: 1 to 2048 characters)",
            ),
            (
                lambda: Continue("token", percent_complete=101),
                "Continue.percent_complete: is 101 (limit: 0 to 100)",
            ),
            (
                lambda: Failure("no", external_execution_id="x" * 1501),
                "Failure.external_execution_id: is 1501 characters long",
            ),
            (
                lambda: Failure("no", type="JobFailed"),
                "Failure.type: is a str (limit: an instance of FailureType)",
            ),
        ],
    )
    def test_bad_outcome_names_field_and_limit(
        self, build: Callable[[], object], expected: str
    ) -> None:
        """A bad outcome raises `InvalidField` naming the field and the limit."""
        with pytest.raises(InvalidField) as raised:
            build()

        assert str(raised.value).startswith(expected)

    def test_output_variables_are_read_only_and_hashable(self) -> None:
        """A `Success` keeps a frozen copy of its output variables."""
        variables = {"digest": "abc"}
        success = Success(output_variables=variables)
        variables["digest"] = "changed"

        assert {"digest": "abc"} == success.output_variables
        assert hash(success) == hash(Success(output_variables={"digest": "abc"}))

    def test_continue_merges_percent_complete_into_details(self) -> None:
        """``percent_complete`` overrides the one in ``execution_details``."""
        outcome = Continue(
            "t",
            percent_complete=40,
            execution_details=ExecutionDetails(summary="half", percent_complete=10),
        )

        assert ExecutionDetails(summary="half", percent_complete=40) == (
            outcome.details()
        )
