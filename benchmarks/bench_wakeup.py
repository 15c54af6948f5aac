"""Pickup latency and idle polls: workers woken by events vs polling only.

Run: python benchmarks/bench_wakeup.py [--jobs 50] [--workers 3] [--window 90]

Two fleets of ``--workers`` JobWorkers run side by side on one emulator, each
on an action type of its own: one polls only (the default backoff, 0.25 s
doubling to 20 s with full jitter), the other also reads an SQS queue fed by
an EventBridge rule with its type's STARTED events (``wakeup_queue_url``,
the default 300 s idle ceiling). Everything is real: the emulator puts its
events to moto's EventBridge over HTTP, the rule delivers them to moto's
SQS, and the workers long-poll it with aiobotocore.

1. Pickup: ``--jobs`` jobs per fleet arrive one at a time, at random gaps of
   1 to 7 s, while the fleet is idle; the time from queueing a job to its
   handler starting is measured (p50, p95, max). The gaps are shorter than
   a long idle (so the backoff rarely reaches its 20 s ceiling): the
   polling-only figures are better here than for a worker idle for minutes,
   whose wait is uniform up to 20 s (10 s on average).
2. Idle polls: after the last job and a 20 s settle, both fleets sit idle for
   ``--window`` seconds of real time; the PollForJobs calls each fleet makes
   are counted and scaled to calls per worker per idle minute. With events
   the idle wait is 150 to 300 s, so a 90 s window sees few polls: the
   figure is an estimate from a small count (the expected value is
   60 / 225 = 0.27 polls per worker-minute).

Both run at once on real clocks (the emulator's clock does not drive the
workers' backoff), in about five minutes with the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from typing import Any

import boto3

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    Job,
    JobContext,
    JobsClient,
    JobWorker,
    event_pattern,
)
from cpjobs.testing import CodePipelineEmulator

POLLING = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="bench-polling",
    version="1",
)
EVENTS = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="bench-events",
    version="1",
)
SETTLE = float(os.environ.get("BENCH_SETTLE", "20"))


def _queue(emulator: CodePipelineEmulator) -> str:
    """An SQS queue fed with EVENTS' STARTED events."""
    kwargs: dict[str, Any] = {
        "region_name": emulator.region,
        "endpoint_url": emulator.endpoint_url,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    sqs, events = boto3.client("sqs", **kwargs), boto3.client("events", **kwargs)
    url: str = sqs.create_queue(QueueName="bench-wakeup")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    events.put_rule(Name="bench-wakeup", EventPattern=json.dumps(event_pattern(EVENTS)))
    events.put_targets(
        Rule="bench-wakeup",
        Targets=[{"Id": "queue", "Arn": arn["Attributes"]["QueueArn"]}],
    )
    sqs.close()
    events.close()
    return url


class Fleet:
    """Workers of one action type, and when each job was queued and started."""

    def __init__(
        self, client: JobsClient, action_type: ActionTypeId, size: int, **options: Any
    ) -> None:
        self.action_type = action_type
        self.queued: dict[str, float] = {}
        self.started: dict[str, float] = {}
        self.expected = 0
        self.all_started = asyncio.Event()
        self.workers = [
            JobWorker(client, action_type, self.handle, **options) for _ in range(size)
        ]

    async def handle(self, job: Job, ctx: JobContext) -> None:
        self.started[job.id] = time.monotonic()
        if len(self.started) == self.expected:
            self.all_started.set()

    @property
    def polls(self) -> int:
        return sum(worker.stats.polls for worker in self.workers)

    def pickups(self) -> list[float]:
        return [self.started[job] - queued for job, queued in self.queued.items()]

    async def feed(
        self, emulator: CodePipelineEmulator, jobs: int, rng: random.Random
    ) -> None:
        self.expected = jobs
        for _ in range(jobs):
            await asyncio.sleep(rng.uniform(1.0, 7.0))
            queued = time.monotonic()
            job_id = await asyncio.to_thread(emulator.enqueue_job, self.action_type)
            self.queued[job_id] = queued
        await self.all_started.wait()


def _p(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


async def bench(jobs: int, size: int, window: float, seed: int) -> None:
    async with CodePipelineEmulator.aserve() as emulator:
        url = await asyncio.to_thread(_queue, emulator)
        for action_type in (POLLING, EVENTS):
            emulator.register_action_type(action_type)
        async with JobsClient.create(
            region_name=emulator.region,
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ) as client:
            polling = Fleet(client, POLLING, size)
            woken = Fleet(client, EVENTS, size, wakeup_queue_url=url)
            fleets = {"polling only": polling, "with events": woken}
            workers = polling.workers + woken.workers
            tasks = [
                asyncio.create_task(worker.run(handle_signals=False))
                for worker in workers
            ]
            try:
                await asyncio.sleep(2.0)
                started = time.monotonic()
                await asyncio.gather(
                    polling.feed(emulator, jobs, random.Random(seed)),
                    woken.feed(emulator, jobs, random.Random(seed + 1)),
                )
                fed = time.monotonic() - started
                await asyncio.sleep(SETTLE)
                before = {name: fleet.polls for name, fleet in fleets.items()}
                await asyncio.sleep(window)
                idle = {
                    name: (fleet.polls - before[name]) / size / (window / 60)
                    for name, fleet in fleets.items()
                }
            finally:
                for worker in workers:
                    worker.stop()
                await asyncio.gather(*tasks)
    _report(fleets, idle, jobs, size, window, fed)


def _report(
    fleets: dict[str, Fleet],
    idle: dict[str, float],
    jobs: int,
    size: int,
    window: float,
    fed: float,
) -> None:
    print(
        f"{jobs} jobs per fleet of {size} workers over {fed:.0f} s;"
        f" idle window {window:.0f} s after a {SETTLE:.0f} s settle\n"
    )
    print(
        f"{'':14} {'p50 pickup':>11} {'p95 pickup':>11} {'max':>8}"
        f" {'polls/worker/idle min':>22} {'all polls/job':>14}"
    )
    figures: dict[str, tuple[float, float]] = {}
    for name, fleet in fleets.items():
        pickups = fleet.pickups()
        p50, p95 = _p(pickups, 50), _p(pickups, 95)
        figures[name] = (p95, idle[name])
        print(
            f"{name:14} {p50 * 1000:9.0f}ms {p95 * 1000:9.0f}ms"
            f" {max(pickups) * 1000:6.0f}ms {idle[name]:22.2f}"
            f" {fleet.polls / jobs:14.1f}"
        )
    (p95_poll, idle_poll), (p95_event, idle_event) = figures.values()
    print(
        f"\nratios polling/events: p95 pickup {p95_poll / p95_event:.1f}x,"
        f" idle polls {idle_poll / idle_event if idle_event else float('inf'):.1f}x"
    )
    print(
        f"targets with events: p95 < 1 s: {'met' if p95_event < 1 else 'missed'};"
        f" <= 1 poll per idle minute: {'met' if idle_event <= 1 else 'missed'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--window", type=float, default=90.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(bench(args.jobs, args.workers, args.window, args.seed))


if __name__ == "__main__":
    main()
