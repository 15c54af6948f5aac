"""Custom jobs: poll, acknowledge, details, results, batches and filters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from emulator_helpers import BUILD, BUILD_WIRE, claim, poll_one

from cpjobs import (
    ActionContext,
    CurrentRevision,
    ExecutionDetails,
    FailureDetails,
    FailureType,
    JobStatus,
    PipelineContext,
    StageContext,
)
from cpjobs.testing import CodePipelineEmulator, JobSuccess


def test_enqueued_job_is_queued(emulator: CodePipelineEmulator) -> None:
    """A new job is Queued, without a nonce, never dispatched."""
    job_id = emulator.enqueue_job(BUILD)

    record = emulator.job(job_id)

    assert (JobStatus.QUEUED, None, 0) == (
        record.status,
        record.nonce,
        record.dispatch_count,
    )


def test_poll_answers_a_full_job(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """PollForJobs hands out id, data, nonce and accountId, and dispatches the job."""
    job_id = emulator.enqueue_job(BUILD, configuration={"Project": "demo"})

    job = poll_one(codepipeline)

    assert {"id", "data", "nonce", "accountId"} == set(job)
    assert (job_id, "123456789012") == (job["id"], job["accountId"])
    assert BUILD_WIRE == job["data"]["actionTypeId"]
    assert {"Project": "demo"} == job["data"]["actionConfiguration"]["configuration"]
    record = emulator.job(job_id)
    assert (JobStatus.DISPATCHED, job["nonce"], 1) == (
        record.status,
        record.nonce,
        record.dispatch_count,
    )


def test_acknowledge_answers_in_progress(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """AcknowledgeJob with the poll's nonce answers InProgress and records it."""
    job_id = emulator.enqueue_job(BUILD)
    job = poll_one(codepipeline)

    answer = codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])

    assert "InProgress" == answer["status"]
    assert JobStatus.IN_PROGRESS == emulator.job(job_id).status


def test_acknowledge_after_success_answers_succeeded(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Acknowledging a finished job answers its status, not InProgress."""
    emulator.enqueue_job(BUILD)
    job = claim(codepipeline)
    codepipeline.put_job_success_result(jobId=job["id"])

    answer = codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])

    assert "Succeeded" == answer["status"]


def test_get_job_details_has_no_nonce_and_fresh_credentials(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """GetJobDetails answers id, data, accountId and new artifact credentials."""
    emulator.enqueue_job(BUILD)
    job = claim(codepipeline)

    details = codepipeline.get_job_details(jobId=job["id"])["jobDetails"]

    assert {"id", "data", "accountId"} == set(details)
    assert job["id"] == details["id"]
    assert (
        job["data"]["artifactCredentials"]["accessKeyId"]
        != details["data"]["artifactCredentials"]["accessKeyId"]
    )


def test_success_is_recorded(emulator: CodePipelineEmulator, codepipeline: Any) -> None:
    """PutJobSuccessResult records execution details, revision and variables."""
    job_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)

    codepipeline.put_job_success_result(
        jobId=job_id,
        currentRevision={
            "revision": "abc123",
            "changeIdentifier": "change-1",
            "created": datetime(2024, 5, 1, tzinfo=UTC),
            "revisionSummary": "fix",
        },
        executionDetails={
            "summary": "built",
            "externalExecutionId": "build-7",
            "percentComplete": 100,
        },
        outputVariables={"IMAGE_TAG": "v1"},
    )

    record = emulator.job(job_id)
    assert JobStatus.SUCCEEDED == record.status
    assert (
        JobSuccess(
            execution_details=ExecutionDetails(
                summary="built", external_execution_id="build-7", percent_complete=100
            ),
            current_revision=CurrentRevision(
                revision="abc123",
                change_identifier="change-1",
                created=datetime(2024, 5, 1, tzinfo=UTC),
                revision_summary="fix",
            ),
            output_variables={"IMAGE_TAG": "v1"},
        )
        == record.success
    )


def test_failure_is_recorded(emulator: CodePipelineEmulator, codepipeline: Any) -> None:
    """PutJobFailureResult marks the job Failed with its failure details."""
    job_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)

    codepipeline.put_job_failure_result(
        jobId=job_id,
        failureDetails={
            "type": "ConfigurationError",
            "message": "no buildspec",
            "externalExecutionId": "build-8",
        },
    )

    record = emulator.job(job_id)
    assert (JobStatus.FAILED, None) == (record.status, record.success)
    assert (
        FailureDetails(
            type=FailureType.CONFIGURATION_ERROR,
            message="no buildspec",
            external_execution_id="build-8",
        )
        == record.failure_details
    )


def test_max_batch_size_defaults_to_one(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Without maxBatchSize a poll hands out one job, like AWS."""
    for _ in range(3):
        emulator.enqueue_job(BUILD)

    jobs = codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)["jobs"]

    assert 1 == len(jobs)


def test_max_batch_size_limits_the_batch(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """maxBatchSize=2 hands out two of three jobs, oldest first."""
    job_ids = [emulator.enqueue_job(BUILD) for _ in range(3)]

    jobs = codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE, maxBatchSize=2)["jobs"]

    assert job_ids[:2] == [job["id"] for job in jobs]


def test_pipeline_context_defaults(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A job's pipeline context has name, stage, action, ids and ARN by default."""
    emulator.enqueue_job(BUILD)

    context = poll_one(codepipeline)["data"]["pipelineContext"]

    assert "my-pipeline" == context["pipelineName"]
    assert {"name": "Build"} == context["stage"]
    assert "EmulatorTest" == context["action"]["name"]
    assert (
        "arn:aws:codepipeline:us-east-1:123456789012:my-pipeline"
        == context["pipelineArn"]
    )
    uuid.UUID(context["pipelineExecutionId"])
    uuid.UUID(context["action"]["actionExecutionId"])


def test_pipeline_context_is_configurable(emulator: CodePipelineEmulator) -> None:
    """enqueue_job takes the pipeline, stage, action and execution id."""
    job_id = emulator.enqueue_job(
        BUILD,
        pipeline_name="shop",
        stage_name="Test",
        action_name="Unit",
        pipeline_execution_id="11111111-2222-3333-4444-555555555555",
    )

    context = emulator.job(job_id).pipeline_context

    assert context.action is not None
    assert (
        PipelineContext(
            pipeline_name="shop",
            stage=StageContext(name="Test"),
            action=ActionContext(
                name="Unit", action_execution_id=context.action.action_execution_id
            ),
            pipeline_arn="arn:aws:codepipeline:us-east-1:123456789012:shop",
            pipeline_execution_id="11111111-2222-3333-4444-555555555555",
        )
        == context
    )


def test_jobs_lists_all_records_oldest_first(emulator: CodePipelineEmulator) -> None:
    """jobs() returns a snapshot of every job in creation order."""
    job_ids = [emulator.enqueue_job(BUILD) for _ in range(3)]

    assert job_ids == [record.id for record in emulator.jobs()]


async def test_aiobotocore_lifecycle(
    emulator: CodePipelineEmulator, aio_codepipeline: Any
) -> None:
    """The whole lifecycle works over aiobotocore too."""
    job_id = emulator.enqueue_job(BUILD)

    (job,) = (await aio_codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE))["jobs"]
    ack = await aio_codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    await aio_codepipeline.put_job_success_result(jobId=job["id"])

    assert ("InProgress", JobStatus.SUCCEEDED) == (
        ack["status"],
        emulator.job(job_id).status,
    )


async def test_wait_for_job_returns_the_final_record(
    emulator: CodePipelineEmulator, aio_codepipeline: Any
) -> None:
    """wait_for_job returns once the job has a final status."""
    job_id = emulator.enqueue_job(BUILD)
    (job,) = (await aio_codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE))["jobs"]
    await aio_codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    await aio_codepipeline.put_job_success_result(jobId=job["id"])

    record = await emulator.wait_for_job(job_id, timeout=5)

    assert JobStatus.SUCCEEDED == record.status


async def test_wait_for_job_times_out(emulator: CodePipelineEmulator) -> None:
    """wait_for_job raises TimeoutError while the job is not done."""
    job_id = emulator.enqueue_job(BUILD)

    with pytest.raises(TimeoutError, match="Queued"):
        await emulator.wait_for_job(job_id, timeout=0.05)


def test_unknown_record_is_a_key_error(emulator: CodePipelineEmulator) -> None:
    """job() with an unknown id raises KeyError."""
    with pytest.raises(KeyError):
        emulator.job("00000000-0000-0000-0000-000000000000")
