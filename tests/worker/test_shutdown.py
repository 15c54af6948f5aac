"""Graceful shutdown: finish within the grace, then cancel and report; leave nothing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

import pytest
from worker_helpers import Harness, client_for

from cpjobs import (
    ActionTypeId,
    ExecutionDetails,
    FailureDetails,
    FailureType,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
)
from cpjobs.testing import CodePipelineEmulator

STOPPED = FailureDetails(type=FailureType.SYSTEM_UNAVAILABLE, message="worker stopped")


def other_tasks() -> set[asyncio.Task[object]]:
    return asyncio.all_tasks() - {asyncio.current_task()}


async def never_called(job: Job, ctx: JobContext) -> None:
    raise AssertionError("no job should reach the handler")


async def emulator_sees_a_poll(emulator: CodePipelineEmulator) -> None:
    """Wait until the emulator has received a PollForJobs call."""
    while not emulator.calls("PollForJobs"):  # noqa: ASYNC110  (a server thread counts)
        await asyncio.sleep(0.01)


async def test_in_flight_job_finishes_within_grace(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A job running when `stop` is called finishes and is reported as usual."""
    job_id = emulator.enqueue_job(action_type)
    harness = Harness()

    async def handler(job: Job, ctx: JobContext) -> None:
        worker.stop()
        for _ in range(20):
            await asyncio.sleep(0)

    worker = JobWorker(
        jobs_client, action_type, handler, shutdown_grace=60, **harness.options()
    )
    await harness.run(worker)

    assert JobStatus.SUCCEEDED == emulator.job(job_id).status
    assert 0 == worker.stats.in_flight
    assert set() == other_tasks()


async def test_job_still_running_after_grace_fails(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A handler still running after the grace is cancelled; the job fails."""
    job_id = emulator.enqueue_job(action_type)
    cancelled = asyncio.Event()

    async def handler(job: Job, ctx: JobContext) -> None:
        worker.stop()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    harness = Harness()
    worker = JobWorker(
        jobs_client, action_type, handler, shutdown_grace=0, **harness.options()
    )
    await harness.run(worker)

    assert cancelled.is_set()
    assert STOPPED == emulator.job(job_id).failure_details
    assert 1 == worker.stats.failed
    assert set() == other_tasks()


async def test_checkpointed_job_is_handed_off(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A cancelled handler's last checkpoint is reported as a continuation."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> None:
        ctx.checkpoint("resume-at-7", percent_complete=70, summary="7 of 10")
        worker.stop()
        await asyncio.Event().wait()

    harness = Harness()
    worker = JobWorker(
        jobs_client, action_type, handler, shutdown_grace=0, **harness.options()
    )
    await harness.run(worker)

    record = emulator.job(job_id)
    assert record.success is not None
    assert "resume-at-7" == record.success.continuation_token
    expected = ExecutionDetails(summary="7 of 10", percent_complete=70)
    assert expected == record.success.execution_details
    assert record.next_job_id is not None
    assert JobStatus.QUEUED == emulator.job(record.next_job_id).status
    assert 1 == worker.stats.continued


async def test_cancelling_run_reports_and_reraises(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Cancelling `run` cancels the handlers, reports their jobs and re-raises."""
    job_id = emulator.enqueue_job(action_type)
    started = asyncio.Event()

    async def handler(job: Job, ctx: JobContext) -> None:
        started.set()
        await asyncio.Event().wait()

    harness = Harness()
    worker = JobWorker(
        jobs_client, action_type, handler, shutdown_grace=60, **harness.options()
    )
    run = asyncio.create_task(worker.run())
    await started.wait()
    run.cancel()

    with pytest.raises(asyncio.CancelledError):
        await run

    assert STOPPED == emulator.job(job_id).failure_details
    assert set() == other_tasks()


async def test_sigterm_stops_the_worker(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """With ``handle_signals=True`` SIGTERM stops the worker gracefully."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(20):
            await asyncio.sleep(0)

    harness = Harness()
    worker = JobWorker(jobs_client, action_type, handler, **harness.options())
    await harness.run(worker, handle_signals=True)

    assert JobStatus.SUCCEEDED == emulator.job(job_id).status
    assert signal.SIG_DFL == signal.getsignal(signal.SIGTERM)


async def test_owned_client_is_closed(
    emulator: CodePipelineEmulator, action_type: ActionTypeId
) -> None:
    """A worker that owns its client opens it on `run` and closes it on the way out."""
    client = client_for(emulator)
    harness = Harness()
    harness.on_sleep = lambda sleeps: harness.worker.stop()
    worker = JobWorker(
        client,
        action_type,
        never_called,
        owns_client=True,
        **harness.options(),
    )

    await harness.run(worker)

    assert 1 == worker.stats.polls
    with pytest.raises(RuntimeError):
        client.raw  # noqa: B018


async def test_a_worker_runs_once(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A second `run` is refused."""
    harness = Harness()
    harness.on_sleep = lambda sleeps: harness.worker.stop()
    worker = JobWorker(jobs_client, action_type, never_called, **harness.options())
    await harness.run(worker)

    with pytest.raises(RuntimeError):
        await worker.run()


async def test_stop_abandons_a_poll_under_way(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """`stop` during a slow poll returns at once; the poll's jobs are not worked."""
    emulator.inject_latency("PollForJobs", seconds=60)
    emulator.enqueue_job(action_type)
    harness = Harness()
    worker = JobWorker(jobs_client, action_type, never_called, **harness.options())
    run = asyncio.create_task(harness.run(worker))
    await emulator_sees_a_poll(emulator)

    worker.stop()
    await run  # the harness's 30 s guard is far below the poll's 60 s

    assert (1, 0) == (worker.stats.polls, worker.stats.jobs_started)
    assert set() == other_tasks()


async def test_cancel_during_grace_still_reports(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Cancelling `run` while it waits out the grace cancels the handlers and reports."""
    job_id = emulator.enqueue_job(action_type)
    started = asyncio.Event()

    async def handler(job: Job, ctx: JobContext) -> None:
        started.set()
        await asyncio.Event().wait()

    worker = JobWorker(jobs_client, action_type, handler, shutdown_grace=60)
    run = asyncio.create_task(worker.run())
    await started.wait()
    worker.stop()
    await asyncio.sleep(0.1)  # into the grace period (no time is asserted)
    run.cancel()

    with pytest.raises(asyncio.CancelledError):
        await run

    assert STOPPED == emulator.job(job_id).failure_details
    assert set() == other_tasks()


async def test_second_signal_cuts_the_grace_short(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A second SIGTERM ends the grace period: the handler is cancelled, the job fails."""
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.Event().wait()

    harness = Harness()
    worker = JobWorker(
        jobs_client, action_type, handler, shutdown_grace=600, **harness.options()
    )
    await harness.run(worker, handle_signals=True)

    assert STOPPED == emulator.job(job_id).failure_details


async def test_signal_handlers_are_restored(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """The SIGINT and SIGTERM handlers in place before `run` are back after it."""
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        harness = Harness()
        harness.on_sleep = lambda sleeps: harness.worker.stop()
        worker = JobWorker(jobs_client, action_type, never_called, **harness.options())
        await harness.run(worker, handle_signals=True)

        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(0.01)
    finally:
        signal.signal(signal.SIGINT, previous)

    assert [signal.SIGINT] == seen


async def test_handler_ignoring_cancellation_is_left_behind(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A handler that swallows every cancellation does not hang `run` forever."""
    job_id = emulator.enqueue_job(action_type)
    started = asyncio.Event()
    release = asyncio.Event()

    async def handler(job: Job, ctx: JobContext) -> None:
        started.set()
        while not release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await release.wait()

    worker = JobWorker(
        jobs_client, action_type, handler, shutdown_grace=0, cancel_wait=0.01
    )
    run = asyncio.create_task(worker.run())
    await started.wait()
    worker.stop()
    await asyncio.wait_for(run, 30)

    assert JobStatus.IN_PROGRESS == emulator.job(job_id).status
    assert "handlers ignore cancellation: leaving their jobs" in caplog.text
    release.set()
    await asyncio.gather(*other_tasks())


async def test_cancelling_twice_gives_up_on_reports(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A second cancellation of `run` abandons reports under way and re-raises."""
    job_id = emulator.enqueue_job(action_type)
    emulator.inject_latency("PutJobFailureResult", seconds=60)
    started = asyncio.Event()

    async def handler(job: Job, ctx: JobContext) -> None:
        started.set()
        await asyncio.Event().wait()

    worker = JobWorker(jobs_client, action_type, handler)
    run = asyncio.create_task(worker.run())
    await started.wait()
    run.cancel()  # handlers cancelled, the failure report held by the emulator
    while not emulator.calls("PutJobFailureResult"):  # noqa: ASYNC110  (a server thread counts)
        await asyncio.sleep(0.01)
    run.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, 30)

    assert JobStatus.IN_PROGRESS == emulator.job(job_id).status
    assert set() == other_tasks()
