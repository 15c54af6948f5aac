"""At most ``max_concurrency`` jobs in flight; polls ask only for free slots."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from worker_helpers import Harness

from cpjobs import (
    ActionTypeId,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
    PollForJobsOutput,
)
from cpjobs.testing import CodePipelineEmulator


class RecordingClient(JobsClient):
    """A `JobsClient` that records each poll's ``max_batch_size`` and jobs in flight."""

    def __init__(self, inner: JobsClient) -> None:
        super().__init__(inner.raw)
        self.worker: Any = None
        self.batches: list[int] = []
        self.in_flight_at_poll: list[int] = []

    async def poll_for_jobs(
        self,
        *,
        action_type_id: ActionTypeId,
        max_batch_size: int | None = None,
        query_param: Mapping[str, str] | None = None,
    ) -> PollForJobsOutput:
        assert max_batch_size is not None
        self.batches.append(max_batch_size)
        self.in_flight_at_poll.append(self.worker.stats.in_flight)
        return await super().poll_for_jobs(
            action_type_id=action_type_id,
            max_batch_size=max_batch_size,
            query_param=query_param,
        )


async def test_in_flight_never_exceeds_max_concurrency(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """With 20 jobs queued, no more than 3 are ever in flight or in the handler."""
    job_ids = [emulator.enqueue_job(action_type) for _ in range(20)]
    running = 0
    peak = 0
    in_flight: list[int] = []
    three_running = asyncio.Event()

    async def handler(job: Job, ctx: JobContext) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        in_flight.append(worker.stats.in_flight)
        if running == 3:
            three_running.set()
        await three_running.wait()
        running -= 1

    harness = Harness(finish=20)
    worker = JobWorker(
        jobs_client, action_type, handler, max_concurrency=3, **harness.options()
    )
    await harness.run(worker)

    assert 3 == peak
    assert 3 == max(in_flight)
    assert {JobStatus.SUCCEEDED} == {emulator.job(i).status for i in job_ids}


async def test_polls_ask_only_for_free_slots(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Each poll asks for at most the free slots; none is sent while all are busy."""
    for _ in range(6):
        emulator.enqueue_job(action_type)
    client = RecordingClient(jobs_client)
    release = asyncio.Event()
    running = 0

    async def handler(job: Job, ctx: JobContext) -> None:
        nonlocal running
        running += 1
        if running == 4:
            release.set()  # all four slots taken
        await release.wait()

    harness = Harness(finish=6)
    worker = JobWorker(
        client, action_type, handler, max_concurrency=4, **harness.options()
    )
    client.worker = worker
    await harness.run(worker)

    # A job may end between the worker counting free slots and the request
    # leaving: a poll may ask for fewer than are free by then, never for more.
    assert 4 == client.batches[0]
    assert all(
        1 <= batch <= 4 - busy
        for batch, busy in zip(client.batches, client.in_flight_at_poll, strict=True)
    )
    assert 4 not in client.in_flight_at_poll
    assert 0 == worker.stats.in_flight


async def test_no_poll_while_full(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """While every slot is busy the worker waits for one instead of polling."""
    emulator.enqueue_job(action_type)
    emulator.enqueue_job(action_type)
    client = RecordingClient(jobs_client)
    gate = asyncio.Event()
    polls_while_busy: list[int] = []

    async def handler(job: Job, ctx: JobContext) -> None:
        if not gate.is_set():
            polls_before = len(client.batches)
            for _ in range(50):  # plenty of turns for a poll loop that would spin
                await asyncio.sleep(0)
            polls_while_busy.append(len(client.batches) - polls_before)
            gate.set()

    harness = Harness(finish=2)
    worker: Any = JobWorker(
        client, action_type, handler, max_concurrency=1, **harness.options()
    )
    client.worker = worker
    await harness.run(worker)

    assert [0] == polls_while_busy
    assert {1} == set(client.batches)
