"""Adaptive polling: at once while jobs come, backing off while idle or failing."""

from __future__ import annotations

import asyncio

import pytest
from worker_helpers import Harness, TopRng

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ActionTypeNotFound,
    Backoff,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
    PollFailed,
)
from cpjobs.testing import CodePipelineEmulator

BACKOFF = Backoff(initial=1.0, maximum=8.0)


async def noop(job: Job, ctx: JobContext) -> None:
    """Succeed at once."""


def stop_after_sleeps(harness: Harness, count: int) -> None:
    """Stop the harness's worker at its ``count``-th sleep."""

    def on_sleep(sleeps: int) -> None:
        if sleeps >= count:
            harness.worker.stop()

    harness.on_sleep = on_sleep


async def test_idle_backoff_grows_to_the_maximum(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Empty polls wait 1, 2, 4, 8, 8, ... seconds at most (full jitter's ceiling)."""
    harness = Harness()
    stop_after_sleeps(harness, 6)
    worker = JobWorker(
        jobs_client,
        action_type,
        noop,
        poll_backoff=BACKOFF,
        rng=TopRng(),
        **harness.options(),
    )

    await harness.run(worker)

    assert [1.0, 2.0, 4.0, 8.0, 8.0, 8.0] == harness.sleeps
    assert (6, 6) == (worker.stats.polls, worker.stats.empty_polls)


async def test_idle_backoff_is_jittered_within_the_ceiling(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """With real jitter each wait lies between 0 and its ceiling."""
    harness = Harness()
    stop_after_sleeps(harness, 8)
    worker = JobWorker(
        jobs_client, action_type, noop, poll_backoff=BACKOFF, **harness.options()
    )

    await harness.run(worker)

    assert all(
        0.0 <= delay <= BACKOFF.ceiling(attempt)
        for attempt, delay in enumerate(harness.sleeps)
    )
    assert 8 == len(harness.sleeps)


async def test_polls_again_at_once_while_jobs_come(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Polls that bring jobs are not followed by a wait; only empty ones are."""
    for _ in range(5):
        emulator.enqueue_job(action_type)
    harness = Harness(finish=5)
    worker = JobWorker(
        jobs_client, action_type, noop, max_concurrency=1, **harness.options()
    )

    await harness.run(worker)

    assert worker.stats.empty_polls == len(harness.sleeps)
    assert 5 == worker.stats.polls - worker.stats.empty_polls


async def test_a_job_resets_the_backoff(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """After a poll that brings a job, the next empty poll waits the initial delay."""
    harness = Harness()

    def on_sleep(sleeps: int) -> None:
        if sleeps == 3:
            emulator.enqueue_job(action_type)
        if sleeps == 5:
            harness.worker.stop()

    harness.on_sleep = on_sleep
    worker = JobWorker(
        jobs_client,
        action_type,
        noop,
        poll_backoff=BACKOFF,
        rng=TopRng(),
        **harness.options(),
    )

    await harness.run(worker)

    assert [1.0, 2.0, 4.0, 1.0, 2.0] == harness.sleeps


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("InternalFailure", 500),
        ("ServiceUnavailable", 503),
        ("RequestTimeout", 400),
        ("RequestTimeoutException", 400),
        ("PriorRequestNotComplete", 400),
        ("SlowDown", 429),
        ("BadGateway", 502),
    ],
)
async def test_poll_faults_back_off(
    emulator: CodePipelineEmulator,
    bare_client: JobsClient,
    action_type: ActionTypeId,
    code: str,
    status: int,
) -> None:
    """Throttled and transient polls are counted, waited out, then work goes on.

    Transient as botocore's standard retry mode has it: its throttling and
    timeout codes, 429, 500, 502, 503 and 504. None of them ends `run`.
    """
    job_id = emulator.enqueue_job(action_type)
    emulator.inject_fault("PollForJobs", code=code, status=status, count=3)
    harness = Harness(finish=1)
    worker = JobWorker(
        bare_client,
        action_type,
        noop,
        poll_backoff=BACKOFF,
        rng=TopRng(),
        **harness.options(),
    )

    await harness.run(worker)

    failures = [e for e in harness.events if isinstance(e, PollFailed)]
    assert [code] * 3 == [getattr(e.error, "code", None) for e in failures]
    assert [1.0, 2.0, 4.0] == harness.sleeps[:3]
    assert 3 == worker.stats.poll_errors
    assert JobStatus.SUCCEEDED == emulator.job(job_id).status


async def test_unknown_action_type_is_refused_at_start(
    emulator: CodePipelineEmulator, jobs_client: JobsClient
) -> None:
    """An action type ListActionTypes does not list ends `run` before any poll."""
    unknown = ActionTypeId(
        category=ActionCategory.TEST,
        owner=ActionOwner.CUSTOM,
        provider="not-registered",
        version="1",
    )
    harness = Harness()
    worker = JobWorker(jobs_client, unknown, noop, **harness.options())

    with pytest.raises(ActionTypeNotFound, match="Custom/Test/not-registered/1"):
        await harness.run(worker)

    assert 0 == emulator.calls("PollForJobs")


async def test_permanent_poll_error_ends_run(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A poll error retrying cannot fix is raised by `run`."""
    emulator.inject_fault("ListActionTypes", code="AccessDeniedException")
    emulator.inject_fault("PollForJobs", code="ActionTypeNotFoundException")
    harness = Harness()
    worker = JobWorker(jobs_client, action_type, noop, **harness.options())

    with pytest.raises(ActionTypeNotFound):
        await harness.run(worker)


async def test_stop_cuts_the_idle_wait_short(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """`stop` ends a backoff wait at once, however long it would be."""
    harness = Harness()

    async def endless_sleep(delay: float) -> None:
        harness.sleeps.append(delay)
        harness.worker.stop()
        await asyncio.Event().wait()

    worker = JobWorker(
        jobs_client, action_type, noop, sleep=endless_sleep, on_event=harness.on_event
    )

    await harness.run(worker)

    assert 1 == len(harness.sleeps)
