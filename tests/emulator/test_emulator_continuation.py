"""Continuation: a success with a continuationToken creates the next job."""

from __future__ import annotations

from typing import Any

from emulator_helpers import BUILD, claim, poll_one

from cpjobs import ExecutionDetails, JobStatus
from cpjobs.testing import CodePipelineEmulator


def test_continuation_creates_the_next_job(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """The next job carries the token and the same configuration and context."""
    first_id = emulator.enqueue_job(
        BUILD, configuration={"Project": "p"}, output_artifacts=["Out"]
    )
    first = claim(codepipeline)
    codepipeline.put_job_success_result(
        jobId=first_id,
        continuationToken="step-2",
        executionDetails={"percentComplete": 50},
    )

    second = poll_one(codepipeline)

    assert second["id"] != first_id
    assert "step-2" == second["data"]["continuationToken"]
    for member in ("actionConfiguration", "pipelineContext", "outputArtifacts"):
        assert first["data"][member] == second["data"][member]


def test_continuation_chain_is_recorded(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Both records link to each other; the first holds the token and details."""
    first_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)
    codepipeline.put_job_success_result(
        jobId=first_id,
        continuationToken="step-2",
        executionDetails={"percentComplete": 50},
    )

    first = emulator.job(first_id)
    assert first.next_job_id is not None
    second = emulator.job(first.next_job_id)

    assert JobStatus.SUCCEEDED == first.status
    assert first.success is not None
    assert ("step-2", ExecutionDetails(percent_complete=50)) == (
        first.success.continuation_token,
        first.success.execution_details,
    )
    assert (JobStatus.QUEUED, first_id, "step-2") == (
        second.status,
        second.previous_job_id,
        second.continuation_token,
    )


def test_enqueue_with_a_continuation_token(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """enqueue_job(continuation_token=...) puts it in data.continuationToken."""
    emulator.enqueue_job(BUILD, continuation_token="resume")

    assert "resume" == poll_one(codepipeline)["data"]["continuationToken"]


def test_final_success_creates_no_next_job(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A success without a token ends the chain."""
    job_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)
    codepipeline.put_job_success_result(jobId=job_id)

    assert (None, 1) == (emulator.job(job_id).next_job_id, len(emulator.jobs()))
