"""Helpers for the worker tests: clients, a visible-jitter rng, a run harness."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any, TypeVar

from aiobotocore.config import AioConfig

from cpjobs import JobFinished, JobsClient, JobSkipped, WorkerEvent
from cpjobs.testing import CodePipelineEmulator

W = TypeVar("W")

#: A hang guard for `Harness.run`; no test asserts on time.
RUN_TIMEOUT = 120.0


def client_for(emulator: CodePipelineEmulator, **config: Any) -> JobsClient:
    """A `JobsClient.create` client for the emulator, not yet opened."""
    return JobsClient.create(
        region_name=emulator.region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=AioConfig(**config) if config else None,
    )


class TopRng(random.Random):
    """A random source whose ``uniform`` is the upper bound: jitter made visible."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Harness:
    """Collects a worker's events and sleeps; stops it after ``finish`` jobs."""

    def __init__(self, finish: int | None = None) -> None:
        self.finish = finish
        self.events: list[WorkerEvent] = []
        self.sleeps: list[float] = []
        self.worker: Any = None
        #: Called with the number of sleeps so far, at each sleep.
        self.on_sleep: Callable[[int], None] | None = None

    def on_event(self, event: WorkerEvent) -> None:
        self.events.append(event)
        if self.finish is not None and len(self.finished) >= self.finish:
            self.worker.stop()

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))
        await asyncio.sleep(0)

    @property
    def finished(self) -> list[JobFinished]:
        return [event for event in self.events if isinstance(event, JobFinished)]

    @property
    def skipped(self) -> list[JobSkipped]:
        return [event for event in self.events if isinstance(event, JobSkipped)]

    def options(self) -> dict[str, Any]:
        """Worker keyword arguments that wire this harness in."""
        return {"on_event": self.on_event, "sleep": self.sleep}

    async def run(self, worker: Any, **kwargs: Any) -> None:
        """Run ``worker`` until it stops."""
        self.worker = worker
        await asyncio.wait_for(worker.run(**kwargs), RUN_TIMEOUT)

    async def work(self, worker_type: type[W], *args: Any, **options: Any) -> W:
        """Build a ``worker_type`` wired to this harness, run it until it stops."""
        worker = worker_type(*args, **self.options(), **options)
        await self.run(worker)
        return worker
