"""Worker options for production runs: ``burst`` and ``health_file``."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from worker_helpers import Harness

from cpjobs import (
    ActionTypeId,
    InvalidField,
    Job,
    JobContext,
    JobResult,
    JobsClient,
    JobStatus,
    JobWorker,
)
from cpjobs.testing import CodePipelineEmulator


async def succeed(job: Job, ctx: JobContext) -> None:
    """A handler with nothing to do."""


class TestBurst:
    async def test_stops_once_the_queue_is_empty(
        self,
        emulator: CodePipelineEmulator,
        jobs_client: JobsClient,
        action_type: ActionTypeId,
    ) -> None:
        """With burst, `run` returns by itself after working every queued job."""
        job_ids = [emulator.enqueue_job(action_type) for _ in range(5)]
        harness = Harness()

        await harness.work(
            JobWorker, jobs_client, action_type, succeed, burst=True, max_concurrency=2
        )

        assert [JobStatus.SUCCEEDED] * 5 == [
            emulator.job(job_id).status for job_id in job_ids
        ]

    async def test_waits_for_jobs_in_flight(
        self,
        emulator: CodePipelineEmulator,
        jobs_client: JobsClient,
        action_type: ActionTypeId,
    ) -> None:
        """An empty poll with a job in flight: the worker polls again once it ends."""
        first = emulator.enqueue_job(action_type)
        later: list[str] = []

        async def handler(job: Job, ctx: JobContext) -> None:
            if job.id == first:
                # The poll for the free slot comes back empty meanwhile.
                while emulator.calls("PollForJobs") < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                later.append(emulator.enqueue_job(action_type))

        harness = Harness()
        await harness.work(
            JobWorker, jobs_client, action_type, handler, burst=True, max_concurrency=2
        )

        assert [JobStatus.SUCCEEDED] * 2 == [
            emulator.job(job_id).status for job_id in (first, *later)
        ]

    async def test_nothing_queued_returns_at_once(
        self, jobs_client: JobsClient, action_type: ActionTypeId
    ) -> None:
        """An empty queue: one poll, no backoff sleep, `run` returns."""
        harness = Harness()

        worker = await harness.work(
            JobWorker, jobs_client, action_type, succeed, burst=True
        )

        assert ((1, 1), []) == (
            (worker.stats.polls, worker.stats.empty_polls),
            harness.sleeps,
        )


class TestHealthFile:
    async def test_touched_while_running(
        self,
        emulator: CodePipelineEmulator,
        jobs_client: JobsClient,
        action_type: ActionTypeId,
        tmp_path: Path,
    ) -> None:
        """The file exists once the worker runs and is touched again while it runs."""
        health = tmp_path / "heartbeat"
        emulator.enqueue_job(action_type)

        async def handler(job: Job, ctx: JobContext) -> None:
            first = health.stat().st_mtime_ns
            while health.stat().st_mtime_ns == first:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            os.utime(health, (0, 0))
            while health.stat().st_mtime_ns == 0:  # noqa: ASYNC110
                await asyncio.sleep(0.05)

        harness = Harness(finish=1)
        await harness.work(
            JobWorker, jobs_client, action_type, handler, health_file=health
        )

        assert [JobResult.SUCCEEDED] == [event.result for event in harness.finished]

    def test_must_be_a_path(
        self, jobs_client: JobsClient, action_type: ActionTypeId
    ) -> None:
        """A health file that is not a path is refused, naming the option."""
        with pytest.raises(InvalidField) as raised:
            JobWorker(jobs_client, action_type, succeed, health_file=3)  # type: ignore[arg-type]

        assert "JobWorker.health_file" == raised.value.field

    async def test_unwritable_file_fails_at_start(
        self, jobs_client: JobsClient, action_type: ActionTypeId, tmp_path: Path
    ) -> None:
        """A health file in a folder that does not exist: `run` raises before polling."""
        worker = JobWorker(
            jobs_client,
            action_type,
            succeed,
            health_file=tmp_path / "missing" / "heartbeat",
        )

        with pytest.raises(FileNotFoundError):
            await worker.run()
