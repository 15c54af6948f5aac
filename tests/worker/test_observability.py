"""Logs, events, stats and the context's helpers."""

from __future__ import annotations

import logging

import pytest
from worker_helpers import Harness

from cpjobs import (
    ActionTypeId,
    AWSSessionCredentials,
    Failure,
    Job,
    JobContext,
    JobFinished,
    JobResult,
    JobsClient,
    JobStarted,
    JobWorker,
    Polled,
    WorkerEvent,
    WorkerStats,
)
from cpjobs.testing import CodePipelineEmulator


async def test_log_records_carry_the_job(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Records from the worker and the context's logger name job, pipeline and action."""
    caplog.set_level(logging.DEBUG, logger="cpjobs.worker")
    job_id = emulator.enqueue_job(
        action_type,
        pipeline_name="shop",
        stage_name="Build",
        action_name="Compile",
        pipeline_execution_id="exec-1",
    )

    async def handler(job: Job, ctx: JobContext) -> None:
        ctx.logger.info("compiling")

    harness = Harness(finish=1)
    await harness.run(JobWorker(jobs_client, action_type, handler, **harness.options()))

    expected = {
        "job_id": job_id,
        "pipeline": "shop",
        "execution_id": "exec-1",
        "stage": "Build",
        "action": "Compile",
    }
    records = [r for r in caplog.records if getattr(r, "job_id", None) == job_id]
    assert {"job started", "compiling", "job succeeded"} <= {
        r.getMessage() for r in records
    }
    assert all(
        expected == {key: getattr(r, key) for key in expected}
        for r in records
        if r.name == "cpjobs.worker"
    )


async def test_events_and_stats(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Each job yields JobStarted then JobFinished; the stats count the same."""
    ok = emulator.enqueue_job(action_type, configuration={"Fail": "no"})
    bad = emulator.enqueue_job(action_type, configuration={"Fail": "yes"})

    async def handler(job: Job, ctx: JobContext) -> Failure | None:
        return Failure("asked to") if ctx.configuration["Fail"] == "yes" else None

    harness = Harness(finish=2)
    worker = JobWorker(jobs_client, action_type, handler, **harness.options())
    await harness.run(worker)

    results = {e.job_id: e.result for e in harness.finished}
    assert {ok: JobResult.SUCCEEDED, bad: JobResult.FAILED} == results
    started = [e.job_id for e in harness.events if isinstance(e, JobStarted)]
    assert {ok, bad} == set(started)
    received = sum(e.received for e in harness.events if isinstance(e, Polled))
    assert 2 == received
    stats = worker.stats
    assert (
        WorkerStats(
            polls=stats.polls,
            empty_polls=stats.empty_polls,
            jobs_started=2,
            succeeded=1,
            failed=1,
        )
        == stats
    )


async def test_a_failing_event_callback_is_ignored(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception from ``on_event`` is logged and does not disturb the work."""
    harness = Harness(finish=1)

    def on_event(event: WorkerEvent) -> None:
        harness.on_event(event)
        raise ValueError("metrics are down")

    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> None:
        return None

    worker = JobWorker(
        jobs_client, action_type, handler, on_event=on_event, sleep=harness.sleep
    )
    await harness.run(worker)

    assert "Succeeded" == emulator.job(job_id).status.value
    assert any("on_event failed" in r.getMessage() for r in caplog.records)


async def test_refresh_credentials(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """`JobContext.refresh_credentials` fetches new ones through GetJobDetails."""
    emulator.enqueue_job(action_type)
    seen: list[AWSSessionCredentials | None] = []

    async def handler(job: Job, ctx: JobContext) -> None:
        seen.append(ctx.artifact_credentials)
        fresh = await ctx.refresh_credentials()
        seen.append(fresh)
        seen.append(ctx.artifact_credentials)

    harness = Harness(finish=1)
    await harness.run(JobWorker(jobs_client, action_type, handler, **harness.options()))

    first, fresh, current = seen
    assert first is not None
    assert fresh is not None
    assert first.access_key_id != fresh.access_key_id
    assert fresh == current
    assert [JobResult.SUCCEEDED] == [e.result for e in harness.finished]
    assert all(isinstance(e, JobFinished) for e in harness.finished)


async def test_context_logger_keeps_the_callers_extra(
    emulator: CodePipelineEmulator,
    jobs_client: JobsClient,
    action_type: ActionTypeId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``ctx.logger`` adds the job's fields to the ``extra`` the handler passes."""
    caplog.set_level(logging.INFO, logger="cpjobs.worker")
    job_id = emulator.enqueue_job(action_type)

    async def handler(job: Job, ctx: JobContext) -> None:
        ctx.logger.info("unzipping", extra={"step": "unzip"})

    await Harness(finish=1).work(JobWorker, jobs_client, action_type, handler)

    [record] = [r for r in caplog.records if r.getMessage() == "unzipping"]
    assert ("unzip", job_id) == (getattr(record, "step", None), record.job_id)


async def test_job_events_name_pipeline_stage_and_action(
    emulator: CodePipelineEmulator, bare_client: JobsClient, action_type: ActionTypeId
) -> None:
    """Started, retried and finished events carry where the job comes from."""
    emulator.enqueue_job(
        action_type, pipeline_name="shop", stage_name="Build", action_name="Compile"
    )
    emulator.inject_fault("PutJobSuccessResult", code="ThrottlingException")

    async def handler(job: Job, ctx: JobContext) -> None:
        return None

    harness = Harness(finish=1)
    await harness.run(JobWorker(bare_client, action_type, handler, **harness.options()))

    about_jobs = [e for e in harness.events if not isinstance(e, Polled)]
    assert ["JobStarted", "RetryScheduled", "JobFinished"] == [
        type(e).__name__ for e in about_jobs
    ]
    assert all(
        ("shop", "Build", "Compile") == (e.pipeline, e.stage, e.action)  # type: ignore[union-attr]
        for e in about_jobs
    )


async def test_lost_race_event_names_the_pipeline(
    emulator: CodePipelineEmulator, jobs_client: JobsClient, action_type: ActionTypeId
) -> None:
    """A job skipped after its poll brought its data says which pipeline it was for."""
    emulator.enqueue_job(action_type, pipeline_name="shop")
    emulator.inject_fault("AcknowledgeJob", code="InvalidNonceException")

    async def handler(job: Job, ctx: JobContext) -> None:
        raise AssertionError("a lost race is not worked")

    harness = Harness()
    harness.on_sleep = lambda sleeps: harness.worker.stop()
    await harness.run(JobWorker(jobs_client, action_type, handler, **harness.options()))

    assert ["shop"] == [e.pipeline for e in harness.skipped]
