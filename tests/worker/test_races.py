"""Losing the race for a job to another worker is counted, not an error."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import pytest
from worker_helpers import Harness

from cpjobs import (
    ActionTypeId,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
    PollForJobsOutput,
    SkipReason,
)
from cpjobs.testing import CodePipelineEmulator


class RivalClient(JobsClient):
    """A client whose polled jobs a rival worker gets to first."""

    def __init__(
        self, inner: JobsClient, rival: Callable[[Job], Awaitable[None]]
    ) -> None:
        super().__init__(inner.raw)
        self._rival = rival

    async def poll_for_jobs(
        self,
        *,
        action_type_id: ActionTypeId,
        max_batch_size: int | None = None,
        query_param: Mapping[str, str] | None = None,
    ) -> PollForJobsOutput:
        output = await super().poll_for_jobs(
            action_type_id=action_type_id,
            max_batch_size=max_batch_size,
            query_param=query_param,
        )
        for job in output.jobs or ():
            await self._rival(job)
        return output


async def never(job: Job, ctx: JobContext) -> None:
    raise AssertionError("the handler must not run for a lost job")


async def lose_one(client: RivalClient, action_type: ActionTypeId) -> JobWorker:
    harness = Harness()
    harness.on_sleep = lambda sleeps: harness.worker.stop()  # first empty poll
    worker = JobWorker(client, action_type, never, **harness.options())
    await harness.run(worker)
    assert [SkipReason.RACE_LOST] == [e.reason for e in harness.skipped]
    return worker


async def test_invalid_nonce_is_a_lost_race(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A job handed out again (new nonce) to a rival is skipped, logged at debug."""
    caplog.set_level(logging.DEBUG, logger="cpjobs.worker")
    job_id = emulator.enqueue_job(action_type)

    async def rival(job: Job) -> None:
        emulator.advance_clock(61)  # our dispatch times out
        [again] = (
            await jobs_client.poll_for_jobs(action_type_id=action_type)
        ).jobs or ()
        assert again.nonce is not None
        await jobs_client.acknowledge_job(job_id=job_id, nonce=again.nonce)

    worker = await lose_one(RivalClient(jobs_client, rival), action_type)

    assert (1, 0) == (worker.stats.races_lost, worker.stats.jobs_started)
    assert JobStatus.IN_PROGRESS == emulator.job(job_id).status
    assert 2 == emulator.job(job_id).dispatch_count
    assert [] == [r for r in caplog.records if r.levelno > logging.INFO]
    assert any("race lost" in r.getMessage() for r in caplog.records)


async def test_ack_status_other_than_in_progress_is_a_lost_race(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """An acknowledgement that answers another status than InProgress is skipped."""
    job_id = emulator.enqueue_job(action_type)

    async def rival(job: Job) -> None:
        assert job.nonce is not None
        await jobs_client.acknowledge_job(job_id=job_id, nonce=job.nonce)
        await jobs_client.put_job_success_result(job_id=job_id)

    worker = await lose_one(RivalClient(jobs_client, rival), action_type)

    assert (1, 0) == (worker.stats.races_lost, worker.stats.jobs_started)
    assert JobStatus.SUCCEEDED == emulator.job(job_id).status


async def test_ack_failing_for_good_skips_the_job(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """An acknowledgement refused for good (JobNotFound) skips the job, not the worker."""
    job_id = emulator.enqueue_job(action_type)
    emulator.inject_fault("AcknowledgeJob", code="JobNotFoundException")
    harness = Harness()
    harness.on_sleep = lambda sleeps: harness.worker.stop()  # first empty poll

    worker = await harness.work(JobWorker, jobs_client, action_type, never)

    [skip] = harness.skipped
    assert (SkipReason.CLAIM_FAILED, "JobNotFoundException") == (
        skip.reason,
        getattr(skip.error, "code", None),
    )
    assert (1, 0) == (worker.stats.skipped, worker.stats.jobs_started)
    assert JobStatus.DISPATCHED == emulator.job(job_id).status
