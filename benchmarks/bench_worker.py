"""Jobs per second through the emulator: cpjobs.JobWorker vs a raw aiobotocore loop.

Run: python benchmarks/bench_worker.py [--jobs 200] [--rounds 15]

Both do the same calls per job (PollForJobs asking for the free slots,
AcknowledgeJob, PutJobSuccessResult) against the same emulator server, with
the same number of jobs, in interleaved rounds (the queue is reset between
rounds so every round starts alike). The emulator runs in a process of its
own, so its request threads do not compete with the client for this
process's GIL. Prints, per concurrency, the median jobs/s of each, the median
of the ratios cpjobs / raw of rounds run back to back, and the median CPU
milliseconds this process spent per job (throughput through a local server
varies by +-15% from round to round).

Then, to isolate what cpjobs itself costs, the same loops run against an
in-memory stand-in for the aiobotocore client (no server, no HTTP: each call
answers a canned response after one event-loop turn), plus the raw loop's
calls made through `JobsClient` alone; the CPU microseconds per job of each
are printed, best of seven. "added" is cpjobs over raw; "of it, worker" is
what the worker adds over the typed client.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
import uuid
from multiprocessing.connection import Connection
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    Job,
    JobContext,
    JobFinished,
    JobsClient,
    JobStatus,
    JobWorker,
    WorkerEvent,
)
from cpjobs.testing import CodePipelineEmulator

ACTION_TYPE = ActionTypeId(
    category=ActionCategory.BUILD,
    owner=ActionOwner.CUSTOM,
    provider="cpjobs-bench",
    version="1",
)
WIRE_ACTION_TYPE = {
    "category": "Build",
    "owner": "Custom",
    "provider": "cpjobs-bench",
    "version": "1",
}
CONCURRENCIES = (1, 8, 32)
CONFIG = AioConfig(max_pool_connections=64)


def serve(commands: Connection) -> None:
    """The emulator's process: serve, and answer commands from the benchmark."""
    with CodePipelineEmulator.serve() as emulator:
        commands.send((emulator.endpoint_url, emulator.region))
        while True:
            command, argument = commands.recv()
            if command == "queue":
                emulator.reset()
                emulator.register_action_type(ACTION_TYPE)
                ids = [emulator.enqueue_job(ACTION_TYPE) for _ in range(argument)]
                commands.send(ids)
            elif command == "check":
                commands.send(
                    all(emulator.job(i).status.value == "Succeeded" for i in argument)
                )
            else:
                return


class Emulator:
    """The benchmark's handle on the emulator process."""

    def __init__(self) -> None:
        self._commands, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(child,), daemon=True
        )
        self._process.start()
        self.endpoint_url, self.region = self._commands.recv()

    def queue(self, jobs: int) -> list[str]:
        self._commands.send(("queue", jobs))
        ids: list[str] = self._commands.recv()
        return ids

    def all_succeeded(self, job_ids: list[str]) -> bool:
        self._commands.send(("check", job_ids))
        return bool(self._commands.recv())

    def close(self) -> None:
        self._commands.send(("stop", None))
        self._process.join()


def client_kwargs(emulator: Emulator) -> dict[str, Any]:
    return {
        "region_name": emulator.region,
        "endpoint_url": emulator.endpoint_url,
        "aws_access_key_id": "bench",
        "aws_secret_access_key": "bench",
        "config": CONFIG,
    }


async def raw_loop(raw: Any, jobs: int, concurrency: int) -> None:
    """A hand-written worker: poll for free slots, ack, put success."""
    done = 0
    tasks: set[asyncio.Task[None]] = set()

    async def work(job: dict[str, Any]) -> None:
        nonlocal done
        ack = await raw.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
        if ack["status"] == "InProgress":
            await raw.put_job_success_result(jobId=job["id"])
        done += 1

    while done < jobs:
        free = concurrency - len(tasks)
        if free == 0 or done + len(tasks) >= jobs:
            finished, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            tasks -= finished
            continue
        response = await raw.poll_for_jobs(
            actionTypeId=WIRE_ACTION_TYPE, maxBatchSize=free
        )
        for job in response["jobs"]:
            tasks.add(asyncio.create_task(work(job)))
    if tasks:
        await asyncio.wait(tasks)


async def client_loop(client: JobsClient, jobs: int, concurrency: int) -> None:
    """The raw loop's calls through `JobsClient` alone: typed models, no worker."""
    done = 0
    tasks: set[asyncio.Task[None]] = set()

    async def work(job: Job) -> None:
        nonlocal done
        assert job.id is not None
        assert job.nonce is not None
        ack = await client.acknowledge_job(job_id=job.id, nonce=job.nonce)
        if ack.status is JobStatus.IN_PROGRESS:
            await client.put_job_success_result(job_id=job.id)
        done += 1

    while done < jobs:
        free = concurrency - len(tasks)
        if free == 0 or done + len(tasks) >= jobs:
            finished, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            tasks -= finished
            continue
        output = await client.poll_for_jobs(
            action_type_id=ACTION_TYPE, max_batch_size=free
        )
        for job in output.jobs or ():
            tasks.add(asyncio.create_task(work(job)))
    if tasks:
        await asyncio.wait(tasks)


async def cpjobs_loop(client: JobsClient, jobs: int, concurrency: int) -> None:
    """The same through `JobWorker`, stopped when every job is reported."""
    finished = 0

    async def handler(job: Job, ctx: JobContext) -> None:
        return None

    def on_event(event: WorkerEvent) -> None:
        nonlocal finished
        if isinstance(event, JobFinished):
            finished += 1
            if finished >= jobs:
                worker.stop()

    worker = JobWorker(
        client, ACTION_TYPE, handler, max_concurrency=concurrency, on_event=on_event
    )
    await worker.run()


class InMemoryCodePipeline:
    """Answers PollForJobs, AcknowledgeJob and PutJobSuccessResult from memory."""

    def __init__(self, jobs: int) -> None:
        self._left = jobs
        self._job = {
            "accountId": "123456789012",
            "nonce": "1",
            "data": {
                "actionTypeId": WIRE_ACTION_TYPE,
                "actionConfiguration": {"configuration": {"Project": "web"}},
                "pipelineContext": {
                    "pipelineName": "p",
                    "stage": {"name": "Build"},
                    "action": {"name": "Inspect"},
                },
                "artifactCredentials": {
                    "accessKeyId": "ASIA",
                    "secretAccessKey": "secret",
                    "sessionToken": "token",
                },
            },
        }

    async def poll_for_jobs(self, **request: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        batch = min(request.get("maxBatchSize", 1), self._left)
        self._left -= batch
        jobs = [{**self._job, "id": str(uuid.uuid4())} for _ in range(batch)]
        return {"jobs": jobs, "ResponseMetadata": {}}

    async def list_action_types(self, **request: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        artifacts = {"minimumCount": 0, "maximumCount": 5}
        action_type = {
            "id": WIRE_ACTION_TYPE,
            "inputArtifactDetails": artifacts,
            "outputArtifactDetails": artifacts,
        }
        return {"actionTypes": [action_type], "ResponseMetadata": {}}

    async def acknowledge_job(self, **request: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"status": "InProgress", "ResponseMetadata": {}}

    async def put_job_success_result(self, **request: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"ResponseMetadata": {}}


LOOPS = {"raw": raw_loop, "client": client_loop, "cpjobs": cpjobs_loop}


def own_cost(jobs: int, concurrency: int) -> dict[str, float]:
    """CPU microseconds per job of each loop on the in-memory stand-in, best of 7.

    The rounds of the three loops are interleaved, so that a machine whose
    speed drifts (other work on it) weighs on each alike.
    """
    best = dict.fromkeys(LOOPS, float("inf"))
    for _ in range(7):
        for name, loop in LOOPS.items():
            raw: Any = InMemoryCodePipeline(jobs)
            run = loop(raw if name == "raw" else JobsClient(raw), jobs, concurrency)
            cpu = time.process_time()
            asyncio.run(run)
            best[name] = min(best[name], time.process_time() - cpu)
    return {name: 1e6 * seconds / jobs for name, seconds in best.items()}


async def timed(emulator: Emulator, jobs: int, run: Any) -> tuple[float, float]:
    """Queue ``jobs`` fresh jobs, run ``run()``; jobs per second, CPU ms per job."""
    job_ids = emulator.queue(jobs)
    started, cpu = time.perf_counter(), time.process_time()
    await run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert emulator.all_succeeded(job_ids)
    return jobs / elapsed, 1000 * cpu / jobs


async def main(jobs: int, rounds: int) -> None:
    emulator = Emulator()
    try:
        session = get_session()
        async with (
            session.create_client("codepipeline", **client_kwargs(emulator)) as raw,
            JobsClient.create(**client_kwargs(emulator)) as client,
        ):
            # Warm up connections, models and the converter.
            await timed(emulator, 50, lambda: raw_loop(raw, 50, 8))
            await timed(emulator, 50, lambda: cpjobs_loop(client, 50, 8))
            print(
                f"{jobs} jobs per round, {rounds} interleaved pairs of rounds, medians"
                " (cpjobs/raw: the median of the pairs' ratios)"
            )
            print(
                f"{'concurrency':>11}  {'raw jobs/s':>10}  {'cpjobs jobs/s':>13}"
                f"  {'cpjobs/raw':>10}  {'raw cpu ms/job':>14}  {'cpjobs cpu ms/job':>17}"
            )
            for concurrency in CONCURRENCIES:
                raw_rates: list[tuple[float, float]] = []
                cpjobs_rates: list[tuple[float, float]] = []
                for number in range(rounds):
                    pair = [
                        (raw_rates, lambda c=concurrency: raw_loop(raw, jobs, c)),
                        (
                            cpjobs_rates,
                            lambda c=concurrency: cpjobs_loop(client, jobs, c),
                        ),
                    ]
                    if number % 2:
                        pair.reverse()
                    for rates, run in pair:
                        rates.append(await timed(emulator, jobs, run))
                # Each pair ran back to back: the median of the pairs' ratios
                # is steadier than a ratio of medians when the machine's speed
                # drifts over the run.
                ratio = statistics.median(
                    c / r
                    for (r, _), (c, _) in zip(raw_rates, cpjobs_rates, strict=True)
                )
                print(
                    f"{concurrency:>11}"
                    f"  {statistics.median(r for r, _ in raw_rates):10.1f}"
                    f"  {statistics.median(r for r, _ in cpjobs_rates):13.1f}"
                    f"  {ratio:9.2f}x"
                    f"  {statistics.median(c for _, c in raw_rates):14.2f}"
                    f"  {statistics.median(c for _, c in cpjobs_rates):17.2f}"
                )
    finally:
        emulator.close()


def report_own_cost(jobs: int) -> None:
    print(f"\nwithout a server (in-memory stand-in client), {jobs} jobs, best of 7")
    print(
        f"{'concurrency':>11}  {'raw us/job':>10}  {'client us/job':>13}"
        f"  {'cpjobs us/job':>13}  {'added':>7}  {'of it, worker':>13}"
    )
    for concurrency in CONCURRENCIES:
        cost = own_cost(jobs, concurrency)
        print(
            f"{concurrency:>11}  {cost['raw']:10.1f}  {cost['client']:13.1f}"
            f"  {cost['cpjobs']:13.1f}  {cost['cpjobs'] - cost['raw']:+7.1f}"
            f"  {cost['cpjobs'] - cost['client']:+13.1f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(main(args.jobs, args.rounds))
    report_own_cost(5000)
