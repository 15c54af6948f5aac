"""Targets ``cpjobs run`` imports in the CLI tests (this folder is on PYTHONPATH).

Handlers write one line per job to the file in ``CPJOBS_TEST_LOG``:
``started <job id> <pid>`` when they begin, ``done <job id> <pid>`` as they end.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from cpjobs import ActionTypeId, Job, JobContext, JobsClient, JobWorker, WorkerOptions


def _note(event: str, job: Job) -> None:
    line = f"{event} {job.id} {os.getpid()}\n"
    with open(os.environ["CPJOBS_TEST_LOG"], "a") as log:
        log.write(line)


async def record(job: Job, ctx: JobContext) -> None:
    """Note the job and succeed."""
    _note("done", job)


async def slow(job: Job, ctx: JobContext) -> None:
    """Note the start, work until the file in CPJOBS_TEST_GATE is gone, note the end."""
    _note("started", job)
    gate = Path(os.environ["CPJOBS_TEST_GATE"])
    while gate.exists():  # noqa: ASYNC110, ASYNC240  (the test removes it)
        await asyncio.sleep(0.02)
    _note("done", job)


async def blocking(job: Job, ctx: JobContext) -> None:
    """Block the event loop (a bug in a handler) until CPJOBS_TEST_GATE is gone."""
    _note("started", job)
    gate = Path(os.environ["CPJOBS_TEST_GATE"])
    while gate.exists():  # noqa: ASYNC240  (blocking on purpose)
        time.sleep(0.02)  # noqa: ASYNC251  (blocking on purpose)
    _note("done", job)


def build(client: JobsClient, options: WorkerOptions) -> JobWorker:
    """A factory: the worker for the action type in CPJOBS_TEST_ACTION."""
    category, owner, provider, version = os.environ["CPJOBS_TEST_ACTION"].split("/")
    action_type_id = ActionTypeId(
        category=category, owner=owner, provider=provider, version=version
    )
    return JobWorker(client, action_type_id, record, **options)


def not_a_worker(client: JobsClient, options: WorkerOptions) -> str:
    """A factory that returns something else."""
    return "a worker"


NOT_CALLABLE = 42
