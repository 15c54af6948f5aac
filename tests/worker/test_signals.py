"""SIGTERM and SIGINT: handled by default, chained to the handlers already there."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from types import FrameType

import pytest
from worker_helpers import RUN_TIMEOUT, Harness, client_for

from cpjobs import (
    ActionTypeId,
    ActionTypeNotFound,
    Job,
    JobContext,
    JobsClient,
    JobStatus,
    JobWorker,
    ThirdPartyJobDetails,
    ThirdPartyJobWorker,
)
from cpjobs.testing import CodePipelineEmulator


async def sigterm_then_succeed(job: Job, ctx: JobContext) -> None:
    """Send SIGTERM to this process, then finish within the grace period."""
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(20):
        await asyncio.sleep(0)


async def never_called(job: ThirdPartyJobDetails, ctx: JobContext) -> None:
    raise AssertionError("no job should reach the handler")


async def test_sigterm_is_handled_by_default(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """`run()` on the main thread's loop stops on SIGTERM without being asked to.

    A Python-level handler is set first, so that a worker ignoring the signal
    fails this test instead of killing the test process.
    """
    caught: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: caught.append(1))
    try:
        job_id = emulator.enqueue_job(action_type)
        worker = JobWorker(jobs_client, action_type, sigterm_then_succeed)

        await asyncio.wait_for(worker.run(), RUN_TIMEOUT)
    finally:
        signal.signal(signal.SIGTERM, previous)

    assert JobStatus.SUCCEEDED == emulator.job(job_id).status


async def test_handle_signals_false_leaves_them_alone(
    jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """With ``handle_signals=False`` the process's SIGTERM handler stays as it was."""
    seen: list[object] = []
    harness = Harness()

    def on_sleep(sleeps: int) -> None:
        seen.append(signal.getsignal(signal.SIGTERM))
        harness.worker.stop()

    harness.on_sleep = on_sleep
    worker = JobWorker(
        jobs_client, action_type, sigterm_then_succeed, **harness.options()
    )

    await harness.run(worker, handle_signals=False)

    assert [signal.SIG_DFL] == seen


async def test_application_handler_is_chained_and_restored(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A handler the application added to the loop is called too, and back after."""
    loop = asyncio.get_running_loop()
    calls: list[str] = []
    loop.add_signal_handler(signal.SIGTERM, calls.append, "application")
    try:
        emulator.enqueue_job(action_type)
        harness = Harness()
        worker = JobWorker(
            jobs_client, action_type, sigterm_then_succeed, **harness.options()
        )
        await harness.run(worker, handle_signals=True)
        during = list(calls)

        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):
            if len(calls) > len(during):
                break
            await asyncio.sleep(0.01)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)

    assert (["application"], ["application", "application"]) == (during, calls)


async def test_python_handler_is_chained_and_restored(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A handler set with `signal.signal` is called too, and is in place after."""
    calls: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        calls.append(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        emulator.enqueue_job(action_type)
        harness = Harness()
        worker = JobWorker(
            jobs_client, action_type, sigterm_then_succeed, **harness.options()
        )
        await harness.run(worker)
        after = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)

    assert ([signal.SIGTERM], handler) == (calls, after)


async def test_one_signal_stops_every_worker_of_the_loop(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    third_party_type: ActionTypeId,
) -> None:
    """A JobWorker and a ThirdPartyJobWorker on one loop both stop on one SIGTERM."""
    custom = JobWorker(jobs_client, action_type, sigterm_then_succeed)
    partner = ThirdPartyJobWorker(
        jobs_client, third_party_type, never_called, lambda client_id: None
    )
    runs = [
        asyncio.create_task(partner.run(handle_signals=True)),
        asyncio.create_task(custom.run(handle_signals=True)),
    ]
    while not emulator.calls("PollForThirdPartyJobs"):  # noqa: ASYNC110  (a server thread counts)
        await asyncio.sleep(0.01)
    job_id = emulator.enqueue_job(action_type)

    done, pending = await asyncio.wait(runs, timeout=RUN_TIMEOUT)
    for task in pending:
        task.cancel()

    assert (2, JobStatus.SUCCEEDED) == (len(done), emulator.job(job_id).status)
    assert signal.SIG_DFL == signal.getsignal(signal.SIGTERM)


def test_off_the_main_thread_signals_are_left_alone(
    emulator: CodePipelineEmulator, action_type: ActionTypeId
) -> None:
    """A worker on another thread's loop installs nothing: signals reach the main one."""
    seen: list[object] = []

    async def work() -> None:
        async with client_for(emulator) as client:
            harness = Harness()

            def on_sleep(sleeps: int) -> None:
                seen.append(signal.getsignal(signal.SIGTERM))
                harness.worker.stop()

            harness.on_sleep = on_sleep
            worker = JobWorker(
                client, action_type, sigterm_then_succeed, **harness.options()
            )
            await harness.run(worker)

    thread = threading.Thread(target=asyncio.run, args=(work(),))
    thread.start()
    thread.join(RUN_TIMEOUT)

    assert [signal.SIG_DFL] == seen


async def test_handlers_restored_when_run_fails(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A `run` that ends with an error puts the application's handler back too."""
    loop = asyncio.get_running_loop()
    calls: list[str] = []
    loop.add_signal_handler(signal.SIGTERM, calls.append, "application")
    try:
        emulator.inject_fault("PollForJobs", code="ActionTypeNotFoundException")
        worker = JobWorker(jobs_client, action_type, sigterm_then_succeed)
        with pytest.raises(ActionTypeNotFound):
            await asyncio.wait_for(worker.run(), RUN_TIMEOUT)

        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):
            if calls:
                break
            await asyncio.sleep(0.01)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)

    assert ["application"] == calls
