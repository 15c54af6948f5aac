"""A handler that raises fails its job, and neither report nor log shows a secret."""

from __future__ import annotations

import logging

import pytest
from worker_helpers import Harness

from cpjobs import (
    ActionTypeId,
    FailureType,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
)
from cpjobs.testing import CodePipelineEmulator

SECRET = "hunter2-very-secret-password"


async def crash_with(
    emulator: CodePipelineEmulator,
    client: JobsClient,
    action_type: ActionTypeId,
    error: Exception | None = None,
) -> str:
    """Run one job whose handler raises; return the job id."""
    job_id = emulator.enqueue_job(
        action_type, configuration={"Password": SECRET, "Branch": "main"}
    )

    async def handler(job: Job, ctx: JobContext) -> None:
        if error is not None:
            raise error
        assert job.data is not None
        credentials = job.data.artifact_credentials
        assert credentials is not None
        raise RuntimeError(
            f"login {ctx.configuration['Password']!r} failed with "
            f"{credentials.access_key_id}/{credentials.secret_access_key}"
            f"/{credentials.session_token}"
        )

    harness = Harness(finish=1)
    await harness.run(JobWorker(client, action_type, handler, **harness.options()))
    return job_id


async def test_crash_fails_the_job(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """The failure is JobFailed with the exception's type name and message."""
    job_id = await crash_with(
        emulator, jobs_client, action_type, ValueError("bad input")
    )

    record = emulator.job(job_id)
    assert JobStatus.FAILED == record.status
    assert record.failure_details is not None
    assert FailureType.JOB_FAILED == record.failure_details.type
    assert "ValueError: bad input" == record.failure_details.message


async def test_crash_without_message(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """An exception without a message is reported by its type name."""
    job_id = await crash_with(emulator, jobs_client, action_type, KeyError())

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert "KeyError" == details.message


async def test_crash_message_is_trimmed(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A huge exception message is trimmed to the 5000-character limit."""
    job_id = await crash_with(
        emulator, jobs_client, action_type, ValueError("y" * 10_000)
    )

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert 5000 == len(details.message)
    assert details.message.startswith("ValueError: yyy")


async def test_crash_report_hides_secrets(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Configuration values and artifact credentials are redacted from the report."""
    job_id = await crash_with(emulator, jobs_client, action_type)

    details = emulator.job(job_id).failure_details
    assert details is not None
    assert SECRET not in details.message
    assert "ASIA" not in details.message
    assert "RuntimeError: login '***' failed with ***/***/***" == details.message


async def test_crash_log_has_redacted_traceback(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The crash is logged with its traceback, and no record shows a secret."""
    caplog.set_level(logging.DEBUG, logger="cpjobs")

    await crash_with(emulator, jobs_client, action_type)

    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = record.getMessage()
    assert "Traceback (most recent call last)" in message
    assert "RuntimeError: login '***' failed" in message
    assert record.exc_info is None
    assert SECRET not in caplog.text
    assert "ASIA" not in caplog.text
