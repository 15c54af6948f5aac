"""Timeouts, applied lazily against the emulator's clock (no sleeping)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from emulator_helpers import (
    BUILD,
    BUILD_WIRE,
    NO_RETRIES,
    claim,
    client_kwargs,
    error_of,
    poll_one,
)

from cpjobs import JobStatus
from cpjobs.testing import CodePipelineEmulator


def test_unacknowledged_job_is_handed_out_again_with_a_new_nonce(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A dispatched job not acknowledged within the dispatch timeout is re-polled."""
    emulator.set_timeouts(dispatch=30)
    emulator.enqueue_job(BUILD)
    first = poll_one(codepipeline)

    emulator.advance_clock(31)
    second = poll_one(codepipeline)

    assert first["id"] == second["id"]
    assert first["nonce"] != second["nonce"]
    assert 2 == emulator.job(first["id"]).dispatch_count


def test_expired_dispatch_is_queued_again(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """After the dispatch timeout the job is Queued and has no nonce."""
    job_id = emulator.enqueue_job(BUILD)
    poll_one(codepipeline)

    emulator.advance_clock(61)

    record = emulator.job(job_id)
    assert (JobStatus.QUEUED, None) == (record.status, record.nonce)


def test_expired_nonce_is_invalid(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Acknowledging with the nonce of an expired dispatch is InvalidNonceException."""
    emulator.enqueue_job(BUILD)
    job = poll_one(codepipeline)
    emulator.advance_clock(61)

    with pytest.raises(ClientError) as raised:
        codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])

    assert ("InvalidNonceException", 400) == error_of(raised.value)


def test_dispatch_within_the_timeout_stays_dispatched(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """Before the dispatch timeout the job stays Dispatched with its nonce."""
    job_id = emulator.enqueue_job(BUILD)
    job = poll_one(codepipeline)

    emulator.advance_clock(59)

    record = emulator.job(job_id)
    assert (JobStatus.DISPATCHED, job["nonce"]) == (record.status, record.nonce)


def test_in_progress_job_times_out(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """An InProgress job without a result within the job timeout is TimedOut."""
    emulator.set_timeouts(job=120)
    job_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)

    emulator.advance_clock(121)

    assert JobStatus.TIMED_OUT == emulator.job(job_id).status


def test_result_after_time_out_is_invalid_job_state(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A timed-out job is final: its result is InvalidJobStateException."""
    job_id = emulator.enqueue_job(BUILD)
    claim(codepipeline)
    emulator.advance_clock(3601)

    with pytest.raises(ClientError) as raised:
        codepipeline.put_job_success_result(jobId=job_id)

    assert ("InvalidJobStateException", 400) == error_of(raised.value)


def test_timed_out_job_is_not_polled_again(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """A timed-out job is not handed out again."""
    emulator.enqueue_job(BUILD)
    claim(codepipeline)
    emulator.advance_clock(3601)

    assert [] == codepipeline.poll_for_jobs(actionTypeId=BUILD_WIRE)["jobs"]


def test_injected_clock_drives_the_timeouts() -> None:
    """serve(clock=...) makes the timeouts follow that clock."""
    now = [1000.0]
    with CodePipelineEmulator.serve(clock=lambda: now[0]) as emulator:
        emulator.set_timeouts(job=10)
        job_id = emulator.enqueue_job(BUILD)
        client = boto3.client(
            "codepipeline", config=NO_RETRIES, **client_kwargs(emulator)
        )
        try:
            claim(client)
            now[0] += 10
            status = emulator.job(job_id).status
        finally:
            client.close()

    assert (JobStatus.TIMED_OUT, 1010.0) == (status, now[0])


def test_reset_restores_default_timeouts(
    emulator: CodePipelineEmulator, codepipeline: Any
) -> None:
    """reset() brings back the 60-second dispatch timeout."""
    emulator.set_timeouts(dispatch=1)
    emulator.reset()
    job_id = emulator.enqueue_job(BUILD)
    poll_one(codepipeline)

    emulator.advance_clock(30)

    assert JobStatus.DISPATCHED == emulator.job(job_id).status


def test_reset_takes_back_advance_clock(emulator: CodePipelineEmulator) -> None:
    """reset() undoes advance_clock."""
    before = emulator.clock()
    emulator.advance_clock(1000)

    emulator.reset()

    assert emulator.clock() - before < 1000


def test_clock_only_moves_forward(emulator: CodePipelineEmulator) -> None:
    """advance_clock refuses negative steps."""
    with pytest.raises(ValueError, match="forward"):
        emulator.advance_clock(-1)
