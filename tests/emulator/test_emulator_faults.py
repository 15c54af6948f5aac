"""Fault injection: error answers and latency for the next calls."""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from emulator_helpers import BUILD, BUILD_WIRE, client_kwargs, error_of, poll_one

from cpjobs import JobStatus
from cpjobs.testing import CodePipelineEmulator


def test_throttling_fails_the_next_calls(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """inject_fault(count=2) throttles two polls; the third gets the job."""
    job_id = emulator.enqueue_job(BUILD)
    emulator.inject_fault(
        "PollForJobs", code="ThrottlingException", count=2, message="slow down"
    )

    errors = []
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)
        errors.append(
            (*error_of(raised.value), raised.value.response["Error"]["Message"])
        )

    assert [("ThrottlingException", 400, "slow down")] * 2 == errors
    assert job_id == poll_one(codepipeline)["id"]


def test_internal_failure_is_a_500(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """InternalFailure with status 500 reaches the client as a 500."""
    emulator.enqueue_job(BUILD)
    emulator.inject_fault("PollForJobs", code="InternalFailure", status=500)

    with pytest.raises(ClientError) as raised:
        codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)

    assert ("InternalFailure", 500) == error_of(raised.value)


def test_botocore_retries_a_500_by_itself(emulator: CodePipelineEmulator) -> None:
    """With retries on, botocore rides over one injected 500."""
    job_id = emulator.enqueue_job(BUILD)
    emulator.inject_fault("PollForJobs", code="InternalFailure", status=500)
    client = boto3.client(
        "codepipeline",
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
        **client_kwargs(emulator),
    )
    try:
        answer = client.poll_for_jobs(actionTypeId=BUILD_WIRE)
    finally:
        client.close()

    assert ([job_id], 1) == (
        [job["id"] for job in answer["jobs"]],
        answer["ResponseMetadata"]["RetryAttempts"],
    )


def test_faulted_call_changes_nothing(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A faulted AcknowledgeJob leaves the job Dispatched; the retry works."""
    job_id = emulator.enqueue_job(BUILD)
    job = poll_one(codepipeline)
    emulator.inject_fault("AcknowledgeJob", code="InternalFailure", status=500)

    with pytest.raises(ClientError):
        codepipeline.acknowledge_job(jobId=job_id, nonce=job["nonce"])
    status_after_fault = emulator.job(job_id).status
    answer = codepipeline.acknowledge_job(jobId=job_id, nonce=job["nonce"])

    assert (JobStatus.DISPATCHED, "InProgress") == (
        status_after_fault,
        answer["status"],
    )


def test_faulted_poll_hands_out_nothing(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A faulted PollForJobs does not dispatch any job."""
    job_id = emulator.enqueue_job(BUILD)
    emulator.inject_fault("PollForJobs")

    with pytest.raises(ClientError):
        codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)

    record = emulator.job(job_id)
    assert (JobStatus.QUEUED, 0) == (record.status, record.dispatch_count)


def test_faults_apply_only_to_their_operation(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A fault for GetJobDetails does not touch PollForJobs."""
    job_id = emulator.enqueue_job(BUILD)
    emulator.inject_fault("GetJobDetails")

    assert job_id == poll_one(codepipeline)["id"]


def test_faults_work_for_moto_operations(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Operations moto serves (ListPipelines) can be faulted too."""
    emulator.inject_fault("ListPipelines", code="InternalFailure", status=500)

    with pytest.raises(ClientError) as raised:
        codepipeline.list_pipelines()

    assert ("InternalFailure", 500) == error_of(raised.value)
    assert [] == codepipeline.list_pipelines()["pipelines"]


def test_latency_holds_the_call(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """inject_latency holds the next call before it takes effect."""
    emulator.enqueue_job(BUILD)
    job = poll_one(codepipeline)
    emulator.inject_latency("AcknowledgeJob", seconds=60, count=1)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        answer = pool.submit(
            codepipeline.acknowledge_job, jobId=job["id"], nonce=job["nonce"]
        )
        while not emulator.calls("AcknowledgeJob"):
            time.sleep(0.01)
        held = emulator.job(job["id"]).status
        emulator.reset()  # ends the delay

        with pytest.raises(ClientError) as raised:
            answer.result(timeout=30)

    assert JobStatus.DISPATCHED == held
    assert ("ServiceUnavailableException", 503) == error_of(raised.value)


def test_latency_applies_to_count_calls(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A short latency delays the call, which then takes effect as usual."""
    emulator.enqueue_job(BUILD)
    job = poll_one(codepipeline)
    emulator.inject_latency("AcknowledgeJob", seconds=0.05, count=1)

    answer = codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])

    assert "InProgress" == answer["status"]


def test_calls_are_counted_per_operation(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """calls() counts each operation's requests, failed ones too, until reset."""
    emulator.register_action_type(BUILD)
    emulator.inject_fault("PollForJobs", count=1)
    with pytest.raises(ClientError):
        codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)
    codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)
    counted = (emulator.calls("PollForJobs"), emulator.calls("AcknowledgeJob"))

    emulator.reset()

    assert (2, 0) == counted
    assert 0 == emulator.calls("PollForJobs")


def test_unknown_operation_is_refused(emulator: CodePipelineEmulator) -> None:
    """inject_fault checks the operation name against CodePipeline's."""
    with pytest.raises(ValueError, match="PollForJob"):
        emulator.inject_fault("PollForJob")


def test_reset_clears_faults(emulator: CodePipelineEmulator, codepipeline: Any) -> None:
    """reset() drops pending faults."""
    emulator.inject_fault("ListActionTypes", count=5)

    emulator.reset()

    assert [] == codepipeline.list_action_types()["actionTypes"]
